// TestRuntime: a livy::Runtime wired to fakes (scripted launcher, manual
// clock, fake Spark home) over a temporary data directory.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "livy/runtime.h"
#include "runtime/runtime_impl.h"
#include "support/fake_spark_home.h"
#include "support/manual_clock.h"
#include "support/scripted_launcher.h"
#include "support/temp_dir.h"

namespace livy_test {

// Owns the fakes and the directories; config() may be changed before open().
// Reopening keeps the data directory, so a test can check recovery. Timing is
// test-sized: the monitor polls every 10 ms and a kill escalates after 50 ms.
// The launcher's pids start at ScriptedLauncher::kFirstPid, one per launch.
class TestRuntime {
 public:
  TestRuntime() {
    config_.data_dir = (root_.path() / "data").string();
    config_.spark_home = spark_.str();
    config_.monitor_interval = std::chrono::milliseconds(10);
    config_.batch_kill_grace = std::chrono::milliseconds(50);
    config_.local_dir_whitelist = {jobs_dir().string()};
    write_file(jobs_dir() / "job.py", "print('hello')\n");
  }

  livy::Config& config() { return config_; }
  ScriptedLauncher& launcher() { return *launcher_; }
  std::shared_ptr<ScriptedLauncher> shared_launcher() { return launcher_; }
  ManualClock& clock() { return *clock_; }
  const FakeSparkHome& spark() const { return spark_; }
  std::filesystem::path jobs_dir() const { return root_.path() / "jobs"; }
  std::filesystem::path data_dir() const { return config_.data_dir; }
  // A whitelisted local file a batch may run.
  std::string job_file() const { return (jobs_dir() / "job.py").string(); }

  // The cluster manager every master gets from now on (the next open()); nullptr: local mode.
  void set_cluster_manager(std::shared_ptr<livy::ClusterManager> cluster) { cluster_ = std::move(cluster); }

  // Opens (or reopens, after closing the current one) the runtime; throws on failure.
  livy::Runtime& open() {
    runtime_.reset();
    log_ = std::make_shared<CapturedLog>();
    livy::LogOptions log_options = livy::log_options(config_);
    log_options.sink = [log = log_](std::string_view line) {
      std::lock_guard lock(log->mu);
      log->lines.emplace_back(line);
    };
    logger_ = livy::Logger::open(std::move(log_options));
    auto r = livy::Runtime::Impl::open(config_, {launcher_, clock_, logger_},
                                       [cluster = cluster_](const livy::Config&, const std::string&) {
                                         return livy::Result<std::shared_ptr<livy::ClusterManager>>(cluster);
                                       });
    if (!r) throw std::runtime_error("Runtime::open failed: " + r.status().message());
    runtime_ = std::move(*r);
    return *runtime_;
  }

  // Closes the runtime and gives it a fresh launcher, as a restarted livyd whose
  // children were started by the previous process.
  void close_and_forget_children() {
    runtime_.reset();
    launcher_ = std::make_shared<ScriptedLauncher>(ScriptedLauncher::kFirstPid + 10'000);
  }

  livy::Runtime& runtime() { return *runtime_; }
  // The runtime's log (log.format of config()), captured instead of written to stderr:
  // every line written so far.
  std::vector<std::string> log_lines() {
    logger_->flush();
    std::lock_guard lock(log_->mu);
    return log_->lines;
  }
  livy::BatchManager& batches() { return runtime_->batches(); }

 private:
  TempDir root_;
  FakeSparkHome spark_;
  livy::Config config_;
  std::shared_ptr<ScriptedLauncher> launcher_ = std::make_shared<ScriptedLauncher>();
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  std::shared_ptr<livy::ClusterManager> cluster_;
  struct CapturedLog {
    std::mutex mu;
    std::vector<std::string> lines;
  };
  std::shared_ptr<CapturedLog> log_;
  std::shared_ptr<livy::Logger> logger_;
  std::unique_ptr<livy::Runtime> runtime_;  // last: closed before the directories go
};

}  // namespace livy_test
