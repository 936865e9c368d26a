// SessionCore: the sessions, their statements, their drivers, and the one
// lock over all of it. SessionManager and StatementRunner are its two faces.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "process/child_process.h"
#include "model/request_validation.h"
#include "sessions/session_jobs.h"
#include "channel/driver_channel.h"
#include "livy/clock.h"
#include "livy/config.h"
#include "livy/job_runner.h"
#include "livy/session_manager.h"
#include "spark/spark_submit.h"
#include "store/store.h"

namespace livy {

// The output of a statement cancelled before the driver ran it.
StatementOutput cancelled_before_start();

struct SessionCore final : DriverEvents {
  struct Entry {
    SessionRecord rec;
    SessionRequest request;
    std::unique_ptr<ChildProcess> child;
    std::shared_ptr<DriverConnection> driver;  // set between hello and disconnect
    bool ready = false;                        // the driver said `ready`
    bool was_ready = false;                    // it had, before a restart of livyd: a lost driver is `dead`
    std::vector<Statement> statements;         // index = statement id
    std::deque<std::int64_t> queue;            // waiting statement ids, in order
    std::optional<std::int64_t> running;       // sent to the driver, no result yet
    std::chrono::steady_clock::time_point start_deadline{};
    std::int64_t recover_deadline_ms = 0;      // `recovering` without a driver: dead after this (clock_ time)
    std::int64_t last_activity_ms = 0;         // statements, /connect: idle timeout and TTL count from it
    std::int64_t last_heartbeat_ms = 0;        // any client look at the session (GET): the heartbeat
    std::map<std::int64_t, std::optional<std::vector<std::string>>> completions;  // by request id
    SessionJobs jobs;                          // the job API's jobs and files (session_jobs.cpp)
  };

  SessionCore(Config config, RequestRules rules, SparkEnvironment spark, std::string driver_script, Store& store,
              std::shared_ptr<ProcessLauncher> launcher, std::shared_ptr<Clock> clock);
  ~SessionCore() override;

  Status start();  // loads stored sessions, opens the driver channel, starts the monitor
  // Closes the driver channel. Sessions keep running for the next start (their drivers try to
  // reconnect), unless server.stop-on-shutdown.
  void stop();

  int starting_count() const { return starting_.load(); }
  std::function<int()> other_starting;  // the batches' count, for max-creation

  // SessionManager
  Result<Session> create(const SessionRequest& request, const std::optional<std::string>& owner);
  Result<Session> get(std::string_view id_or_name);
  Result<Page<Session>> list(std::int64_t from, std::int64_t size);
  Result<LogPage> log(std::string_view id_or_name, std::optional<std::int64_t> from, std::int64_t size);
  // A client looked at the session (renews the heartbeat); `activity` also renews idle timeout and TTL.
  Result<Session> touch(std::string_view id_or_name, bool activity);
  Status stop_session(std::string_view id_or_name, bool forget);
  Status interrupt(std::string_view id_or_name);
  Result<Session> wait_ready(std::string_view id_or_name, std::chrono::milliseconds timeout);

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

  // DriverEvents
  bool on_hello(const DriverMessage& hello, const std::shared_ptr<DriverConnection>& connection) override;
  void on_message(std::int64_t session_id, const DriverMessage& message) override;
  void on_closed(std::int64_t session_id, const DriverConnection* connection) override;

 private:
  Entry* find(std::string_view id_or_name);  // requires mu_
  // find(), else, for a numeric id, a finished session past state-retain read back from the
  // store into `archived` (history only: never signalled). Requires mu_.
  Entry* lookup(std::string_view id_or_name, std::optional<Entry>& archived);
  Session to_session(const Entry& e) const;
  void set_state(Entry& e, SessionState state);  // persists, counts, notifies
  Result<std::unique_ptr<DriverListener>> open_listener();
  void launch(Entry& e);
  void recover(Entry& e);                        // a live session found in the store at start
  void resume(Entry& e, const DriverMessage& hello);  // a driver reconnected: agree on the running statement
  // A driver reconnected: agree on the job it runs; the unfinished jobs livyd had are queued again
  // or ended truthfully (session_jobs.cpp).
  void resume_jobs(Entry& e, const DriverMessage& hello);
  void load_jobs(Entry& e);                      // the session's jobs from the store
  void put_job(const Entry& e, const Job& job);  // a job's new state, written to the store
  void stop_all_for_shutdown();                  // server.stop-on-shutdown
  void finish_kills_for_shutdown();              // ended sessions' groups: gone before livyd exits
  void dispatch(Entry& e);                       // sends the next waiting job or statement
  bool dispatch_job(Entry& e);                   // sends the next queued job; true if it did
  void on_job_message(Entry& e, const DriverMessage& message);
  void send_pending_resources(Entry& e);
  void end_jobs(Entry& e, const std::string& reason);
  // Sends add-resource to a ready driver and waits for its answer; `lock` holds mu_.
  Status add_to_driver(std::unique_lock<std::mutex>& lock, std::int64_t session_id, ResourceKind kind,
                       const std::string& uri);
  void finish_statement(Entry& e, Statement& st, StatementState state, std::optional<StatementOutput> output);
  void end_session(Entry& e, SessionState state, const std::string& reason);
  void put(const Entry& e, const Statement& st, Durability durability = Durability::kWritten);
  std::int64_t now_ms() const;

  void monitor_loop();
  void tick();
  // Why the session should be stopped now (idle, TTL, heartbeat), or "" when it should not.
  std::string expiry(const Entry& e, std::int64_t now_ms) const;

  const Config config_;
  const RequestRules rules_;
  const SparkEnvironment spark_;
  const std::string driver_script_;
  Store& store_;
  const std::shared_ptr<ProcessLauncher> launcher_;
  const std::shared_ptr<Clock> clock_;
  std::unique_ptr<DriverListener> listener_;

  std::mutex mu_;                    // guards entries_, next_request_id_, stopping_
  std::condition_variable changed_;  // any session or statement changed, or stop
  std::map<std::int64_t, Entry> entries_;
  std::vector<std::unique_ptr<ChildProcess>> orphans_;  // forgotten sessions whose SIGKILL is still due
  std::int64_t next_request_id_ = 0;
  std::string recovery_note_;        // why stored sessions cannot reconnect, if they cannot (set by start())
  bool stopping_ = false;
  std::atomic<int> starting_{0};     // sessions in `starting` (readable without mu_)
  std::thread monitor_;              // owned; joined by stop()
};

}  // namespace livy
