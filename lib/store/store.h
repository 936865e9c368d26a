// Store: the embedded SQLite database that makes acknowledged work durable.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "livy/batch.h"
#include "livy/job.h"
#include "livy/session.h"
#include "livy/status.h"

namespace livy {
namespace metrics {
struct CoreMetrics;
}  // namespace metrics
namespace sqlite {
class Connection;
class StmtCache;
}  // namespace sqlite

// Everything the store keeps of a batch.
struct BatchRecord {
  std::int64_t id = 0;
  std::optional<std::string> name;
  std::optional<std::string> owner;
  std::optional<std::string> proxy_user;
  BatchRequest request;  // as asked for; kept in the store's record form (request_record.h)
  BatchState state = BatchState::kStarting;
  int pid = 0;               // the wrapper's pid = process group id; 0 before launch
  std::string pid_identity;  // ProcessLauncher::process_identity(pid) at launch; "" if unknown
  std::optional<std::string> app_id;
  std::optional<std::string> spark_ui_url;
  std::optional<std::string> driver_log_url;  // appInfo.driverLogUrl, from a cluster manager
  std::string cluster_tag;  // livyd's tag of the application at its cluster manager; "" without one
  std::string log_path;
  std::string status_path;  // where the wrapper writes the exit status
  std::int64_t created_ms = 0;
  std::int64_t started_ms = 0;  // spark-submit launched; 0 before (or stored before schema 7)
  std::int64_t ready_ms = 0;    // first `running`; 0 before
  std::int64_t ended_ms = 0;  // 0 while not final
  bool forgotten = false;     // deleted by a user: no longer listed or found
};

// Everything the store keeps of a session.
struct SessionRecord {
  std::int64_t id = 0;
  std::optional<std::string> name;
  std::optional<std::string> owner;
  std::optional<std::string> proxy_user;
  std::optional<SessionKind> kind;
  SessionRequest request;  // as asked for; kept in the store's record form (request_record.h)
  SessionState state = SessionState::kStarting;
  int pid = 0;
  std::string pid_identity;  // ProcessLauncher::process_identity(pid) at launch; "" if unknown
  std::optional<std::string> app_id;
  std::optional<std::string> spark_ui_url;
  std::optional<std::string> driver_log_url;  // appInfo.driverLogUrl, from a cluster manager
  std::string cluster_tag;  // livyd's tag of the application at its cluster manager; "" without one
  std::string log_path;
  std::string status_path;
  std::string secret;  // the driver's credential for connecting back
  std::int64_t created_ms = 0;
  std::int64_t started_ms = 0;  // spark-submit launched; 0 before (or stored before schema 7)
  std::int64_t ready_ms = 0;    // first `idle`; 0 before
  std::int64_t ended_ms = 0;
  bool forgotten = false;
};

// Everything the store keeps of a statement.
struct StatementRecord {
  std::int64_t session_id = 0;
  Statement statement;
};

// Everything the store keeps of a job of the job API.
struct JobRecord {
  std::int64_t session_id = 0;
  Job job;
  JobType type = JobType::kPySpark;
  std::string payload;  // the job's serialized bytes; kept only while the job is not final
};

// An idempotency key of a create (runtime/idempotent_creates.h): the first object made under
// it, and a fingerprint of the request that made it.
struct IdempotencyRecord {
  std::string owner;        // the authenticated user; "" without authentication
  std::string key;          // the client's Idempotency-Key
  std::string kind;         // what was created: "session" or "batch"
  std::string fingerprint;  // of the request's canonical form (a hash, not the request)
  std::int64_t object_id = 0;
  std::int64_t created_ms = 0;  // the first request's time: the retention counts from it
};

// How far a write has gone when the call returns.
enum class Durability {
  kSynced,   // on the disk (fsync): survives a power cut. For acknowledged creates.
  kWritten,  // in the WAL, not yet synced: survives a crash of livyd, not of the machine.
  kQueued,   // in the WAL soon, in call order with every other write, and the caller does not wait:
             // for a change that a crash may lose because the driver says it again (a statement's
             // `started`). Its failure is counted (Stats::queued_failures), not returned.
};

// One SQLite file in WAL mode, with two connections: one that writes, one that reads.
// Thread-safe. Writes are group-committed, as leveldb batches its log writes: the calls
// that arrive while a commit is under way queue up, and the first of them then commits
// all of them in one transaction with at most one sync, while the others wait for it.
// So concurrent writers (sessions, batches) share a sync instead of taking turns at one
// each. A kSynced write returns once on disk, a kWritten one once in the WAL.
// Reads use their own connection and never wait for a commit.
class Store {
 public:
  // Opens or creates the database; refuses a newer schema or a damaged file.
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Next id of a kind ("batch", "session"); never repeats. Synced.
  Result<std::int64_t> allocate_id(const std::string& kind);

  // Synced. With `key`, the idempotency key it was created under is written in the same
  // transaction (its object_id set to the batch's id): after a crash both are there or neither.
  Status insert_batch(const BatchRecord& record, const IdempotencyRecord* key = nullptr);
  // Rewrites the columns its supervision changes (state, pid, application, tag, times,
  // forgotten). Written.
  Status update_batch(const BatchRecord& record);
  // Every batch, or only the one with id `only` (an empty list when there is none).
  Result<std::vector<BatchRecord>> load_batches(std::optional<std::int64_t> only = std::nullopt);

