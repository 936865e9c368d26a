// The store's jobs table (schema version 4 on): round trip, payload dropped once final, migration.
#include <sqlite3.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "store/store.h"
#include "support/temp_dir.h"

using livy::Durability;
using livy::JobRecord;
using livy::JobState;
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
  r.secret = "s3cret";
  return r;
}

JobRecord job(std::int64_t session_id, std::int64_t id, std::string payload) {
  JobRecord r;
  r.session_id = session_id;
  r.job.id = id;
  r.payload = std::move(payload);
  return r;
}

}  // namespace

TEST_CASE("jobs round-trip, and a final job's payload is dropped", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  // Payloads and results are bytes: NULs and bytes that are not UTF-8 come back as they went.
  const std::string pickle("\x80\x05\x95\x00\xff\x01", 6);
  {
    auto store = open_store(path);
    REQUIRE(store->insert_session(session(3)).is_ok());
    REQUIRE(store->insert_job(job(3, 0, pickle), Durability::kSynced).is_ok());
    REQUIRE(store->insert_job(job(3, 1, "second"), Durability::kWritten).is_ok());
    REQUIRE(store->insert_job(job(3, 2, "third"), Durability::kSynced).is_ok());
    CHECK_FALSE(store->insert_job(job(3, 2, "again"), Durability::kSynced).is_ok());  // (session, id) is unique
    livy::Job done{0, JobState::kSucceeded, std::string("gAVLKi4=\0x", 10), std::nullopt};
    REQUIRE(store->update_job(3, done).is_ok());
    livy::Job failed{1, JobState::kFailed, std::nullopt, std::string("ValueError: boom")};
    REQUIRE(store->update_job(3, failed).is_ok());
    livy::Job started{2, JobState::kStarted, std::nullopt, std::nullopt};
    REQUIRE(store->update_job(3, started).is_ok());
  }
  auto store = open_store(path);
  auto jobs = store->load_jobs(3);
  REQUIRE(jobs.has_value());
  REQUIRE(jobs->size() == 3);
  const auto& a = (*jobs)[0];
  CHECK(a.session_id == 3);
  CHECK(a.job.id == 0);
  CHECK(a.job.state == JobState::kSucceeded);
  CHECK(a.job.result == std::string("gAVLKi4=\0x", 10));
  CHECK_FALSE(a.job.error);
  CHECK(a.payload.empty());
  CHECK(a.type == livy::JobType::kPySpark);
  const auto& b = (*jobs)[1];
  CHECK(b.job.state == JobState::kFailed);
  CHECK(b.job.error == "ValueError: boom");
  CHECK_FALSE(b.job.result);
  CHECK(b.payload.empty());
  const auto& c = (*jobs)[2];
  CHECK(c.job.state == JobState::kStarted);
  CHECK(c.payload == "third");  // kept while the job may still have to be sent again
  CHECK(store->load_jobs(4)->empty());
  CHECK(store->load_jobs(3)->front().payload.empty());
}

TEST_CASE("a queued job keeps its exact payload", "[store]") {
  TempDir dir;
  auto store = open_store((dir / "livyd.db").string());
  REQUIRE(store->insert_session(session(0)).is_ok());
  const std::string pickle("\x80\x05\x00\x00\xfe", 5);
  REQUIRE(store->insert_job(job(0, 0, pickle), Durability::kSynced).is_ok());
  auto jobs = store->load_jobs(0);
  REQUIRE(jobs.has_value());
  REQUIRE(jobs->size() == 1);
  CHECK(jobs->front().job.state == JobState::kQueued);
  CHECK(jobs->front().payload == pickle);
}

TEST_CASE("a version 3 store migrates to the current version and keeps its sessions and statements", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  // What a livyd of schema version 3 left: the schema-4 fixture without its jobs table.
  std::filesystem::copy_file(LIVY_SOURCE_DIR "/tests/fixtures/store/schema4.sqlite", path);
  raw_sql(path, "DROP TABLE jobs; PRAGMA user_version = 3;");
  {
    auto store = open_store(path);
    auto sessions = store->load_sessions();
    REQUIRE(sessions.has_value());
    REQUIRE(sessions->size() == 6);
    CHECK(sessions->front().secret == "secret-0-0123456789abcdef");
    auto statements = store->load_statements(0);
    REQUIRE(statements.has_value());
    REQUIRE(statements->size() == 7);
    CHECK(statements->front().code == "1 + 0");
    CHECK(store->setting("driver-port") == "41234");
    CHECK(store->load_jobs(0)->empty());
    REQUIRE(store->insert_job(job(0, 0, "payload"), Durability::kSynced).is_ok());
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(q) == SQLITE_ROW);
  CHECK(sqlite3_column_int(q, 0) == Store::kSchemaVersion);
  sqlite3_finalize(q);
  sqlite3_close(db);
}

TEST_CASE("a store one schema version ahead is refused, and left as it was", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  {
    auto store = open_store(path);
    REQUIRE(store->insert_session(session(1)).is_ok());
  }
  raw_sql(path, "PRAGMA user_version = " + std::to_string(Store::kSchemaVersion + 1));
  const auto s = Store::open(path);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.status().code() == livy::ErrorCode::kUnavailable);
  raw_sql(path, "PRAGMA user_version = " + std::to_string(Store::kSchemaVersion));
  CHECK(open_store(path)->load_sessions()->size() == 1);
}

TEST_CASE("a job row with an unknown state is reported, not guessed", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  {
    auto store = open_store(path);
    REQUIRE(store->insert_session(session(0)).is_ok());
    REQUIRE(store->insert_job(job(0, 0, "x"), Durability::kSynced).is_ok());
  }
  raw_sql(path, "UPDATE jobs SET state = 'LOST'");
  CHECK(open_store(path)->load_jobs(0).status().code() == livy::ErrorCode::kUnavailable);
}
