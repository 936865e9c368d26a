// SessionCore: the sessions, their statements and their drivers. SessionManager,
// StatementRunner and JobRunner are its faces; the driver channel calls it as DriverEvents.
//
// Locks: `table_mu_` guards only which sessions exist (the table, the creations under
// way); it is held for a lookup, an insert or an erase, never across I/O. Each session
// has its own `mu` over all of its state. A session's lock is never held across the
// synced write of a new statement or the spawn of its spark-submit: those are prepared
// under it, done without it (marked in flight: `storing`; a spawn's own ChildProcess), and published
// under it again, as leveldb's DBImpl::Write does. What GET /sessions and GET
// /sessions/{id} show is a published, immutable view (`view`), read without `mu`, so no
// list or get ever waits for a session's lock. Waiters wait on what they wait for: a
// statement's long-poll on its statement, wait_ready on the session's state, completions
// and file replies on the replies. Order: a session's lock may be held while the table
// lock or its `view_mu` is taken, never the reverse.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "base/thread_annotations.h"
#include "channel/driver_channel.h"
#include "livy/clock.h"
#include "livy/config.h"
#include "livy/connect_info.h"
#include "livy/job_runner.h"
#include "livy/log.h"
#include "livy/session_manager.h"
#include "metrics/core_metrics.h"
#include "model/request_validation.h"
#include "process/child_process.h"
#include "results/result_spool.h"
#include "runtime/idempotent_creates.h"
#include "runtime/reservations.h"
#include "runtime/supervisor.h"
#include "runtime/timer_queue.h"
#include "sessions/session_jobs.h"
#include "sessions/warm_pool.h"
#include "spark/spark_submit.h"
#include "spark/spark_versions.h"
#include "store/store.h"

namespace livy {

// The output of a statement cancelled before the driver ran it.
StatementOutput cancelled_before_start();

struct SessionCore final : DriverEvents {
  // A thread waiting for one statement to be final (its long-poll).
  struct StatementWaiter {
    std::int64_t statement = 0;
    CondVar cv;
  };
  struct Entry {
    Mutex mu;
    CondVar state_changed;    // the session's state changed, or it left the table, or stop: wait_ready
    CondVar replies_changed;  // a completion or add-resource reply came (or the session ended), or stop
    CondVar stored;           // `storing` went false: the next submit may take its id
    // Set before the entry is in the table, never changed after: read without `mu`.
    std::int64_t id = 0;
    std::optional<std::string> name;
    std::optional<std::string> user;  // who Spark runs as (proxy user, else owner): per-user limits
    // rec.state, readable under the table lock alone (limits, names); written with rec.state.
    std::atomic<SessionState> state_seen{SessionState::kNotStarted};
    // Any client look at the session (GET): the heartbeat. Renewed without `mu`, so a GET never
    // waits for the session's lock; read under it by the timers (a renewal only moves the expiry later).
    std::atomic<std::int64_t> last_heartbeat_ms{0};
    // What GET /sessions and GET /sessions/{id} show: rebuilt by publish() under `mu` after
    // every change of what it shows, swapped under `view_mu` (held for a pointer copy only).
    Mutex view_mu;
    std::shared_ptr<const Session> view GUARDED_BY(view_mu);

