#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "store/sqlite_stmt.h"

using livy::sqlite::Stmt;
using livy::sqlite::StmtCache;

namespace {

// An in-memory database with rows 1, 2, 3 in t.
struct Db {
  sqlite3* db = nullptr;
  Db() {
    REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2), (3);", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
  }
  ~Db() { sqlite3_close(db); }
  int open_statements() const {
    int n = 0;
    for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s != nullptr; s = sqlite3_next_stmt(db, s)) ++n;
    return n;
  }
};

}  // namespace

TEST_CASE("StmtCache prepares each SQL text once and finalizes it with the cache", "[store]") {
  Db d;
  {
    StmtCache cache(d.db);
    sqlite3_stmt* first = cache.get("SELECT x FROM t WHERE x >= ?");
    REQUIRE(first != nullptr);
    for (int i = 0; i < 100; ++i) CHECK(cache.get("SELECT x FROM t WHERE x >= ?") == first);
    CHECK(cache.get("SELECT count(*) FROM t") != first);
    CHECK(d.open_statements() == 2);
    CHECK(cache.get("SELECT nope FROM t") == nullptr);  // does not compile: reported, not kept
    CHECK(d.open_statements() == 2);
  }
  CHECK(d.open_statements() == 0);
}

TEST_CASE("a Stmt use leaves its statement reset and unbound for the next one", "[store]") {
  Db d;
  StmtCache cache(d.db);
  const char* sql = "SELECT x FROM t WHERE ?1 IS NULL OR x >= ?1 ORDER BY x";
  {
    Stmt s(cache, sql);
    s.bind(1, std::int64_t{2});
    REQUIRE(sqlite3_step(s.get()) == SQLITE_ROW);
    CHECK(s.int_at(0) == 2);  // left mid-read on purpose
  }
  CHECK(sqlite3_stmt_busy(cache.get(sql)) == 0);  // the read was ended
  Stmt again(cache, sql);
  REQUIRE(sqlite3_step(again.get()) == SQLITE_ROW);
  CHECK(again.int_at(0) == 1);  // from the first row, and ?1 no longer bound to 2
}
