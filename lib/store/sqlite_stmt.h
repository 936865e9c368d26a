// Private helpers over SQLite's C API for the store's files.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "livy/status.h"

namespace livy::sqlite {

// A connection's prepared statements: each SQL text is prepared on its first use and
// kept until the connection closes, so a call only binds and steps. Not thread-safe: it
// belongs to one connection, used by one thread at a time.
class StmtCache {
 public:
  explicit StmtCache(sqlite3* db) : db_(db) {}
  ~StmtCache() {
    for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
  }
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;

  sqlite3* db() const { return db_; }

  // The statement for `sql`, reset and unbound; nullptr when it does not compile
  // (sqlite3_errmsg(db()) says why).
  sqlite3_stmt* get(const char* sql) {
    if (auto it = stmts_.find(sql); it != stmts_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return nullptr;
    }
    // The key views the text SQLite keeps with the statement, so it lives exactly as long.
    stmts_.emplace(std::string_view(sqlite3_sql(stmt)), stmt);
    return stmt;
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string_view, sqlite3_stmt*> stmts_;
};

// One use of a cached statement: binds, steps, reads columns, and on leaving scope
// resets the statement and clears its bindings for the next use (which also ends a
// read it left open).
class Stmt {
 public:
  Stmt(StmtCache& cache, const char* sql) : stmt_(cache.get(sql)) {}
  ~Stmt() {
    if (stmt_ == nullptr) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() { return stmt_; }

  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, const std::optional<std::string>& v) {
    if (v)
      bind(i, *v);
    else
      sqlite3_bind_null(stmt_, i);
  }

  // Bytes that need not be UTF-8 (a job's payload or result).
  void bind_blob(int i, const std::optional<std::string>& v) {
    if (v)
      sqlite3_bind_blob(stmt_, i, v->data(), static_cast<int>(v->size()), SQLITE_TRANSIENT);
    else
      sqlite3_bind_null(stmt_, i);
  }

  std::int64_t int_at(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string text_at(int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  std::optional<std::string> opt_text_at(int col) {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return text_at(col);
  }
  std::optional<std::string> opt_blob_at(int col) {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
  }

 private:
  sqlite3_stmt* stmt_;
};

inline Status db_error(sqlite3* db, std::string_view what) {
  return Status::unavailable(std::string("store: ") + std::string(what) + ": " + sqlite3_errmsg(db));
}

// One open connection to the store's file with its prepared statements; closes both.
// Not thread-safe: its owner says who uses it when.
class Connection {
 public:
  // `flags`: SQLITE_OPEN_READWRITE, with SQLITE_OPEN_CREATE or not.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, int flags) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      Status st = db_error(db, "cannot open " + path);
      sqlite3_close(db);
      return st;
    }
    sqlite3_busy_timeout(db, 5000);
    return std::unique_ptr<Connection>(new Connection(db));
  }
  ~Connection() {
    stmts_.reset();  // a connection with statements left unfinalized does not close
    sqlite3_close(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  StmtCache& stmts() { return *stmts_; }

  // SQL run once or rarely (migrations, pragmas at open), not worth a cached statement.
  Status exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return Status::unavailable("store: " + msg);
    }
    return Status::ok();
  }

 private:
  explicit Connection(sqlite3* db) : db_(db), stmts_(std::make_unique<StmtCache>(db)) {}
  sqlite3* db_;
  std::unique_ptr<StmtCache> stmts_;
};

}  // namespace livy::sqlite