    SessionRecord rec GUARDED_BY(mu);
    SessionRequest request GUARDED_BY(mu);
    std::unique_ptr<ChildProcess> child GUARDED_BY(mu);
    AppWatch app GUARDED_BY(mu);  // its application at the cluster manager, if there is one
    std::shared_ptr<DriverConnection> driver GUARDED_BY(mu);  // set between hello and disconnect
    bool ready GUARDED_BY(mu) = false;      // the driver said `ready`
    bool was_ready GUARDED_BY(mu) = false;  // it had, before a restart of livyd: a lost driver is `dead`
    bool gone GUARDED_BY(mu) = false;       // out of the table (forgotten, or past state-retain)
    // Where its driver serves Spark Connect (livy.connect.enabled), from its `ready`; not stored:
    // a driver that reconnects after a restart of livyd sends `ready` again.
    std::optional<ConnectInfo> connect GUARDED_BY(mu);
    std::vector<Statement> statements GUARDED_BY(mu);  // index = statement id
    std::int64_t statements_run GUARDED_BY(mu) = 0;   // of them, those with a start time (monitoring)
    // When each statement of this run of livyd was submitted, until it is final: its round trip.
    std::map<std::int64_t, std::chrono::steady_clock::time_point> submitted GUARDED_BY(mu);
    std::deque<std::int64_t> queue GUARDED_BY(mu);     // waiting statement ids, in order
    std::set<std::int64_t> running GUARDED_BY(mu);     // sent to the driver, no result yet: at most `parallel`
    // Statements in flight at once (livy.statements.parallel; statement_dispatch.h): 1 is Livy's way.
    int parallel GUARDED_BY(mu) = 1;
    std::chrono::steady_clock::time_point start_deadline GUARDED_BY(mu){};
    std::int64_t recover_deadline_ms GUARDED_BY(mu) = 0;  // `recovering` without a driver: dead after this (wall)
    std::int64_t last_activity_ms GUARDED_BY(mu) = 0;   // statements, /connect: idle timeout and TTL count from it
    std::map<std::int64_t, std::optional<std::vector<std::string>>> completions GUARDED_BY(mu);  // by request id
    SessionJobs jobs GUARDED_BY(mu);  // the job API's jobs and files (session_jobs.cpp)
    // A submit is writing statement `statements.size()` (or job `jobs.jobs.size()`) to the store
    // without `mu`: the next submit waits on `stored` (ids stay dense and in order), and nothing
    // runs, lists or cancels it before it is stored.
    bool storing GUARDED_BY(mu) = false;
    std::vector<StatementWaiter*> statement_waiters GUARDED_BY(mu);  // long-polls, each on its statement
    int waiting GUARDED_BY(mu) = 0;            // threads waiting on any of this session's condition variables now
    std::uint64_t wakeups GUARDED_BY(mu) = 0;  // their waits that ended by a notify, ever
  };
  using EntryPtr = std::shared_ptr<Entry>;
  // The timer of the forgotten sessions' groups whose SIGKILL is still due (session ids are >= 0).
  static constexpr TimerQueue::Key kOrphansKey = -1;

  // `cluster`: the manager of spark.master's applications, nullptr in local mode.
  SessionCore(Config config, RequestRules rules, SparkInstallations spark, std::string driver_script, Store& store,
              std::shared_ptr<ProcessLauncher> launcher, std::shared_ptr<Clock> clock,
              std::shared_ptr<ClusterManager> cluster = nullptr,
              std::shared_ptr<metrics::CoreMetrics> metrics = nullptr);  // nullptr: its own, unread
  ~SessionCore() override;

  Status start();  // loads stored sessions, opens the driver channel, starts the timers
  // Closes the driver channel. Sessions keep running for the next start (their drivers try to
  // reconnect), unless server.stop-on-shutdown.
  void stop();
  void sweep_results() { results_.sweep(); }  // removes the forgotten sessions' whole results; no lock held

  int starting_count() const { return starting_.load(); }
  std::function<int()> other_starting;  // the batches' count, for max-creation
  std::shared_ptr<Logger> logger;       // each state change of a session and statement is logged here
  std::string driver_archive;           // the driver's modules, shipped in cluster deploy mode; set before start()
  std::shared_ptr<IdempotentCreates> once;  // the runtime's idempotency keys (create_once)

