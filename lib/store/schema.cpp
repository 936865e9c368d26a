#include "store/schema.h"

#include "store/store.h"

namespace livy {
namespace {

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

}  // namespace

Status migrate(sqlite::Connection& c, const std::string& path) {
  int version = 0;
  {
    sqlite::Stmt q(c.stmts(), "PRAGMA user_version");
    if (!q.ok() || sqlite3_step(q.get()) != SQLITE_ROW) {
      return Status::unavailable("store: " + path + " is not a livyd database or is damaged: " +
                                 sqlite3_errmsg(c.db()));
    }
    version = static_cast<int>(q.int_at(0));
  }
  if (version > Store::kSchemaVersion) {
    return Status::unavailable("store: " + path + " has schema version " + std::to_string(version) +
                               ", newer than this livyd understands (" + std::to_string(Store::kSchemaVersion) + ")");
  }
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (Status st = c.exec(sql); !st) return st;
  }
  for (int next = version + 1; next <= Store::kSchemaVersion; ++next) {
    Status st = c.exec("BEGIN IMMEDIATE");
    if (st) st = c.exec(kMigrations[next - 1]);
    if (st) st = c.exec("PRAGMA user_version = " + std::to_string(next));
    if (st) st = c.exec("COMMIT");
    if (!st) {
      (void)c.exec("ROLLBACK");
      return st;
    }
  }
  return Status::ok();
}

}  // namespace livy
