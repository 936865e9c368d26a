// Submits a Spark batch from C++ with no HTTP at all, and waits for it.
//   submit_batch /abs/path/app.py [args...]
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <livy/livy.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s /path/to/app.py [args...]\n", argv[0]);
    return 2;
  }
  const auto file = std::filesystem::absolute(argv[1]);

  livy::Config config;                     // local[*] Spark, store under ./var
  config.data_dir = "./var/submit_batch";
  config.local_dir_whitelist = {file.parent_path().string()};  // let the batch name this local file

  auto runtime = livy::Runtime::open(config);
  if (!runtime) {
    std::fprintf(stderr, "cannot start: %s\n", runtime.status().message().c_str());
    return 1;
  }

  livy::BatchRequest request;
  request.file = file.string();
  request.args.assign(argv + 2, argv + argc);
  auto batch = (*runtime)->batches().submit(request);
  if (!batch) {
    std::fprintf(stderr, "rejected: %s\n", batch.status().message().c_str());
    return 1;
  }
  std::printf("batch %lld submitted\n", static_cast<long long>(batch->id));

  auto done = (*runtime)->batches().wait(batch->id, std::chrono::minutes(10));
  if (!done) return 1;
  const auto log = (*runtime)->batches().log(batch->id, std::nullopt, -1);
  if (log) {
    for (const auto& line : log->lines) {
      if (line.find(" INFO ") == std::string::npos) std::printf("  | %s\n", line.c_str());
    }
  }
  std::printf("batch %lld: %s (appId %s)\n", static_cast<long long>(done->id),
              std::string(livy::to_string(done->state)).c_str(), done->app_id.value_or("unknown").c_str());
  return done->state == livy::BatchState::kSuccess ? 0 : 1;
}