  // SessionManager
  // With `key`, the idempotency key it is created under, stored with the session (Store::insert_session).
  Result<Session> create(const SessionRequest& request, const std::optional<std::string>& owner,
                         const IdempotencyRecord* key = nullptr);
  Result<Session> get(std::string_view id_or_name);
  Result<Page<Session>> list(std::int64_t from, std::int64_t size);
  Result<LogPage> log(std::string_view id_or_name, std::optional<std::int64_t> from, std::int64_t size);
  // A client looked at the session (renews the heartbeat); `activity` also renews idle timeout and TTL.
  Result<Session> touch(std::string_view id_or_name, bool activity);
  Status stop_session(std::string_view id_or_name, bool forget);
  Status interrupt(std::string_view id_or_name);
  Result<Session> wait_ready(std::string_view id_or_name, std::chrono::milliseconds timeout);
  // Where the session's Spark Connect server listens (session_connect.cpp).
  Result<ConnectInfo> connect_info(std::string_view id_or_name);

  // StatementRunner
  Result<Statement> submit(std::string_view session, const StatementRequest& request);
  Result<Statement> statement(std::string_view session, std::int64_t id, std::chrono::milliseconds wait);
  Result<Page<Statement>> statements(std::string_view session, std::int64_t from, std::int64_t size, bool descending);
  Status cancel(std::string_view session, std::int64_t id);
  Result<std::vector<std::string>> complete(std::string_view session, const std::string& code,
                                            std::optional<SessionKind> kind, std::int64_t cursor);

  // JobRunner (session_jobs.cpp)
  Result<Job> submit_job(std::string_view session, const JobRequest& request);
  Result<Job> job(std::string_view session, std::int64_t id);
  Status cancel_job(std::string_view session, std::int64_t id);
  Status add_resource(std::string_view session, ResourceKind kind, const std::string& uri);
  Result<std::unique_ptr<Upload>> begin_upload(const std::shared_ptr<SessionCore>& self, std::string_view session,
                                               ResourceKind kind, const std::string& file_name);
  Status finish_upload(std::int64_t session_id, ResourceKind kind, const std::string& name, const std::string& part_path);
  void release_upload(std::int64_t session_id, const std::string& name);

  // What the sessions in the table are now, for the metrics: sessions by state, their
  // statements by state and kind. Takes each session's lock in turn, briefly.
  struct Census {
    std::map<SessionState, std::int64_t> sessions;
    std::map<std::pair<StatementState, SessionKind>, std::int64_t> statements;
  };
  Census census() EXCLUDES(table_mu_);
  // The driver channel's counters; nullopt before start().
  std::optional<DriverListener::Stats> channel_stats() const;

  // For tests: the threads waiting on a session's condition variables now, and how many
  // of their waits ended by a notify so far; nullopt when there is no such session.
  struct Waits {
    int waiting = 0;
    std::uint64_t wakeups = 0;
  };
  std::optional<Waits> waits_of(std::int64_t id);

  // The directory of a statement's whole result (livy.results.spill), for the result endpoint
  // (session_results.cpp): not_found when the session or statement does not exist.
  Result<std::string> result_dir(std::string_view session, std::int64_t id);

  // DriverEvents
  bool on_hello(const DriverMessage& hello, const std::shared_ptr<DriverConnection>& connection) override;
  void on_message(std::int64_t session_id, const DriverMessage& message) override;
  void on_closed(std::int64_t session_id, const DriverConnection* connection) override;

