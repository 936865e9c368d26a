#include "store/schema.h"

#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

#include "wire/request_json.h"
#include "store/request_record.h"
#include "store/store.h"

namespace livy {
namespace {

using sqlite::db_error;
using sqlite::Stmt;

// Rewrites each row's request from `decode`'s form (schema 4: Livy's REST body) to the
// store's record form. Any row that does not read fails the migration, naming the row: the
// store stays at schema 4 rather than lose it.
template <typename Decode, typename Encode>
Status convert_requests(sqlite::Connection& c, const char* table, Decode decode, Encode encode) {
  std::vector<std::pair<std::int64_t, std::string>> rows;
  {
    const std::string select = std::string("SELECT id, request_record FROM ") + table + " ORDER BY id";
    Stmt s(c.stmts(), select.c_str());
    if (!s.ok()) return db_error(c.db(), "migrate");
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) rows.emplace_back(s.int_at(0), s.text_at(1));
    if (rc != SQLITE_DONE) return db_error(c.db(), "migrate");
  }
  const std::string update = std::string("UPDATE ") + table + " SET request_record = ? WHERE id = ?";
  for (const auto& [id, json] : rows) {
    auto request = decode(json);
    if (!request) {
      return Status::unavailable(std::string("store: the request of ") + table + " row " + std::to_string(id) +
                                 " cannot be read (" + request.status().message() + "): the store is left at schema 4");
    }
    Stmt s(c.stmts(), update.c_str());
    if (!s.ok()) return db_error(c.db(), "migrate");
    s.bind(1, encode(*request));
    s.bind(2, id);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(c.db(), "migrate");
  }
  return Status::ok();
}

Status requests_to_records(sqlite::Connection& c) {
  Status st = convert_requests(c, "batches", wire::decode_batch_request, record::encode_batch_request);
  if (st) st = convert_requests(c, "sessions", wire::decode_session_request, record::encode_session_request);
  return st;
}

// Migration N (index N-1) brings a store from schema version N-1 to N: its SQL, then
// `convert` for what SQL alone cannot rewrite, all in one transaction.
struct Migration {
  const char* sql;
  Status (*convert)(sqlite::Connection&) = nullptr;
};

const Migration kMigrations[] = {
    {R"sql(
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
)sql"},
    {R"sql(
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
)sql"},
    {R"sql(
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
ALTER TABLE batches ADD COLUMN pid_identity TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN pid_identity TEXT NOT NULL DEFAULT '';
)sql"},
    {R"sql(
CREATE TABLE jobs (
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  id INTEGER NOT NULL,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  payload BLOB,
  result BLOB,
  error TEXT,
  PRIMARY KEY (session_id, id));
)sql"},
    // 5: the requests of batches and sessions in the store's own record form
    // (lib/store/request_record.h), no longer Livy's REST body.
    {R"sql(
ALTER TABLE batches RENAME COLUMN request TO request_record;
ALTER TABLE sessions RENAME COLUMN request TO request_record;
)sql",
     requests_to_records},
    // 6: what the engine keeps of an application at a cluster manager: livyd's tag of the
    // submission, and the driver's log link (appInfo.driverLogUrl). Old rows have neither.
    {R"sql(
ALTER TABLE batches ADD COLUMN cluster_tag TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN driver_log_url TEXT;
ALTER TABLE sessions ADD COLUMN cluster_tag TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN driver_log_url TEXT;
)sql"},
    // 7: the monitoring times (?detailed=true): when a batch's or session's spark-submit was
    // launched and when it first ran (batch) or was idle (session), and when a statement was
    // submitted. Old rows have 0: not known.
    {R"sql(
ALTER TABLE batches ADD COLUMN started_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN ready_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN started_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN ready_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE statements ADD COLUMN submitted_ms INTEGER NOT NULL DEFAULT 0;
)sql"},
    // 8: idempotency keys of creates (runtime/idempotent_creates.h): the first object made under
    // each (owner, key), until requests.idempotency-retention has passed since created_ms.
    {R"sql(
CREATE TABLE idempotency_keys (
  owner TEXT NOT NULL,
  key TEXT NOT NULL,
  kind TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  object_id INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (owner, key));
CREATE INDEX idempotency_keys_by_time ON idempotency_keys(created_ms);
)sql"},
};

static_assert(std::size(kMigrations) == Store::kSchemaVersion, "one migration per schema version");

}  // namespace

Status migrate(sqlite::Connection& c, const std::string& path) {
  int version = 0;
  {
    sqlite::Stmt q(c.stmts(), "PRAGMA user_version");
    if (!q.ok() || sqlite3_step(q.get()) != SQLITE_ROW) {
      return Status::unavailable("store: " + path +
                                 " is not a livyd database or is damaged: " + sqlite3_errmsg(c.db()));
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
    const Migration& m = kMigrations[next - 1];
    if (st) st = c.exec(m.sql);
    if (st && m.convert != nullptr) st = m.convert(c);
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
