#include "livy/runtime.h"

#include <dlfcn.h>

#include <filesystem>
#include <vector>

#include "batches/batch_manager_impl.h"
#include "base/data_dir.h"
#include "clusters/cluster_managers.h"
#include "clusters/yarn_cluster_manager.h"
#include "runtime/runtime_impl.h"
#include "runtime/runtime_metrics.h"
#include "model/request_validation.h"
#include "sessions/session_core.h"
#include "store/store.h"

namespace livy {

namespace {

// The session driver: configured, else installed relative to this library
// (<prefix>/lib/liblivy.so -> <prefix>/share/livy/drivers/...), so an installed
// tree can move; else the source tree's, for a build tree.
std::string find_driver_script(const Config& config) {
  namespace fs = std::filesystem;
  if (!config.driver_script.empty()) return fs::absolute(config.driver_script).string();
  std::vector<fs::path> candidates;
  Dl_info info{};
  if (::dladdr(reinterpret_cast<const void*>(&find_driver_script), &info) != 0 && info.dli_fname != nullptr) {
    candidates.push_back(fs::path(info.dli_fname).parent_path() / LIVY_DRIVER_FROM_LIB);
  }
  candidates.emplace_back(LIVY_DRIVER_SOURCE);
  for (const auto& candidate : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
  }
  return "";
}

// The archive of the driver's modules for cluster deploy mode (livy-drivers.zip, made by the
// build): beside the installed drivers, else in this build tree. None for a configured driver
// script, whose modules livyd does not know.
std::string find_driver_archive(const Config& config) {
  namespace fs = std::filesystem;
  if (!config.driver_script.empty()) return "";
  std::vector<fs::path> candidates;
  Dl_info info{};
  if (::dladdr(reinterpret_cast<const void*>(&find_driver_archive), &info) != 0 && info.dli_fname != nullptr) {
    candidates.push_back(fs::path(info.dli_fname).parent_path() / LIVY_DRIVER_ARCHIVE_FROM_LIB);
  }
  candidates.emplace_back(LIVY_DRIVER_ARCHIVE_BUILD);
  for (const auto& candidate : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
  }
  return "";
}

}  // namespace

Result<std::unique_ptr<Runtime>> Runtime::open(const Config& config, RuntimeOptions options) {
  return Impl::open(config, std::move(options), make_cluster_manager);
}

Result<std::unique_ptr<Runtime>> Runtime::Impl::open(const Config& given, RuntimeOptions options,
                                                     ClusterManagerFactory clusters) {
  Config config = given;
  std::error_code ec;
  // Children run in their own directories: every path handed to them must be absolute.
  config.data_dir = std::filesystem::absolute(config.data_dir, ec).lexically_normal().string();
  if (!options.launcher) options.launcher = posix_process_launcher();
  if (!options.clock) options.clock = system_clock();
  if (!options.logger) options.logger = Logger::open(log_options(config));
  auto spark = SparkInstallations::resolve(config);
  if (!spark) return spark.status();
  auto rules = load_request_rules(config);
  if (!rules) return rules.status();
  // One manager for the server's master, shared by batches and sessions; none in local mode.
  auto cluster = clusters(config, spark->default_spark().master);
  if (!cluster) return cluster.status();

  Status st = create_data_dir(config.data_dir);
  if (!st) return st;
  // Before anything in it is read or written: two runtimes on one store and one set of
  // batch directories would each take the other's processes for their own.
  auto lock = DataDirLock::acquire(config.data_dir);
  if (!lock) return lock.status();
  tighten_data_dir(config.data_dir);
  // Session drivers create it too, with whatever mode; made here, it is private.
  st = create_private_dirs((std::filesystem::path(config.data_dir) / "driver-cache").string());
  if (!st) return st;
  // yarn.kerberos.*: the first ticket before anything is launched; every spark-submit uses its
  // cache, and the YARN ResourceManager is asked with SPNEGO.
  auto kerberos = YarnKerberos::start(config, options.logger);
  if (!kerberos) return kerberos.status();
  if (*kerberos) {
    spark->add_env("KRB5CCNAME", (*kerberos)->ccache());
    if (auto* yarn = dynamic_cast<YarnClusterManager*>(cluster->get())) yarn->use_kerberos(*kerberos);
  }
  auto store = Store::open((std::filesystem::path(config.data_dir) / "livyd.db").string());
  if (!store) return store.status();

  auto impl = std::make_unique<Impl>();
  impl->lock = std::move(*lock);
  impl->kerberos = std::move(*kerberos);
  impl->config = config;
  impl->logger = options.logger;
  impl->metrics = std::make_shared<metrics::CoreMetrics>();
  impl->store = std::move(*store);
  impl->store->metrics = impl->metrics;
  auto once = std::make_shared<IdempotentCreates>(
      IdempotencyOptions{config.idempotency_retention, config.idempotency_max_key_bytes, config.idempotency_max_keys},
      *impl->store, options.clock);
  st = once->load();
  if (!st) return st;
  auto batches_impl = std::make_unique<BatchManager::Impl>(config, *rules, *spark, *impl->store, options.launcher,
                                                          options.clock, *cluster, impl->metrics);
  BatchManager::Impl* batches_raw = batches_impl.get();
  batches_raw->logger = options.logger;
  batches_raw->once = once;
  st = batches_impl->start();
  if (!st) return st;
  impl->batches.reset(new BatchManager(std::move(batches_impl)));

  const std::string driver = find_driver_script(config);
  if (driver.empty()) return Status::unavailable("the session driver livy_driver.py was not found: set sessions.driver-script");
  impl->session_core = std::make_shared<SessionCore>(config, std::move(*rules), std::move(*spark), driver, *impl->store,
                                                     options.launcher, options.clock, *cluster, impl->metrics);
  impl->session_core->logger = options.logger;
  impl->session_core->driver_archive = find_driver_archive(config);
  impl->session_core->once = once;
  impl->session_core->other_starting = [batches_raw] { return batches_raw->starting_count(); };
  batches_raw->other_starting = [core = impl->session_core.get()] { return core->starting_count(); };
  st = impl->session_core->start();
  if (!st) return st;
  impl->sessions.reset(new SessionManager(impl->session_core));
  impl->statements.reset(new StatementRunner(impl->session_core));
  impl->jobs.reset(new JobRunner(impl->session_core));
  add_runtime_collectors(impl->metrics->registry, *impl->session_core, *batches_raw);
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Runtime::~Runtime() { shutdown(); }

BatchManager& Runtime::batches() { return *impl_->batches; }
SessionManager& Runtime::sessions() { return *impl_->sessions; }
StatementRunner& Runtime::statements() { return *impl_->statements; }
JobRunner& Runtime::jobs() { return *impl_->jobs; }
const Config& Runtime::config() const { return impl_->config; }
const std::shared_ptr<Logger>& Runtime::logger() const { return impl_->logger; }
std::string Runtime::metrics_text() const { return impl_->metrics->registry.text(); }

void Runtime::shutdown() {
  impl_->session_core->stop();
  impl_->batches->impl_->stop();
}

}  // namespace livy