  Status insert_session(const SessionRecord& record, const IdempotencyRecord* key = nullptr);  // as insert_batch
  Status update_session(const SessionRecord& record);  // as update_batch
  // Every session, or only the one with id `only` (an empty list when there is none).
  Result<std::vector<SessionRecord>> load_sessions(std::optional<std::int64_t> only = std::nullopt);
  // A new statement: the one write of its code and kind.
  Status insert_statement(std::int64_t session_id, const Statement& statement, Durability durability);
  // A statement's later change: its state, progress, started and completed times, and its
  // output when it has one. Never the code or the kind; not found if it was never inserted.
  Status update_statement(std::int64_t session_id, const Statement& statement,
                          Durability durability = Durability::kWritten);
  // insert_statement for a new statement, update_statement for a known one (the code is
  // never rewritten); for callers that do not know which it is.
  Status put_statement(std::int64_t session_id, const Statement& statement, Durability durability);
  Result<std::vector<Statement>> load_statements(std::int64_t session_id);

  // A new job, with its payload.
  Status insert_job(const JobRecord& record, Durability durability);
  // Rewrites a job's state, result and error (written); a final job's payload is dropped.
  Status update_job(std::int64_t session_id, const Job& job);
  // The session's jobs in id order; `payload` is empty for final jobs.
  Result<std::vector<JobRecord>> load_jobs(std::int64_t session_id);

  // Idempotency keys (idempotency_records.cpp). A new one is synced: it is as durable as the
  // create it answers. It replaces a row of the same (owner, key): an expired one, not yet
  // deleted (the runtime's table decides which keys are alive).
  Status insert_idempotency_key(const IdempotencyRecord& record);
  // The keys created at or after `since_ms`, oldest first.
  Result<std::vector<IdempotencyRecord>> load_idempotency_keys(std::int64_t since_ms);
  // Forgets the keys created before `before_ms` (written, not synced: a key that comes back
  // after a crash is dropped again by the next purge).
  Status delete_idempotency_keys(std::int64_t before_ms);

  // Small values livyd keeps between runs (the driver channel's port, say); synced.
  std::optional<std::string> setting(const std::string& key);
  Status put_setting(const std::string& key, const std::string& value);

  // How well writes group: `writes` calls took `commits` transactions (and at most as many syncs).
  struct Stats {
    std::uint64_t writes = 0;
    std::uint64_t commits = 0;
    std::uint64_t queued_failures = 0;  // kQueued writes that failed (nobody waited for their status)
  };
  Stats stats();

  static constexpr int kSchemaVersion = 8;

  // A test's seam: called first thing in every write of a session's state or statement,
  // before the store takes any lock (a test blocks it to make one write slow). Set it
  // before the store is shared.
  std::function<void()> before_write;
  // A test's seam: called by each group's leader before its transaction, with no lock held
  // (a test blocks it to hold a commit under way). Set it before the store is shared.
  std::function<void()> before_commit;
  // Where each write's latency is recorded (livyd_store_write_duration_seconds); none: not
  // recorded. Set it before the store is shared.
  std::shared_ptr<metrics::CoreMetrics> metrics;

 private:
  struct Write;
  using Apply = std::function<Status(sqlite::StmtCache&)>;

  Store(std::unique_ptr<sqlite::Connection> writer, std::unique_ptr<sqlite::Connection> reader);
  // The one way a change reaches the file (every write method is a call of it): queues
  // `apply`, which runs its SQL on the writing connection inside a group's transaction (one
  // statement, so that a failure undoes all of it alone; allocate_id's first one is
  // harmless alone), and returns its status once the group is committed as `durability` asks.
  // A kQueued write returns at once while another write is queued or being committed (the
  // leader of that group, or of a later one, commits it); else it leads its own commit.
  Status write(Durability durability, Apply apply);
  // update_batch and update_session: `sql` updates one table's supervised columns
  // (supervised_columns.h), bound from `record`.
  template <typename Record>
  Status update_supervised(const char* sql, const char* what, const Record& record);
  void commit_group(const std::vector<Write*>& group);  // by the group's leader, without mu_
  // Inside a write: `insert` (one row's INSERT) and, with `key`, the key's row for that object,
  // all or nothing (a savepoint: the group's other writes are kept either way).
  static Status insert_with_key(sqlite::StmtCache& stmts, const IdempotencyRecord* key, std::int64_t object_id,
                                const std::function<Status()>& insert);
  static Status insert_idempotency_row(sqlite::StmtCache& stmts, const IdempotencyRecord& record);

  // Used only by the leader of the group being committed: one thread at a time, without a lock.
  std::unique_ptr<sqlite::Connection> writer_;
  bool writer_synced_ = true;  // writer_'s PRAGMA synchronous is FULL (else NORMAL); leader only

  std::mutex read_mu_;
  std::unique_ptr<sqlite::Connection> reader_;  // guarded by read_mu_

  std::mutex mu_;               // guards writers_, the counts and each queued Write's done
  std::deque<Write*> writers_;  // waiting and being committed; the front one leads (kQueued ones: owned)
  std::uint64_t writes_ = 0;
  std::uint64_t commits_ = 0;
  std::uint64_t queued_failures_ = 0;
};

}  // namespace livy
