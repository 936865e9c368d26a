#include "store/store.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "support/temp_dir.h"

using Catch::Matchers::Contains;
using livy::Store;
using livy_test::TempDir;

namespace {

std::unique_ptr<Store> open_store(const std::string& path) {
  auto s = Store::open(path);
  if (!s) FAIL("Store::open: " << s.status().message());
  return std::move(*s);
}

// Runs SQL on the file directly, as another program (or an older/newer livyd) would.
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

livy::BatchRecord record(std::int64_t id) {
  livy::BatchRecord r;
  r.id = id;
  r.request.file = "/x.py";
  r.log_path = "/data/batches/" + std::to_string(id) + "/output.log";
  r.status_path = "/data/batches/" + std::to_string(id) + "/exit-status";
  r.created_ms = 1'700'000'000'000 + id;
  return r;
}

}  // namespace

TEST_CASE("Store::open creates the schema in a new file", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  {
    auto store = open_store(path);
    auto batches = store->load_batches();
    REQUIRE(batches.has_value());
    CHECK(batches->empty());
  }
  CHECK(std::filesystem::exists(path));
  // Reopening an existing store works and keeps it.
  auto again = open_store(path);
  CHECK(again->load_batches().has_value());
}

TEST_CASE("allocate_id counts from 0, separately per kind, and never repeats across reopen", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  {
    auto store = open_store(path);
    CHECK(*store->allocate_id("batch") == 0);
    CHECK(*store->allocate_id("batch") == 1);
    CHECK(*store->allocate_id("session") == 0);
    CHECK(*store->allocate_id("batch") == 2);
    CHECK(*store->allocate_id("session") == 1);
  }
  auto store = open_store(path);
  CHECK(*store->allocate_id("batch") == 3);
  CHECK(*store->allocate_id("session") == 2);
}

TEST_CASE("insert, update and load round-trip every column", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  auto full = record(1);
  full.name = "nightly";
  full.owner = "alice";
  full.proxy_user = "bob";
  full.state = livy::BatchState::kRunning;
  full.pid = 4242;
  full.pid_identity = "boot-1:12345";
  full.app_id = "local-1700000000000";
  full.spark_ui_url = "http://127.0.0.1:4040";
  const auto sparse = record(0);  // optional fields unset: NULL, not ""
  {
    auto store = open_store(path);
    REQUIRE(store->insert_batch(full).is_ok());
    REQUIRE(store->insert_batch(sparse).is_ok());
    CHECK_FALSE(store->insert_batch(sparse).is_ok());  // ids are unique
  }
  auto store = open_store(path);
  auto loaded = store->load_batches();
  REQUIRE(loaded.has_value());
  REQUIRE(loaded->size() == 2);
  const auto& a = (*loaded)[0];  // ordered by id
  const auto& b = (*loaded)[1];
  CHECK(a.id == 0);
  CHECK_FALSE(a.name);
  CHECK_FALSE(a.owner);
  CHECK_FALSE(a.proxy_user);
  CHECK_FALSE(a.app_id);
  CHECK_FALSE(a.spark_ui_url);
  CHECK(a.state == livy::BatchState::kStarting);
  CHECK(a.pid == 0);
  CHECK(a.ended_ms == 0);
  CHECK_FALSE(a.forgotten);

  CHECK(b.id == 1);
  CHECK(b.name == "nightly");
  CHECK(b.owner == "alice");
  CHECK(b.proxy_user == "bob");
  CHECK(b.request.file == "/x.py");
  CHECK(b.state == livy::BatchState::kRunning);
  CHECK(b.pid == 4242);
  CHECK(b.app_id == full.app_id);
  CHECK(b.spark_ui_url == full.spark_ui_url);
  CHECK(b.log_path == full.log_path);
  CHECK(b.status_path == full.status_path);
  CHECK(b.created_ms == full.created_ms);

  SECTION("update rewrites the mutable columns") {
    auto changed = full;
    changed.state = livy::BatchState::kKilled;
    changed.pid = 99;
    changed.pid_identity = "boot-1:777";
    changed.app_id = "application_1700000000000_0001";
    changed.spark_ui_url.reset();
    changed.ended_ms = 1'700'000'000'999;
    changed.started_ms = 1'700'000'000'100;
    changed.ready_ms = 1'700'000'000'500;
    changed.forgotten = true;
    REQUIRE(store->update_batch(changed).is_ok());
    auto after = store->load_batches();
    REQUIRE(after.has_value());
    const auto& c = (*after)[1];
    CHECK(c.state == livy::BatchState::kKilled);
    CHECK(c.pid == 99);
    CHECK(c.pid_identity == "boot-1:777");
    CHECK(c.app_id == "application_1700000000000_0001");
    CHECK_FALSE(c.spark_ui_url);
    CHECK(c.ended_ms == 1'700'000'000'999);
    CHECK(c.started_ms == 1'700'000'000'100);
    CHECK(c.ready_ms == 1'700'000'000'500);
    CHECK(c.forgotten);
    CHECK(c.name == "nightly");  // immutable columns stay
  }
  SECTION("every state survives the trip") {
    for (auto st : {livy::BatchState::kNotStarted, livy::BatchState::kStarting, livy::BatchState::kRunning,
                    livy::BatchState::kSuccess, livy::BatchState::kDead, livy::BatchState::kKilled,
                    livy::BatchState::kError}) {
      auto r = full;
      r.state = st;
      REQUIRE(store->update_batch(r).is_ok());
      CHECK((*store->load_batches())[1].state == st);
    }
  }
}

TEST_CASE("a store from a newer livyd is refused, naming the version", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  { open_store(path); }
  raw_sql(path, "PRAGMA user_version = 99");
  const auto s = Store::open(path);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.status().code() == livy::ErrorCode::kUnavailable);
  CHECK_THAT(s.status().message(), Contains("99"));
}

TEST_CASE("a file that is not a database is refused", "[store]") {
  TempDir dir;
  const auto path = dir / "livyd.db";
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 7919) % 251));
  livy_test::write_file(path, garbage);
  const auto s = Store::open(path.string());
  REQUIRE_FALSE(s.has_value());
  CHECK(s.status().code() == livy::ErrorCode::kUnavailable);
  CHECK_THAT(s.status().message(), Contains("not a livyd database"));
}

TEST_CASE("a store that cannot be created is an error, not a crash", "[store]") {
  TempDir dir;
  CHECK_FALSE(Store::open((dir / "no" / "such" / "dir" / "livyd.db").string()).has_value());
}

TEST_CASE("a row with an unknown state is reported, not guessed", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  {
    auto store = open_store(path);
    REQUIRE(store->insert_batch(record(0)).is_ok());
  }
  raw_sql(path, "UPDATE batches SET state = 'exploded'");
  auto store = open_store(path);
  CHECK(store->load_batches().status().code() == livy::ErrorCode::kUnavailable);
}
