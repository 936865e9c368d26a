// Store: the embedded SQLite database that makes acknowledged work durable.
#pragma once

#include <sqlite3.h>

#include <cstdint>
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

// Everything the store keeps of a batch.
struct BatchRecord {
  std::int64_t id = 0;
  std::optional<std::string> name;
  std::optional<std::string> owner;
  std::optional<std::string> proxy_user;
  std::string request_json;  // the request, as wire::encode_batch_request wrote it
  BatchState state = BatchState::kStarting;
  int pid = 0;               // the wrapper's pid = process group id; 0 before launch
  std::string pid_identity;  // ProcessLauncher::process_identity(pid) at launch; "" if unknown
  std::optional<std::string> app_id;
  std::optional<std::string> spark_ui_url;
  std::string log_path;
  std::string status_path;   // where the wrapper writes the exit status
  std::int64_t created_ms = 0;
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
  std::string request_json;  // as wire::encode_session_request wrote it
  SessionState state = SessionState::kStarting;
  int pid = 0;
  std::string pid_identity;  // ProcessLauncher::process_identity(pid) at launch; "" if unknown
  std::optional<std::string> app_id;
  std::optional<std::string> spark_ui_url;
  std::string log_path;
  std::string status_path;
  std::string secret;        // the driver's credential for connecting back
  std::int64_t created_ms = 0;
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

// How far a write has gone when the call returns.
enum class Durability {
  kSynced,    // on the disk (fsync): survives a power cut. For acknowledged creates.
  kWritten,   // in the WAL, not yet synced: survives a crash of livyd, not of the machine.
};

// One SQLite file in WAL mode. Thread-safe (one connection, one mutex).
// Creates (ids, batches, sessions) are synced; updates of state are written.
class Store {
 public:
  // Opens or creates the database; refuses a newer schema or a damaged file.
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Next id of a kind ("batch", "session"); never repeats.
  Result<std::int64_t> allocate_id(const std::string& kind);

  Status insert_batch(const BatchRecord& record);
  // Rewrites the mutable columns (state, pid, app, times, forgotten).
  Status update_batch(const BatchRecord& record);
  // Every batch, or only the one with id `only` (an empty list when there is none).
  Result<std::vector<BatchRecord>> load_batches(std::optional<std::int64_t> only = std::nullopt);

  Status insert_session(const SessionRecord& record);
  Status update_session(const SessionRecord& record);
  // Every session, or only the one with id `only` (an empty list when there is none).
  Result<std::vector<SessionRecord>> load_sessions(std::optional<std::int64_t> only = std::nullopt);
  // Inserts or rewrites a statement.
  Status put_statement(std::int64_t session_id, const Statement& statement, Durability durability);
  Result<std::vector<Statement>> load_statements(std::int64_t session_id);

  // A new job, with its payload.
  Status insert_job(const JobRecord& record, Durability durability);
  // Rewrites a job's state, result and error (written); a final job's payload is dropped.
  Status update_job(std::int64_t session_id, const Job& job);
  // The session's jobs in id order; `payload` is empty for final jobs.
  Result<std::vector<JobRecord>> load_jobs(std::int64_t session_id);

  // Small values livyd keeps between runs (the driver channel's port, say); synced.
  std::optional<std::string> setting(const std::string& key);
  Status put_setting(const std::string& key, const std::string& value);

  static constexpr int kSchemaVersion = 4;

 private:
  explicit Store(sqlite3* db);
  Status exec(const char* sql);
  void set_durability(Durability d);  // requires mu_

  Durability durability_ = Durability::kSynced;  // the connection's synchronous mode; guarded by mu_
  std::mutex mu_;  // guards db_ use
  sqlite3* db_;
};

}  // namespace livy
