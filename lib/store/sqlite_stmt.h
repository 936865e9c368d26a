// Private helpers over SQLite's C API for the store's files.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "livy/status.h"

namespace livy::sqlite {

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }

  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, const std::string& v) { sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void bind(int i, const std::optional<std::string>& v) {
    if (v) bind(i, *v);
    else sqlite3_bind_null(stmt_, i);
  }

  // Bytes that need not be UTF-8 (a job's payload or result).
  void bind_blob(int i, const std::optional<std::string>& v) {
    if (v) sqlite3_bind_blob(stmt_, i, v->data(), static_cast<int>(v->size()), SQLITE_TRANSIENT);
    else sqlite3_bind_null(stmt_, i);
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
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

inline Status db_error(sqlite3* db, std::string_view what) {
  return Status::unavailable(std::string("store: ") + std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace livy::sqlite
