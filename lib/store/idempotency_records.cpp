// The store's idempotency_keys table: keys of idempotent creates, so that they outlive a restart.
#include "store/sqlite_stmt.h"
#include "store/store.h"

namespace livy {

using sqlite::db_error;
using sqlite::Stmt;

Status Store::insert_idempotency_key(const IdempotencyRecord& r) {
  return write(Durability::kSynced, [&](sqlite::StmtCache& stmts) {
    Stmt s(stmts,
           "INSERT OR REPLACE INTO idempotency_keys(owner, key, kind, fingerprint, object_id, created_ms) VALUES (?,?,?,?,?,?)");
    if (!s.ok()) return db_error(stmts.db(), "insert idempotency key");
    s.bind(1, r.owner);
    s.bind(2, r.key);
    s.bind(3, r.kind);
    s.bind(4, r.fingerprint);
    s.bind(5, r.object_id);
    s.bind(6, r.created_ms);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(stmts.db(), "insert idempotency key");
    return Status::ok();
  });
}

Result<std::vector<IdempotencyRecord>> Store::load_idempotency_keys(std::int64_t since_ms) {
  std::lock_guard lock(read_mu_);
  Stmt s(reader_->stmts(),
         "SELECT owner, key, kind, fingerprint, object_id, created_ms FROM idempotency_keys WHERE created_ms >= ?"
         " ORDER BY created_ms");
  if (!s.ok()) return db_error(reader_->db(), "load idempotency keys");
  s.bind(1, since_ms);
  std::vector<IdempotencyRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    out.push_back({s.text_at(0), s.text_at(1), s.text_at(2), s.text_at(3), s.int_at(4), s.int_at(5)});
  }
  if (rc != SQLITE_DONE) return db_error(reader_->db(), "load idempotency keys");
  return out;
}

Status Store::delete_idempotency_keys(std::int64_t before_ms) {
  return write(Durability::kWritten, [&](sqlite::StmtCache& stmts) {
    Stmt s(stmts, "DELETE FROM idempotency_keys WHERE created_ms < ?");
    if (!s.ok()) return db_error(stmts.db(), "delete idempotency keys");
    s.bind(1, before_ms);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(stmts.db(), "delete idempotency keys");
    return Status::ok();
  });
}

}  // namespace livy