 private:
  EntryPtr find(std::string_view id_or_name) EXCLUDES(table_mu_);
  EntryPtr find(std::int64_t id) EXCLUDES(table_mu_);
  // find(), else, for a numeric id, a finished session past state-retain read back from the
  // store (history only: in no table, never signalled).
  EntryPtr lookup(std::string_view id_or_name) EXCLUDES(table_mu_);
  // A session's entry built from its stored record: its request, statements and jobs. The
  // caller publishes its view once its child is adopted (the log is read then).
  EntryPtr load_entry(SessionRecord rec);
  std::vector<EntryPtr> all_entries() EXCLUDES(table_mu_);
  // Takes `e` out of the table and wakes its waiters. Requires e.mu.
  void erase(Entry& e) REQUIRES(e.mu) EXCLUDES(table_mu_);
  Session to_session(const Entry& e) const REQUIRES(e.mu);
  // Rebuilds the session's view (its state, app, log) for GET and list, after a change of it.
  void publish(Entry& e) REQUIRES(e.mu) EXCLUDES(e.view_mu);
  static std::shared_ptr<const Session> view_of(Entry& e) EXCLUDES(e.view_mu);
  void note(Entry& e, const std::string& line) REQUIRES(e.mu);  // a livyd line in its log, published
  // Persists, counts, notifies, publishes; true if it wrote the session's record to the store.
  bool set_state(Entry& e, SessionState state) REQUIRES(e.mu);
  // A statement's new state, logged (the caller persists it); `created`: it had none before.
  void set_statement_state(const Entry& e, Statement& st, StatementState state, bool created = false)
      REQUIRES(e.mu);
  Result<std::unique_ptr<DriverListener>> open_listener();
  // The spark-submit command of a new session and its driver's environment (no I/O).
  struct LaunchPlan {
    SubmitCommand cmd;
    ProcessSpec spec;
    const SparkEnvironment* spark = nullptr;  // the installation chosen (livy.spark.version); one of spark_'s
  };
  LaunchPlan launch(Entry& e) REQUIRES(e.mu);
  // Writes the properties file and spawns the plan without the session's lock, then records the
  // child (and stops it if the session ended meanwhile), or ends the session if it could not start.
  void spawn(const EntryPtr& entry, LaunchPlan plan) EXCLUDES(entry->mu);
  // The warm pool (session_claim.cpp): the pool made and started by start() when profiles are
  // configured; a new session that claims a driver taken from it.
  void start_warm_pool();
  Result<Session> claim_warm(const SessionRequest& request, const std::optional<std::string>& owner,
                             const std::optional<std::string>& user, WarmPool::Taken taken,
                             ReservationGuard& reservation, const IdempotencyRecord* key);
  void recover(Entry& e) REQUIRES(e.mu);  // a live session found in the store at start
  void resume(Entry& e, const DriverMessage& hello) REQUIRES(e.mu);  // a driver reconnected: the running statement
  // A driver reconnected: agree on the job it runs; the unfinished jobs livyd had are queued again
  // or ended truthfully (session_jobs.cpp).
  void resume_jobs(Entry& e, const DriverMessage& hello) REQUIRES(e.mu);
  void load_jobs(Entry& e) REQUIRES(e.mu);                     // the session's jobs from the store
  void put_job(const Entry& e, const Job& job) REQUIRES(e.mu);  // a job's new state, written to the store
  void stop_all_for_shutdown();                                // server.stop-on-shutdown
  void finish_kills_for_shutdown();                            // ended sessions' groups: gone before livyd exits
  void dispatch(Entry& e) REQUIRES(e.mu);                      // sends the next waiting job or statement
  bool dispatch_job(Entry& e) REQUIRES(e.mu);                  // sends the next queued job; true if it did
  void on_job_message(Entry& e, const DriverMessage& message) REQUIRES(e.mu);
  void send_pending_resources(Entry& e) REQUIRES(e.mu);
  void end_jobs(Entry& e, const std::string& reason) REQUIRES(e.mu);
  // Sends add-resource to a ready driver and waits for its answer; `lock` holds e.mu.
  Status add_to_driver(Entry& e, MutexLock& lock, ResourceKind kind, const std::string& uri) REQUIRES(e.mu);
  void finish_statement(Entry& e, Statement& st, StatementState state, std::optional<StatementOutput> output)
      REQUIRES(e.mu);
  // Whole results (session_results.cpp): a result-* message, written with no session lock held;
  // and the note a result's output gets when its whole result was kept.
  void on_result_message(Entry& e, const DriverMessage& m) EXCLUDES(e.mu);
  void note_whole_result(Entry& e, std::int64_t statement, std::optional<StatementOutput>& output) REQUIRES(e.mu);
  static std::string results_dir(const Entry& e) REQUIRES(e.mu);
  // The same from a session's log path (also for a session that is not loaded).
  static std::string results_dir_of(const std::string& log_path);
  void end_session(Entry& e, SessionState state, const std::string& reason) REQUIRES(e.mu);
  void put(const Entry& e, const Statement& st, Durability durability = Durability::kWritten) REQUIRES(e.mu);
  // Gives `st` its start time (now), once, and counts it among the session's statements run.
  void mark_started(Entry& e, Statement& st) REQUIRES(e.mu);
  std::int64_t now_ms() const;
  // Waits on `cv`, one of the session's, until a notify or `deadline`; true if it timed out.
  bool wait_on(Entry& e, CondVar& cv, MutexLock& lock, std::chrono::steady_clock::time_point deadline)
      REQUIRES(e.mu);
  // Wakes the long-polls of statement `id` (it became final).
  void notify_statement(Entry& e, std::int64_t id) REQUIRES(e.mu);
  // Wakes every waiter of the session (it left the table, or livyd stops).
  void notify_all(Entry& e) REQUIRES(e.mu);
  // Waits until no other submit of the session is writing its new statement or job; the
  // refusal if the session is gone or livyd stops meanwhile.
  Status wait_for_store_turn(Entry& e, MutexLock& lock, std::string_view session) REQUIRES(e.mu);

