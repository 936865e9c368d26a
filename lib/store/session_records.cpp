// The store's sessions and statements tables.
#include "wire/output_json.h"
#include "store/request_record.h"
#include "store/sqlite_stmt.h"
#include "store/store.h"
#include "store/supervised_columns.h"

namespace livy {
namespace {

using sqlite::db_error;
using sqlite::Stmt;

std::optional<SessionState> session_state_from(const std::string& s) {
  for (auto st : {SessionState::kNotStarted, SessionState::kStarting, SessionState::kRecovering, SessionState::kIdle,
                  SessionState::kBusy, SessionState::kShuttingDown, SessionState::kError, SessionState::kDead,
                  SessionState::kKilled, SessionState::kSuccess}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

std::optional<StatementState> statement_state_from(const std::string& s) {
  for (auto st : {StatementState::kWaiting, StatementState::kRunning, StatementState::kAvailable,
                  StatementState::kError, StatementState::kCancelling, StatementState::kCancelled}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

std::optional<std::string> kind_text(const std::optional<SessionKind>& kind) {
  if (!kind) return std::nullopt;
  return std::string(to_string(*kind));
}

std::optional<SessionKind> kind_from(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return parse_session_kind(*text);
}

}  // namespace

Status Store::insert_session(const SessionRecord& r, const IdempotencyRecord* key) {
  return write(Durability::kSynced, [&](sqlite::StmtCache& stmts) {
    return insert_with_key(stmts, key, r.id, [&]() -> Status {
      Stmt s(stmts,
             "INSERT INTO sessions(id, name, owner, proxy_user, kind, request_record, state, pid, app_id, spark_ui_url,"
             " log_path, status_path, secret, created_ms, ended_ms, forgotten) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      if (!s.ok()) return db_error(stmts.db(), "insert session");
      s.bind(1, r.id);
      s.bind(2, r.name);
      s.bind(3, r.owner);
      s.bind(4, r.proxy_user);
      s.bind(5, kind_text(r.kind));
      s.bind(6, record::encode_session_request(r.request));
      s.bind(7, std::string(to_string(r.state)));
      s.bind(8, static_cast<std::int64_t>(r.pid));
      s.bind(9, r.app_id);
      s.bind(10, r.spark_ui_url);
      s.bind(11, r.log_path);
      s.bind(12, r.status_path);
      s.bind(13, r.secret);
      s.bind(14, r.created_ms);
      s.bind(15, r.ended_ms);
      s.bind(16, static_cast<std::int64_t>(r.forgotten));
      if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(stmts.db(), "insert session");
      return Status::ok();
    });
  });
}

Status Store::update_session(const SessionRecord& r) {
  if (before_write) before_write();
  return update_supervised("UPDATE sessions SET " LIVY_SUPERVISED_SET " WHERE id = ?", "update session", r);
}

Result<std::vector<SessionRecord>> Store::load_sessions(std::optional<std::int64_t> only) {
  std::lock_guard lock(read_mu_);
  Stmt s(reader_->stmts(),
         "SELECT id, name, owner, proxy_user, kind, request_record, state, pid, app_id, spark_ui_url, log_path,"
         " status_path, secret, created_ms, ended_ms, forgotten, pid_identity, cluster_tag, driver_log_url, started_ms,"
         " ready_ms FROM sessions"
         " WHERE ?1 IS NULL OR id = ?1 ORDER BY id");
  if (!s.ok()) return db_error(reader_->db(), "load sessions");
  if (only) s.bind(1, *only);
  std::vector<SessionRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    SessionRecord r;
    r.id = s.int_at(0);
    r.name = s.opt_text_at(1);
    r.owner = s.opt_text_at(2);
    r.proxy_user = s.opt_text_at(3);
    r.kind = kind_from(s.opt_text_at(4));
    auto request = record::decode_session_request(s.text_at(5));
    if (!request) {
      return Status::unavailable("store: session " + std::to_string(r.id) + ": " + request.status().message());
    }
    r.request = std::move(*request);
    const auto state = session_state_from(s.text_at(6));
    if (!state) return Status::unavailable("store: session " + std::to_string(r.id) + " has an unknown state");
    r.state = *state;
    r.pid = static_cast<int>(s.int_at(7));
    r.app_id = s.opt_text_at(8);
    r.spark_ui_url = s.opt_text_at(9);
    r.log_path = s.text_at(10);
    r.status_path = s.text_at(11);
    r.secret = s.text_at(12);
    r.created_ms = s.int_at(13);
    r.ended_ms = s.int_at(14);
    r.forgotten = s.int_at(15) != 0;
    r.pid_identity = s.text_at(16);
    r.cluster_tag = s.text_at(17);
    r.driver_log_url = s.opt_text_at(18);
    r.started_ms = s.int_at(19);
    r.ready_ms = s.int_at(20);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return db_error(reader_->db(), "load sessions");
  return out;
}

namespace {

std::optional<std::string> output_text(const Statement& st) {
  if (!st.output) return std::nullopt;
  return wire::encode_output(*st.output);
}

// The ten values of a whole statement row, in the column order of the INSERTs below:
// session_id, id, code, kind, state, output, progress, started_ms, completed_ms, submitted_ms.
void bind_statement_row(Stmt& s, std::int64_t session_id, const Statement& st) {
  s.bind(1, session_id);
  s.bind(2, st.id);
  s.bind(3, st.code);
  s.bind(4, kind_text(st.kind));
  s.bind(5, std::string(to_string(st.state)));
  s.bind(6, output_text(st));
  sqlite3_bind_double(s.get(), 7, st.progress);
  s.bind(8, st.started_ms);
  s.bind(9, st.completed_ms);
  s.bind(10, st.submitted_ms);
}

}  // namespace

Status Store::insert_statement(std::int64_t session_id, const Statement& st, Durability durability) {
  if (before_write) before_write();
  return write(durability, [&](sqlite::StmtCache& stmts) {
    Stmt s(stmts,
           "INSERT INTO statements(session_id, id, code, kind, state, output, progress, started_ms, completed_ms,"
           " submitted_ms) VALUES (?,?,?,?,?,?,?,?,?,?)");
    if (!s.ok()) return db_error(stmts.db(), "insert statement");
    bind_statement_row(s, session_id, st);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(stmts.db(), "insert statement");
    return Status::ok();
  });
}

namespace {

Status update_statement_row(sqlite::StmtCache& stmts, std::int64_t session_id, const Statement& st) {
  // The output is written once, by the change that brings it; the others leave it alone.
  Stmt s(stmts, st.output ? "UPDATE statements SET state = ?3, progress = ?4, started_ms = ?5, completed_ms = ?6,"
                            " output = ?7 WHERE session_id = ?1 AND id = ?2"
                          : "UPDATE statements SET state = ?3, progress = ?4, started_ms = ?5, completed_ms = ?6"
                            " WHERE session_id = ?1 AND id = ?2");
  if (!s.ok()) return db_error(stmts.db(), "update statement");
  s.bind(1, session_id);
  s.bind(2, st.id);
  s.bind(3, std::string(to_string(st.state)));
  sqlite3_bind_double(s.get(), 4, st.progress);
  s.bind(5, st.started_ms);
  s.bind(6, st.completed_ms);
  if (st.output) s.bind(7, output_text(st));
  if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(stmts.db(), "update statement");
  if (sqlite3_changes(stmts.db()) == 0) {
    return Status::not_found("store: no statement " + std::to_string(st.id) + " in session " +
                             std::to_string(session_id));
  }
  return Status::ok();
}

}  // namespace

Status Store::update_statement(std::int64_t session_id, const Statement& st, Durability durability) {
  if (before_write) before_write();
  if (durability == Durability::kQueued) {
    // Committed after this call returns: it takes the columns it writes with it.
    Statement row;
    row.id = st.id;
    row.state = st.state;
    row.progress = st.progress;
    row.started_ms = st.started_ms;
    row.completed_ms = st.completed_ms;
    row.output = st.output;
    return write(durability, [session_id, row = std::move(row)](sqlite::StmtCache& stmts) {
      return update_statement_row(stmts, session_id, row);
    });
  }
  return write(durability,
               [&](sqlite::StmtCache& stmts) { return update_statement_row(stmts, session_id, st); });
}

Status Store::put_statement(std::int64_t session_id, const Statement& st, Durability durability) {
  if (before_write) before_write();
  return write(durability, [&](sqlite::StmtCache& stmts) {
    Stmt s(stmts,
           "INSERT INTO statements(session_id, id, code, kind, state, output, progress, started_ms, completed_ms,"
           " submitted_ms) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(session_id, id) DO UPDATE SET state = excluded.state,"
           " progress = excluded.progress, started_ms = excluded.started_ms, completed_ms = excluded.completed_ms,"
           " output = coalesce(excluded.output, output)");
    if (!s.ok()) return db_error(stmts.db(), "store statement");
    bind_statement_row(s, session_id, st);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(stmts.db(), "store statement");
    return Status::ok();
  });
}

Result<std::vector<Statement>> Store::load_statements(std::int64_t session_id) {
  std::lock_guard lock(read_mu_);
  Stmt s(reader_->stmts(),
         "SELECT id, code, kind, state, output, progress, started_ms, completed_ms, submitted_ms FROM statements"
         " WHERE session_id = ? ORDER BY id");
  if (!s.ok()) return db_error(reader_->db(), "load statements");
  s.bind(1, session_id);
  std::vector<Statement> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    Statement st;
    st.id = s.int_at(0);
    st.code = s.text_at(1);
    st.kind = kind_from(s.opt_text_at(2));
    const auto state = statement_state_from(s.text_at(3));
    if (!state) return Status::unavailable("store: a statement has an unknown state");
    st.state = *state;
    if (auto text = s.opt_text_at(4)) {
      auto output = wire::decode_output(*text);
      if (output) st.output = std::move(*output);
    }
    st.progress = sqlite3_column_double(s.get(), 5);
    st.started_ms = s.int_at(6);
    st.completed_ms = s.int_at(7);
    st.submitted_ms = s.int_at(8);
    out.push_back(std::move(st));
  }
  if (rc != SQLITE_DONE) return db_error(reader_->db(), "load statements");
  return out;
}

}  // namespace livy
