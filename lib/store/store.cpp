#include "store/store.h"

#include <sys/stat.h>

#include <string_view>

#include "store/sqlite_stmt.h"

namespace livy {
namespace {

using sqlite::db_error;
using sqlite::Stmt;

// Migration N (index N-1) brings a store from schema version N-1 to N.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE IF NOT EXISTS counters (kind TEXT PRIMARY KEY, next_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY,
  name TEXT, owner TEXT, proxy_user TEXT,
  request TEXT NOT NULL,
  state TEXT NOT NULL,
  pid INTEGER NOT NULL DEFAULT 0,
  app_id TEXT, spark_ui_url TEXT,
  log_path TEXT NOT NULL, status_path TEXT NOT NULL,
  created_ms INTEGER NOT NULL, ended_ms INTEGER NOT NULL DEFAULT 0,
  forgotten INTEGER NOT NULL DEFAULT 0);
)sql",
    R"sql(
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  name TEXT, owner TEXT, proxy_user TEXT, kind TEXT,
  request TEXT NOT NULL,
  state TEXT NOT NULL,
  pid INTEGER NOT NULL DEFAULT 0,
  app_id TEXT, spark_ui_url TEXT,
  log_path TEXT NOT NULL, status_path TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_ms INTEGER NOT NULL, ended_ms INTEGER NOT NULL DEFAULT 0,
  forgotten INTEGER NOT NULL DEFAULT 0);
CREATE TABLE statements (
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  id INTEGER NOT NULL,
  code TEXT NOT NULL, kind TEXT,
  state TEXT NOT NULL,
  output TEXT,
  progress REAL NOT NULL DEFAULT 0,
  started_ms INTEGER NOT NULL DEFAULT 0, completed_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (session_id, id));
)sql",
    R"sql(
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
ALTER TABLE batches ADD COLUMN pid_identity TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN pid_identity TEXT NOT NULL DEFAULT '';
)sql",
    R"sql(
CREATE TABLE jobs (
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  id INTEGER NOT NULL,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  payload BLOB,
  result BLOB,
  error TEXT,
  PRIMARY KEY (session_id, id));
)sql",
};

std::optional<BatchState> batch_state_from(const std::string& s) {
  for (auto st : {BatchState::kNotStarted, BatchState::kStarting, BatchState::kRunning, BatchState::kSuccess,
                  BatchState::kDead, BatchState::kKilled, BatchState::kError}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

}  // namespace

Store::Store(sqlite3* db) : db_(db), stmts_(std::make_unique<sqlite::StmtCache>(db)) {}

Store::~Store() {
  stmts_.reset();  // a connection with statements left unfinalized does not close
  sqlite3_close(db_);
}

Status Store::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    return Status::unavailable("store: " + msg);
  }
  return Status::ok();
}

void Store::set_durability(Durability d) {
  if (d == durability_) return;
  // In WAL mode, FULL syncs the WAL at each commit; NORMAL only at checkpoints.
  Stmt s(*stmts_, d == Durability::kSynced ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  if (s.ok()) (void)sqlite3_step(s.get());
  durability_ = d;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Status st = db_error(db, "cannot open " + path);
    sqlite3_close(db);
    return st;
  }
  std::unique_ptr<Store> store(new Store(db));
  // It holds the sessions' driver secrets: for livyd's user only (SQLite gives -wal/-shm the same mode).
  ::chmod(path.c_str(), 0600);
  sqlite3_busy_timeout(db, 5000);
  int version = 0;
  {
    Stmt q(*store->stmts_, "PRAGMA user_version");
    if (!q.ok() || sqlite3_step(q.get()) != SQLITE_ROW) {
      return Status::unavailable("store: " + path + " is not a livyd database or is damaged: " + sqlite3_errmsg(db));
    }
    version = static_cast<int>(q.int_at(0));
  }
  if (version > kSchemaVersion) {
    return Status::unavailable("store: " + path + " has schema version " + std::to_string(version) +
                               ", newer than this livyd understands (" + std::to_string(kSchemaVersion) + ")");
  }
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    Status st = store->exec(sql);
    if (!st) return st;
  }
  for (int next = version + 1; next <= kSchemaVersion; ++next) {
    Status st = store->exec("BEGIN IMMEDIATE");
    if (st) st = store->exec(kMigrations[next - 1]);
    if (st) st = store->exec(("PRAGMA user_version = " + std::to_string(next)).c_str());
    if (st) st = store->exec("COMMIT");
    if (!st) {
      (void)store->exec("ROLLBACK");
      return st;
    }
  }
  return store;
}