  // The timers: one deadline per session (its next child poll, start or recovery deadline,
  // expiry or end of state-retain), plus one for the orphans.
  void on_timer(TimerQueue::Key key);
  void check(const EntryPtr& e);        // what is due for one session; schedules its next check
  // Lookups and kills at the cluster manager: taken under the session's lock, done without it.
  void talk_to_cluster(const EntryPtr& e);
  void schedule(Entry& e) REQUIRES(e.mu);  // its next check, when anything may be due
  // Why the session should be stopped now (idle, TTL, heartbeat), or "" when it should not.
  std::string expiry(const Entry& e, std::int64_t now_ms) const REQUIRES(e.mu);
  // When expiry() may next say something (wall ms), or nullopt if never.
  std::optional<std::int64_t> next_expiry(const Entry& e) const REQUIRES(e.mu);

  const Config config_;
  results::ResultSpool results_{config_.results_quota_bytes};  // whole results: its own lock, a leaf
  const RequestRules rules_;
  const SparkInstallations spark_;
  const std::string driver_script_;
  Store& store_;
  const std::shared_ptr<ProcessLauncher> launcher_;
  const std::shared_ptr<Clock> clock_;
  const std::shared_ptr<metrics::CoreMetrics> metrics_;
  std::unique_ptr<DriverListener> listener_;  // set by start() before any driver can call
  std::string recovery_note_;                 // why stored sessions cannot reconnect (set by start())
  std::string driver_callback_;               // host:port drivers are told to connect to (set by start())
  std::string driver_tls_fingerprint_;        // of the channel's certificate; empty: no TLS (set by start())

  Supervisor supervisor_;  // children, applications, cluster manager, orphans
  std::unique_ptr<WarmPool> pool_;  // set by start() when sessions.warm-pool.profiles names any; then const

  Mutex table_mu_;
  std::map<std::int64_t, EntryPtr> entries_ GUARDED_BY(table_mu_);
  // Creations between their check of the limits and their entry in the table: counted as live.
  Reservations reservations_ GUARDED_BY(table_mu_);

  // Until start() has loaded the stored sessions, a hello waits: its session may be among them.
  Mutex load_mu_;
  CondVar loaded_cv_;
  bool loaded_ GUARDED_BY(load_mu_) = false;

  std::atomic<std::int64_t> next_request_id_{0};
  std::atomic<bool> stopping_{false};  // requests are refused, waiters return
  std::atomic<bool> stopped_{false};   // stop() ran (it is idempotent)
  std::atomic<int> starting_{0};       // sessions in `starting`
  TimerQueue timers_;             // owns the timer thread; stopped by stop()
};

}  // namespace livy
