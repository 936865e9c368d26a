// BatchManager::Impl: the batch table, its monitor thread, and their lock.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "process/child_process.h"
#include "model/request_validation.h"
#include "livy/batch_manager.h"
#include "livy/clock.h"
#include "livy/config.h"
#include "livy/process.h"
#include "spark/spark_submit.h"
#include "store/store.h"

namespace livy {

struct BatchManager::Impl {
  // One batch this runtime knows, with what is needed to watch it.
  struct Entry {
    BatchRecord rec;
    std::unique_ptr<ChildProcess> child;  // the wrapper and spark-submit; its output
    std::optional<int> ui_port;
    std::chrono::steady_clock::time_point next_app_query{};
    bool kill_requested = false;
    bool start_timed_out = false;  // stopped for printing nothing within batches.start-timeout
  };

  Impl(Config config, RequestRules rules, SparkEnvironment spark, Store& store,
       std::shared_ptr<ProcessLauncher> launcher, std::shared_ptr<Clock> clock);
  ~Impl();

  // Loads batches from the store and starts the monitor.
  Status start();
  void stop();  // leaves running batches running, unless server.stop-on-shutdown
  void kill_all_for_shutdown();
  void finish_kills_for_shutdown();  // killed batches' groups: gone before livyd exits

  Result<Batch> submit(const BatchRequest& request, const std::optional<std::string>& owner);
  Result<Batch> get(std::string_view id_or_name) const;
  Result<Page<Batch>> list(std::int64_t from, std::int64_t size) const;
  Result<LogPage> log(std::string_view id_or_name, std::optional<std::int64_t> from, std::int64_t size) const;
  Status kill(std::string_view id_or_name);
  Result<Batch> wait(std::string_view id_or_name, std::chrono::milliseconds timeout) const;

  int starting_count() const;             // batches in `starting`
  std::function<int()> other_starting;    // the sessions' count, for max-creation

 private:
  Entry* find(std::string_view id_or_name);  // requires mu_
  const Entry* find(std::string_view id_or_name) const { return const_cast<Impl*>(this)->find(id_or_name); }
  Batch to_batch(const Entry& e) const;
  void persist(const Entry& e);
  // find(), else, for a numeric id, a finished batch past state-retain read back from the store
  // into `archived` (history only: never signalled). Requires mu_.
  const Entry* lookup(std::string_view id_or_name, std::optional<Entry>& archived) const;
  void launch(Entry& e, const BatchRequest& request);

  void monitor_loop();
  void tick();
  void watch(Entry& e);
  void finish(Entry& e, const ChildProcess::Poll& poll);
  void forget(Entry& e);  // requires mu_; erases e
  void query_app_ids();

  const Config config_;
  const RequestRules rules_;
  const SparkEnvironment spark_;
  Store& store_;
  const std::shared_ptr<ProcessLauncher> launcher_;
  const std::shared_ptr<Clock> clock_;

  mutable std::mutex mu_;                   // guards entries_ and stopping_
  mutable std::condition_variable changed_;  // a batch changed state, or stop
  std::map<std::int64_t, Entry> entries_;    // live batches by id
  std::vector<std::unique_ptr<ChildProcess>> orphans_;  // forgotten, their SIGKILL still due
  bool stopping_ = false;
  std::thread monitor_;                     // owned; joined by stop()
};

}  // namespace livy
