// Runtime: owns everything a livyd instance is made of.
#pragma once

#include <memory>
#include <string>

#include "livy/batch_manager.h"
#include "livy/clock.h"
#include "livy/config.h"
#include "livy/job_runner.h"
#include "livy/log.h"
#include "livy/process.h"
#include "livy/session_manager.h"
#include "livy/status.h"
#include "livy/export.h"

namespace livy {

// The operating-system doors a runtime uses. Empty members get the real ones.
struct RuntimeOptions {
  std::shared_ptr<ProcessLauncher> launcher;  // default: posix_process_launcher()
  std::shared_ptr<Clock> clock;               // default: system_clock()
  std::shared_ptr<Logger> logger;             // state changes go here; default: Logger::open(log_options(config))
};

// Opens the store under config.data_dir, resolves Spark, recovers what the
// store knows, opens the channel drivers connect back to, and starts the
// monitor threads. Several runtimes may live in one process, each with its own
// data directory: a runtime locks its directory, and open() on a directory
// another runtime holds (in any process) fails with kConflict. Destroying it
// stops the threads and releases the directory; running batches and sessions
// keep running for the next runtime (they belong to their own process groups;
// drivers try to reconnect), unless config.stop_on_shutdown.
class LIVY_API Runtime {
 public:
  static Result<std::unique_ptr<Runtime>> open(const Config& config, RuntimeOptions options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  BatchManager& batches();
  SessionManager& sessions();
  StatementRunner& statements();
  JobRunner& jobs();
  const Config& config() const;
  // The log every state change of a session, batch and statement goes to (RuntimeOptions::logger);
  // livy::http's routes log their requests to it too.
  const std::shared_ptr<Logger>& logger() const;
  // The runtime's metrics in Prometheus' text exposition format, version 0.0.4 (served as
  // `text/plain; version=0.0.4; charset=utf-8`; every metric is in docs/metrics.md):
  // sessions, batches and statements by state, session start, statement and store write
  // latencies, the driver channel, child processes and this process. Computed now; any thread.
  std::string metrics_text() const;

  // Stops background work; idempotent, also done by the destructor.
  void shutdown();

  struct LIVY_HIDDEN Impl;

 private:
  explicit Runtime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livy
