// The columns that batches and sessions share in the store: what their supervision changes
// (state, process, application, tag, times, forgotten). update_batch and update_session
// write them through one update_supervised.
#pragma once

#include <string>

#include "store/sqlite_stmt.h"
#include "store/store.h"

// The SET list of both tables' UPDATE, in the order update_supervised binds it; the row's id
// is the last parameter.
#define LIVY_SUPERVISED_SET                                                                                 \
  "state = ?1, pid = ?2, app_id = ?3, spark_ui_url = ?4, ended_ms = ?5, forgotten = ?6, pid_identity = ?7," \
  " cluster_tag = ?8, driver_log_url = ?9, started_ms = ?10, ready_ms = ?11"

namespace livy {

template <typename Record>
Status Store::update_supervised(const char* sql, const char* what, const Record& r) {
  return write(Durability::kWritten, [&](sqlite::StmtCache& stmts) {
    sqlite::Stmt s(stmts, sql);
    if (!s.ok()) return sqlite::db_error(stmts.db(), what);
    s.bind(1, std::string(to_string(r.state)));
    s.bind(2, static_cast<std::int64_t>(r.pid));
    s.bind(3, r.app_id);
    s.bind(4, r.spark_ui_url);
    s.bind(5, r.ended_ms);
    s.bind(6, static_cast<std::int64_t>(r.forgotten));
    s.bind(7, r.pid_identity);
    s.bind(8, r.cluster_tag);
    s.bind(9, r.driver_log_url);
    s.bind(10, r.started_ms);
    s.bind(11, r.ready_ms);
    s.bind(12, r.id);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return sqlite::db_error(stmts.db(), what);
    return Status::ok();
  });
}

}  // namespace livy
