// BatchManager::Impl: the batch table, its timers, and their locks.
//
// Locks, as in the session engine: `table_mu_` guards only which batches exist (the table, the
// submissions under way), held for a lookup, an insert or an erase and never across I/O; each
// batch has its own `mu` over its state and its own condition variable for BatchManager::wait. A
// batch's lock may be held across that batch's own store write, spawn and log read, and while the
// table lock is taken; never the reverse. Network I/O (the Spark UI, a cluster manager) is done
// with no lock held.
//
// Each batch has one deadline in the timer queue (runtime/timer_queue.h): its next child poll,
// the end of its start timeout, its next lookup at the cluster manager, the end of its
// state-retain. When due, check() looks at that batch alone.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "base/thread_annotations.h"
#include "livy/batch_manager.h"
#include "livy/clock.h"
#include "livy/config.h"
#include "livy/log.h"
#include "livy/process.h"
#include "metrics/core_metrics.h"
#include "model/request_validation.h"
#include "process/child_process.h"
#include "runtime/idempotent_creates.h"
#include "runtime/reservations.h"
#include "runtime/supervisor.h"
#include "runtime/timer_queue.h"
#include "spark/spark_submit.h"
#include "spark/spark_versions.h"
#include "store/store.h"

namespace livy {

struct BatchManager::Impl {
  // One batch this runtime knows, with what is needed to watch it.
  struct Entry {
    Mutex mu;
    CondVar changed;  // this batch changed state, or it left the table, or stop
    // Set before the entry is in the table, never changed after: read without `mu`.
    std::int64_t id = 0;
    std::optional<std::string> name;
    // rec.state, readable under the table lock alone (names, the starting count).
    std::atomic<BatchState> state_seen{BatchState::kStarting};

    BatchRecord rec GUARDED_BY(mu);
    std::unique_ptr<ChildProcess> child GUARDED_BY(mu);  // the wrapper and spark-submit; its output
    AppWatch app GUARDED_BY(mu);                          // its application: id, UI, cluster manager
    bool kill_requested GUARDED_BY(mu) = false;
    bool printed GUARDED_BY(mu) = false;          // spark-submit printed something (no start timeout then)
    bool start_timed_out GUARDED_BY(mu) = false;  // stopped for printing nothing within batches.start-timeout
    bool gone GUARDED_BY(mu) = false;             // out of the table (forgotten, or past state-retain)
  };
  using EntryPtr = std::shared_ptr<Entry>;
  // The timer of the forgotten batches' groups whose SIGKILL is still due (batch ids are >= 0).
  static constexpr TimerQueue::Key kOrphansKey = -1;

  // `cluster`: the manager of spark_.master's applications, nullptr in local mode.
  Impl(Config config, RequestRules rules, SparkInstallations spark, Store& store,
       std::shared_ptr<ProcessLauncher> launcher, std::shared_ptr<Clock> clock,
       std::shared_ptr<ClusterManager> cluster = nullptr,
       std::shared_ptr<metrics::CoreMetrics> metrics = nullptr);  // nullptr: its own, unread
  ~Impl();

  // Loads batches from the store and starts the timers.
  Status start();
  void stop();  // leaves running batches running, unless server.stop-on-shutdown
  void kill_all_for_shutdown();
  void finish_kills_for_shutdown();  // killed batches' groups: gone before livyd exits

  // With `key`, the idempotency key it is submitted under, stored with the batch (Store::insert_batch).
  Result<Batch> submit(const BatchRequest& request, const std::optional<std::string>& owner,
                       const IdempotencyRecord* key = nullptr);
  Result<Batch> get(std::string_view id_or_name) const;
  Result<Page<Batch>> list(std::int64_t from, std::int64_t size) const;
  Result<LogPage> log(std::string_view id_or_name, std::optional<std::int64_t> from, std::int64_t size) const;
  Status kill(std::string_view id_or_name);
  Result<Batch> wait(std::string_view id_or_name, std::chrono::milliseconds timeout) const;

  int starting_count() const EXCLUDES(table_mu_);  // batches in `starting`, and submissions under way
  std::map<BatchState, std::int64_t> count_by_state() const EXCLUDES(table_mu_);  // the table's batches
  std::function<int()> other_starting;             // the sessions' count, for max-creation
  std::shared_ptr<Logger> logger;                  // each state change of a batch is logged here
  std::shared_ptr<IdempotentCreates> once;         // the runtime's idempotency keys (submit_once)

 private:
  EntryPtr find(std::string_view id_or_name) const EXCLUDES(table_mu_);
  EntryPtr find(std::int64_t id) const EXCLUDES(table_mu_);
  // find(), else, for a numeric id, a finished batch past state-retain read back from the store
  // with no lock held (history only: in no table, never signalled).
  EntryPtr lookup(std::string_view id_or_name) const EXCLUDES(table_mu_);
  std::vector<EntryPtr> all_entries() const EXCLUDES(table_mu_);
  Batch to_batch(const Entry& e) const REQUIRES(e.mu);
  void persist(const Entry& e) REQUIRES(e.mu);
  void set_state(Entry& e, BatchState state) REQUIRES(e.mu);  // in memory; the caller persists
  void launch(Entry& e, const BatchRequest& request) REQUIRES(e.mu);

  // The timers (batch_timers.cpp).
  void on_timer(TimerQueue::Key key);
  void check(const EntryPtr& e) EXCLUDES(e->mu);  // what is due for one batch; schedules its next check
  void schedule(Entry& e) REQUIRES(e.mu);         // its next check, when anything may be due
  // Lookups and kills at the cluster manager, and the local UI's application id: taken under the
  // batch's lock, done without it, brought back under it.
  void talk_to_cluster(const EntryPtr& e) EXCLUDES(e->mu);
  void take_report(Entry& e, const ClusterAppReport& report) REQUIRES(e.mu);
  bool follows_app(const Entry& e) const REQUIRES(e.mu);  // the cluster manager's state still matters
  void watch(Entry& e) REQUIRES(e.mu);
  void finish(Entry& e, const ChildProcess::Poll& poll) REQUIRES(e.mu);
  bool expired(const Entry& e) const REQUIRES(e.mu);  // final, done with, and past state-retain
  void forget(Entry& e) REQUIRES(e.mu) EXCLUDES(table_mu_);  // out of the table, its SIGKILL still sent
  void erase(Entry& e) REQUIRES(e.mu) EXCLUDES(table_mu_);

  const Config config_;
  const RequestRules rules_;
  const SparkInstallations spark_;
  Store& store_;
  const std::shared_ptr<ProcessLauncher> launcher_;
  const std::shared_ptr<Clock> clock_;
  const std::shared_ptr<metrics::CoreMetrics> metrics_;
  Supervisor supervisor_;  // children, applications, cluster manager, orphans

  mutable Mutex table_mu_;
  std::map<std::int64_t, EntryPtr> entries_ GUARDED_BY(table_mu_);  // live batches by id
  Reservations reservations_ GUARDED_BY(table_mu_);  // submissions between their check and the table
  std::atomic<bool> stopping_{false};
  TimerQueue timers_;  // owns the timer thread; stopped by stop()
};

}  // namespace livy
