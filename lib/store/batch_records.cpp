// The store's batches table.
#include "store/request_record.h"
#include "store/sqlite_stmt.h"
#include "store/store.h"
#include "store/supervised_columns.h"

namespace livy {
namespace {

using sqlite::db_error;
using sqlite::Stmt;

std::optional<BatchState> batch_state_from(const std::string& s) {
  for (auto st : {BatchState::kNotStarted, BatchState::kStarting, BatchState::kRunning, BatchState::kSuccess,
                  BatchState::kDead, BatchState::kKilled, BatchState::kError}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

}  // namespace

Status Store::insert_batch(const BatchRecord& r, const IdempotencyRecord* key) {
  return write(Durability::kSynced, [&](sqlite::StmtCache& stmts) {
    return insert_with_key(stmts, key, r.id, [&]() -> Status {
      Stmt s(
          stmts,
          "INSERT INTO batches(id, name, owner, proxy_user, request_record, state, pid, app_id, spark_ui_url, log_path,"
          " status_path, created_ms, ended_ms, forgotten) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      if (!s.ok()) return db_error(stmts.db(), "insert batch");
      s.bind(1, r.id);
      s.bind(2, r.name);
      s.bind(3, r.owner);
      s.bind(4, r.proxy_user);
      s.bind(5, record::encode_batch_request(r.request));
      s.bind(6, std::string(to_string(r.state)));
      s.bind(7, static_cast<std::int64_t>(r.pid));
      s.bind(8, r.app_id);
      s.bind(9, r.spark_ui_url);
      s.bind(10, r.log_path);
      s.bind(11, r.status_path);
      s.bind(12, r.created_ms);
      s.bind(13, r.ended_ms);
      s.bind(14, static_cast<std::int64_t>(r.forgotten));
      if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(stmts.db(), "insert batch");
      return Status::ok();
    });
  });
}

Status Store::update_batch(const BatchRecord& r) {
  return update_supervised("UPDATE batches SET " LIVY_SUPERVISED_SET " WHERE id = ?", "update batch", r);
}

Result<std::vector<BatchRecord>> Store::load_batches(std::optional<std::int64_t> only) {
  std::lock_guard lock(read_mu_);
  Stmt s(reader_->stmts(),
         "SELECT id, name, owner, proxy_user, request_record, state, pid, app_id, spark_ui_url, log_path, status_path,"
         " created_ms, ended_ms, forgotten, pid_identity, cluster_tag, driver_log_url, started_ms, ready_ms FROM batches WHERE ?1 IS NULL OR id = ?1 ORDER BY id");
  if (!s.ok()) return db_error(reader_->db(), "load batches");
  if (only) s.bind(1, *only);
  std::vector<BatchRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    BatchRecord r;
    r.id = s.int_at(0);
    r.name = s.opt_text_at(1);
    r.owner = s.opt_text_at(2);
    r.proxy_user = s.opt_text_at(3);
    auto request = record::decode_batch_request(s.text_at(4));
    if (!request)
      return Status::unavailable("store: batch " + std::to_string(r.id) + ": " + request.status().message());
    r.request = std::move(*request);
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
    r.cluster_tag = s.text_at(15);
    r.driver_log_url = s.opt_text_at(16);
    r.started_ms = s.int_at(17);
    r.ready_ms = s.int_at(18);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return db_error(reader_->db(), "load batches");
  return out;
}

}  // namespace livy
