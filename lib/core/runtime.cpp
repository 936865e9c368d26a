#include "livy/runtime.h"

#include <filesystem>

#include "core/batch_manager_impl.h"
#include "store/store.h"

namespace livy {

struct Runtime::Impl {
  Config config;
  std::unique_ptr<Store> store;
  std::unique_ptr<BatchManager> batches;  // declared after store: destroyed before it
};

Result<std::unique_ptr<Runtime>> Runtime::open(const Config& given, RuntimeOptions options) {
  Config config = given;
  std::error_code ec;
  // Children run in their own directories: every path handed to them must be absolute.
  config.data_dir = std::filesystem::absolute(config.data_dir, ec).lexically_normal().string();
  if (!options.launcher) options.launcher = posix_process_launcher();
  if (!options.clock) options.clock = system_clock();
  auto spark = resolve_spark(config);
  if (!spark) return spark.status();

  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Status::unavailable("cannot create data directory " + config.data_dir + ": " + ec.message());
  auto store = Store::open((std::filesystem::path(config.data_dir) / "livyd.db").string());
  if (!store) return store.status();

  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->store = std::move(*store);
  auto batches_impl = std::make_unique<BatchManager::Impl>(config, std::move(*spark), *impl->store,
                                                           options.launcher, options.clock);
  Status st = batches_impl->start();
  if (!st) return st;
  impl->batches.reset(new BatchManager(std::move(batches_impl)));
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Runtime::~Runtime() { shutdown(); }

BatchManager& Runtime::batches() { return *impl_->batches; }
const Config& Runtime::config() const { return impl_->config; }

void Runtime::shutdown() { impl_->batches->impl_->stop(); }

}  // namespace livy
