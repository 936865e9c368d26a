// The store's statements table: the code is written once, a change writes only what changes.
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "store/store.h"
#include "support/temp_dir.h"

using livy::Durability;
using livy::Statement;
using livy::StatementState;
using livy::Store;
using livy_test::TempDir;

namespace {

std::unique_ptr<Store> open_store(const std::string& path) {
  auto s = Store::open(path);
  if (!s) FAIL("Store::open: " << s.status().message());
  return std::move(*s);
}

void raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  INFO(msg);
  REQUIRE(rc == SQLITE_OK);
}

livy::SessionRecord session(std::int64_t id) {
  livy::SessionRecord r;
  r.id = id;
  r.request.kind = livy::SessionKind::kPySpark;
  r.log_path = "/data/sessions/" + std::to_string(id) + "/driver.log";
  r.status_path = "/data/sessions/" + std::to_string(id) + "/exit-status";
  r.secret = "s";
  return r;
}

Statement load_one(Store& store, std::int64_t session_id) {
  auto all = store.load_statements(session_id);
  REQUIRE(all.has_value());
  REQUIRE(all->size() == 1);
  return all->front();
}

}  // namespace

TEST_CASE("a statement's changes never write its code or kind again", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  auto store = open_store(path);
  REQUIRE(store->insert_session(session(7)).is_ok());
  Statement st;
  st.id = 0;
  st.code = "1 + 1";
  st.kind = livy::SessionKind::kPySpark;
  REQUIRE(store->insert_statement(7, st, Durability::kSynced).is_ok());
  CHECK(load_one(*store, 7).code == "1 + 1");

  // Changed behind the store's back: a change that wrote the code or kind would undo this.
  raw_sql(path, "UPDATE statements SET code = 'kept', kind = 'sql'");
  st.state = StatementState::kRunning;
  st.started_ms = 1'765'000'000'001;
  st.progress = 0.5;
  REQUIRE(store->update_statement(7, st).is_ok());
  auto running = load_one(*store, 7);
  CHECK(running.code == "kept");
  CHECK(running.kind == livy::SessionKind::kSql);
  CHECK(running.state == StatementState::kRunning);
  CHECK(running.started_ms == 1'765'000'000'001);
  CHECK(running.progress == 0.5);
  CHECK_FALSE(running.output);

  livy::StatementOutput out;
  out.execution_count = 1;
  out.data["text/plain"] = "\"2\"";
  st.state = StatementState::kAvailable;
  st.output = out;
  st.progress = 1.0;
  st.completed_ms = 1'765'000'000'009;
  REQUIRE(store->update_statement(7, st).is_ok());
  auto done = load_one(*store, 7);
  CHECK(done.code == "kept");
  CHECK(done.state == StatementState::kAvailable);
  CHECK(done.completed_ms == 1'765'000'000'009);
  REQUIRE(done.output);
  CHECK(done.output->text() == "2");

  SECTION("a change without an output leaves the stored output alone") {
    raw_sql(path, "UPDATE statements SET output = '{\"status\":\"ok\",\"execution_count\":5,\"data\":{}}'");
    st.output.reset();
    st.state = StatementState::kCancelled;
    REQUIRE(store->update_statement(7, st).is_ok());
    auto after = load_one(*store, 7);
    CHECK(after.state == StatementState::kCancelled);
    REQUIRE(after.output);
    CHECK(after.output->execution_count == 5);
  }
}

TEST_CASE("changing a statement that was never inserted is not found, and inserts nothing", "[store]") {
  TempDir dir;
  auto store = open_store((dir / "livyd.db").string());
  REQUIRE(store->insert_session(session(1)).is_ok());
  Statement st;
  st.id = 3;
  st.state = StatementState::kRunning;
  CHECK(store->update_statement(1, st).code() == livy::ErrorCode::kNotFound);
  CHECK(store->load_statements(1)->empty());
  // Inserting one twice is refused too: an id is a statement's for good.
  st.code = "x";
  REQUIRE(store->insert_statement(1, st, Durability::kWritten).is_ok());
  CHECK_FALSE(store->insert_statement(1, st, Durability::kWritten).is_ok());
}

TEST_CASE("put_statement inserts a new statement and updates a known one without its code", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  auto store = open_store(path);
  REQUIRE(store->insert_session(session(2)).is_ok());
  Statement st;
  st.code = "first";
  REQUIRE(store->put_statement(2, st, Durability::kSynced).is_ok());
  CHECK(load_one(*store, 2).code == "first");
  st.code = "second";  // a caller's stale or changed copy: the stored code stays
  st.state = StatementState::kError;
  REQUIRE(store->put_statement(2, st, Durability::kWritten).is_ok());
  auto after = load_one(*store, 2);
  CHECK(after.code == "first");
  CHECK(after.state == StatementState::kError);
}