Result<std::int64_t> Store::allocate_id(const std::string& kind) {
  std::lock_guard lock(mu_);
  set_durability(Durability::kSynced);
  Stmt insert(*stmts_, "INSERT OR IGNORE INTO counters(kind, next_id) VALUES (?, 0)");
  insert.bind(1, kind);
  if (!insert.ok() || sqlite3_step(insert.get()) != SQLITE_DONE) return db_error(db_, "allocate id");
  Stmt next(*stmts_, "UPDATE counters SET next_id = next_id + 1 WHERE kind = ? RETURNING next_id - 1");
  next.bind(1, kind);
  if (!next.ok() || sqlite3_step(next.get()) != SQLITE_ROW) return db_error(db_, "allocate id");
  const std::int64_t id = next.int_at(0);
  sqlite3_step(next.get());
  return id;
}

std::optional<std::string> Store::setting(const std::string& key) {
  std::lock_guard lock(mu_);
  Stmt q(*stmts_, "SELECT value FROM settings WHERE key = ?");
  q.bind(1, key);
  if (!q.ok() || sqlite3_step(q.get()) != SQLITE_ROW) return std::nullopt;
  return q.text_at(0);
}

Status Store::put_setting(const std::string& key, const std::string& value) {
  std::lock_guard lock(mu_);
  set_durability(Durability::kSynced);
  Stmt s(*stmts_, "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.bind(1, key);
  s.bind(2, value);
  if (!s.ok() || sqlite3_step(s.get()) != SQLITE_DONE) return db_error(db_, "put setting");
  return Status::ok();
}

Status Store::insert_batch(const BatchRecord& r) {
  std::lock_guard lock(mu_);
  set_durability(Durability::kSynced);
  Stmt s(*stmts_,
         "INSERT INTO batches(id, name, owner, proxy_user, request, state, pid, app_id, spark_ui_url, log_path,"
         " status_path, created_ms, ended_ms, forgotten) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!s.ok()) return db_error(db_, "insert batch");
  s.bind(1, r.id);
  s.bind(2, r.name);
  s.bind(3, r.owner);
  s.bind(4, r.proxy_user);
  s.bind(5, r.request_json);
  s.bind(6, std::string(to_string(r.state)));
  s.bind(7, static_cast<std::int64_t>(r.pid));
  s.bind(8, r.app_id);
  s.bind(9, r.spark_ui_url);
  s.bind(10, r.log_path);
  s.bind(11, r.status_path);
  s.bind(12, r.created_ms);
  s.bind(13, r.ended_ms);
  s.bind(14, static_cast<std::int64_t>(r.forgotten));
  if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(db_, "insert batch");
  return Status::ok();
}

Status Store::update_batch(const BatchRecord& r) {
  std::lock_guard lock(mu_);
  set_durability(Durability::kWritten);
  Stmt s(*stmts_,
         "UPDATE batches SET state = ?, pid = ?, app_id = ?, spark_ui_url = ?, ended_ms = ?, forgotten = ?,"
         " pid_identity = ? WHERE id = ?");
  if (!s.ok()) return db_error(db_, "update batch");
  s.bind(1, std::string(to_string(r.state)));
  s.bind(2, static_cast<std::int64_t>(r.pid));
  s.bind(3, r.app_id);
  s.bind(4, r.spark_ui_url);
  s.bind(5, r.ended_ms);
  s.bind(6, static_cast<std::int64_t>(r.forgotten));
  s.bind(7, r.pid_identity);
  s.bind(8, r.id);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(db_, "update batch");
  return Status::ok();
}

Result<std::vector<BatchRecord>> Store::load_batches(std::optional<std::int64_t> only) {
  std::lock_guard lock(mu_);
  Stmt s(*stmts_,
         "SELECT id, name, owner, proxy_user, request, state, pid, app_id, spark_ui_url, log_path, status_path,"
         " created_ms, ended_ms, forgotten, pid_identity FROM batches WHERE ?1 IS NULL OR id = ?1 ORDER BY id");
  if (!s.ok()) return db_error(db_, "load batches");
  if (only) s.bind(1, *only);
  std::vector<BatchRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    BatchRecord r;
    r.id = s.int_at(0);
    r.name = s.opt_text_at(1);
    r.owner = s.opt_text_at(2);
    r.proxy_user = s.opt_text_at(3);
    r.request_json = s.text_at(4);
    const auto state = batch_state_from(s.text_at(5));
    if (!state) return Status::unavailable("store: batch " + std::to_string(r.id) + " has an unknown state");
    r.state = *state;
    r.pid = static_cast<int>(s.int_at(6));
    r.app_id = s.opt_text_at(7);
    r.spark_ui_url = s.opt_text_at(8);
    r.log_path = s.text_at(9);
    r.status_path = s.text_at(10);
    r.created_ms = s.int_at(11);
    r.ended_ms = s.int_at(12);
    r.forgotten = s.int_at(13) != 0;
    r.pid_identity = s.text_at(14);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return db_error(db_, "load batches");
  return out;
}

}  // namespace livy
