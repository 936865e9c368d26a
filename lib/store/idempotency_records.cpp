// The store's idempotency_keys table: keys of idempotent creates, so that they outlive a restart.
#include "store/sqlite_stmt.h"
#include "store/store.h"

namespace livy {

using sqlite::db_error;
using sqlite::Stmt;

Status Store::insert_idempotency_row(sqlite::StmtCache& stmts, const IdempotencyRecord& r) {
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
}

Status Store::insert_with_key(sqlite::StmtCache& stmts, const IdempotencyRecord* key, std::int64_t object_id,
                              const std::function<Status()>& insert) {
  if (key == nullptr) return insert();
  const auto exec = [&](const char* sql) {
    Stmt s(stmts, sql);
    return s.ok() && sqlite3_step(s.get()) == SQLITE_DONE;
  };
  if (!exec("SAVEPOINT with_key")) return db_error(stmts.db(), "savepoint");
  IdempotencyRecord row = *key;
  row.object_id = object_id;
  Status st = insert_idempotency_row(stmts, row);
  if (st) st = insert();  // failing (a taken id, say), it takes the key's row back with it
  // On failure the transaction may be gone already (an I/O error ends it): then there is
  // nothing to roll back to, and the group fails as a whole.
  if (!st && sqlite3_get_autocommit(stmts.db()) == 0) (void)exec("ROLLBACK TO with_key");
  if (sqlite3_get_autocommit(stmts.db()) == 0) (void)exec("RELEASE with_key");
  return st;
}

Status Store::insert_idempotency_key(const IdempotencyRecord& r) {
  return write(Durability::kSynced, [&](sqlite::StmtCache& stmts) { return insert_idempotency_row(stmts, r); });
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
