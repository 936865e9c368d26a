// Schema 4 -> 5 -> 6 on a store written by schema-4 livyd, and 5 -> 6 on one written by schema-5
// livyd (tests/fixtures/store/schema4.sqlite and schema5.sqlite, see their README): every row comes
// across with its values, in one transaction per version.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "store/store.h"
#include "support/temp_dir.h"

using namespace std::chrono_literals;
using livy::BatchState;
using livy::JobState;
using livy::SessionKind;
using livy::SessionState;
using livy::StatementState;
using livy::Durability;
using livy::Statement;
using livy::Store;
using livy_test::TempDir;

namespace {

const char* const kFixture = LIVY_SOURCE_DIR "/tests/fixtures/store/schema4.sqlite";
const char* const kFixture5 = LIVY_SOURCE_DIR "/tests/fixtures/store/schema5.sqlite";
const char* const kFixture6 = LIVY_SOURCE_DIR "/tests/fixtures/store/schema6.sqlite";
const char* const kFixture7 = LIVY_SOURCE_DIR "/tests/fixtures/store/schema7.sqlite";

// A copy of a fixture: opening migrates in place, and the fixture must stay as it is.
std::string fixture_copy(const TempDir& dir, const char* fixture = kFixture) {
  const std::string path = (dir / "livyd.db").string();
  std::filesystem::copy_file(fixture, path);
  return path;
}

std::unique_ptr<Store> open_store(const std::string& path) {
  auto s = Store::open(path);
  if (!s) FAIL("Store::open: " << s.status().message());
  return std::move(*s);
}

// The first column of the first row of `sql`, as text ("" for none).
std::string raw_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr);
  INFO(sqlite3_errmsg(db));
  REQUIRE(rc == SQLITE_OK);
  std::string out;
  if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
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

}  // namespace

TEST_CASE("the schema-4 fixture is what it says", "[store]") {
  CHECK(raw_query(kFixture, "PRAGMA user_version") == "4");
  CHECK(raw_query(kFixture, "SELECT request FROM batches WHERE id = 1") == R"({"file":"/jobs/pi.py"})");
}

TEST_CASE("a schema-4 store migrates to schema 5 (and on) with every row and value", "[store]") {
  TempDir dir;
  const std::string path = fixture_copy(dir);
  {
    auto store = open_store(path);
    CHECK(raw_query(path, "PRAGMA user_version") == std::to_string(Store::kSchemaVersion));

    auto batches = store->load_batches();
    REQUIRE(batches.has_value());
    REQUIRE(batches->size() == 3);
    const auto& etl = (*batches)[0];
    CHECK(etl.id == 0);
    CHECK(etl.name == "nightly-etl");
    CHECK(etl.owner == "alice");
    CHECK(etl.proxy_user == "etl");
    CHECK(etl.state == BatchState::kRunning);
    CHECK(etl.pid == 4242);
    CHECK(etl.pid_identity == "boot-1:98765");
    CHECK(etl.app_id == "application_1765000000000_0001");
    CHECK(etl.spark_ui_url == "http://node-1:4040");
    CHECK(etl.log_path == "/data/batches/0/output.log");
    CHECK(etl.status_path == "/data/batches/0/exit-status");
    CHECK(etl.created_ms == 1'765'000'000'000);
    CHECK(etl.ended_ms == 0);
    CHECK_FALSE(etl.forgotten);
    const livy::BatchRequest& r = etl.request;
    CHECK(r.file == "hdfs:///apps/etl.jar");
    CHECK(r.class_name == "com.example.Etl");
    CHECK(r.args == std::vector<std::string>{"--day", "2026-12-06", "ünïcode arg"});
    CHECK(r.name == "nightly-etl");
    CHECK(r.proxy_user == "etl");
    CHECK(r.resources.jars == std::vector<std::string>{"/opt/a.jar", "/opt/b.jar"});
    CHECK(r.resources.py_files == std::vector<std::string>{"/opt/lib.zip"});
    CHECK(r.resources.files == std::vector<std::string>{"/opt/conf.json"});
    CHECK(r.resources.archives == std::vector<std::string>{"/opt/env.tar.gz#env"});
    CHECK(r.resources.driver_memory == "2g");
    CHECK(r.resources.driver_cores == 2);
    CHECK(r.resources.executor_memory == "4g");
    CHECK(r.resources.executor_cores == 3);
    CHECK(r.resources.num_executors == 5);
    CHECK(r.resources.queue == "etl");
    CHECK(r.resources.conf ==
          std::map<std::string, std::string>{{"spark.sql.shuffle.partitions", "64"}, {"spark.app.tag", "a\"quoted\""}});

    const auto& pi = (*batches)[1];
    CHECK(pi.id == 1);
    CHECK_FALSE(pi.name);
    CHECK_FALSE(pi.owner);
    CHECK(pi.state == BatchState::kSuccess);
    CHECK(pi.pid == 5151);
    CHECK(pi.ended_ms == 1'765'000'009'000);
    CHECK(pi.request.file == "/jobs/pi.py");
    CHECK_FALSE(pi.request.class_name);
    CHECK(pi.request.args.empty());
    CHECK(pi.request.resources.conf.empty());
    CHECK_FALSE(pi.request.resources.driver_memory);

    const auto& gone = (*batches)[2];
    CHECK(gone.forgotten);
    CHECK(gone.state == BatchState::kKilled);
    CHECK(gone.owner == "bob");
    CHECK(gone.request.file == "/jobs/gone.R");
    CHECK(gone.request.args == std::vector<std::string>{"x"});

    auto sessions = store->load_sessions();
    REQUIRE(sessions.has_value());
    REQUIRE(sessions->size() == 6);
    const std::optional<SessionKind> kinds[] = {SessionKind::kPySpark, SessionKind::kSpark,  SessionKind::kSparkR,
                                                SessionKind::kSql,     SessionKind::kShared, std::nullopt};
    for (int i = 0; i < 6; ++i) {
      const auto& s = (*sessions)[static_cast<std::size_t>(i)];
      INFO("session " << i);
      CHECK(s.id == i);
      CHECK(s.kind == kinds[i]);
      CHECK(s.request.kind == kinds[i]);
      CHECK(s.name == (i % 2 == 0 ? std::optional<std::string>("notebook-" + std::to_string(i)) : std::nullopt));
      CHECK(s.request.name == s.name);
      CHECK(s.owner == (i == 5 ? std::nullopt : std::optional<std::string>(i % 2 == 0 ? "alice" : "dave")));
      CHECK(s.secret == "secret-" + std::to_string(i) + "-0123456789abcdef");
      CHECK(s.pid == 6000 + i);
      CHECK(s.pid_identity == "boot-1:" + std::to_string(70000 + i));
      CHECK(s.created_ms == 1'765'000'100'000 + i * 1000);
      CHECK(s.log_path == "/data/sessions/" + std::to_string(i) + "/driver.log");
      CHECK(s.status_path == "/data/sessions/" + std::to_string(i) + "/exit-status");
      CHECK(s.state == (i < 3 ? SessionState::kIdle : (i == 3 ? SessionState::kBusy : SessionState::kDead)));
      CHECK(s.ended_ms == (i >= 4 ? 1'765'000'200'000 + i : 0));
      CHECK(s.forgotten == (i == 5));
      CHECK(s.app_id == (i < 4 ? std::optional<std::string>("local-176500010000" + std::to_string(i)) : std::nullopt));
    }
    const auto& nb = (*sessions)[0];
    CHECK(nb.spark_ui_url == "http://127.0.0.1:4040");
    CHECK(nb.request.resources.conf ==
          std::map<std::string, std::string>{{"spark.executor.instances", "2"},
                                             {"spark.dynamicAllocation.enabled", "false"}});
    CHECK(nb.request.resources.driver_memory == "1g");
    CHECK(nb.request.resources.py_files == std::vector<std::string>{"/opt/helpers.py"});
    CHECK(nb.request.heartbeat_timeout_s == 60);
    CHECK(nb.request.ttl == std::chrono::milliseconds(2h));
    CHECK(nb.request.idle_timeout == std::chrono::milliseconds(15min));
    CHECK((*sessions)[1].proxy_user == "carol");
    CHECK((*sessions)[1].request.proxy_user == "carol");
    CHECK((*sessions)[1].request.heartbeat_timeout_s == 0);
    CHECK_FALSE((*sessions)[1].request.ttl);
    CHECK((*sessions)[2].request.idle_timeout == std::chrono::milliseconds(90s));

    auto statements = store->load_statements(0);
    REQUIRE(statements.has_value());
    REQUIRE(statements->size() == 7);
    const StatementState states[] = {StatementState::kWaiting,  StatementState::kRunning,    StatementState::kAvailable,
                                     StatementState::kError,    StatementState::kCancelling, StatementState::kCancelled,
                                     StatementState::kAvailable};
    for (int i = 0; i < 7; ++i) {
      const auto& st = (*statements)[static_cast<std::size_t>(i)];
      INFO("statement " << i);
      CHECK(st.id == i);
      CHECK(st.state == states[i]);
      CHECK(st.code == (i == 6 ? "for i in range(3):\n    print('é', i)\n" : "1 + " + std::to_string(i)));
      CHECK(st.started_ms == (i == 0 ? 0 : 1'765'000'300'000 + i));
      CHECK(st.completed_ms == (is_final(st.state) ? 1'765'000'300'500 + i : 0));
      CHECK(st.progress == (is_final(st.state) ? 1.0 : (i == 0 ? 0.0 : 0.5)));
    }
    CHECK((*statements)[4].kind == SessionKind::kSql);
    CHECK((*statements)[6].kind == SessionKind::kPySpark);
    CHECK_FALSE((*statements)[0].kind);
    CHECK_FALSE((*statements)[0].output);
    REQUIRE((*statements)[2].output);
    CHECK((*statements)[2].output->ok);
    CHECK((*statements)[2].output->execution_count == 3);
    CHECK((*statements)[2].output->text() == "3");
    CHECK((*statements)[2].output->data.at("application/json") == R"({"rows":[[1,"a"]],"schema":"x"})");
    REQUIRE((*statements)[3].output);
    CHECK_FALSE((*statements)[3].output->ok);
    CHECK((*statements)[3].output->ename == "NameError");
    CHECK((*statements)[3].output->evalue == "name 'nope' is not defined");
    CHECK((*statements)[3].output->traceback.size() == 3);
    CHECK((*statements)[6].output->text() == "7");
    auto busy = store->load_statements(3);
    REQUIRE(busy.has_value());
    REQUIRE(busy->size() == 1);
    CHECK(busy->front().code == "spark.range(10).count()");
    CHECK(busy->front().state == StatementState::kRunning);
    CHECK(busy->front().progress == 0.25);
    CHECK(busy->front().started_ms == 1'765'000'400'000);

    auto jobs = store->load_jobs(0);
    REQUIRE(jobs.has_value());
    REQUIRE(jobs->size() == 5);
    const JobState job_states[] = {JobState::kQueued, JobState::kStarted, JobState::kSucceeded, JobState::kFailed,
                                   JobState::kCancelled};
    for (int i = 0; i < 5; ++i) {
      const auto& j = (*jobs)[static_cast<std::size_t>(i)];
      INFO("job " << i);
      CHECK(j.job.id == i);
      CHECK(j.job.state == job_states[i]);
      CHECK(j.type == (i == 4 ? livy::JobType::kSpark : livy::JobType::kPySpark));
      const std::string payload =
          std::string("\x80\x04\x95payload-", 11) + std::to_string(i) + std::string("\0\xff", 2);
      CHECK(j.payload == (is_final(j.job.state) ? "" : payload));
    }
    CHECK((*jobs)[2].job.result == "gASVBgAAAAAAAABLKi4=");
    CHECK((*jobs)[3].job.error == "Traceback: ZeroDivisionError");

    CHECK(store->setting("driver-port") == "41234");
    // The counters came across: no id is handed out twice.
    CHECK(*store->allocate_id("batch") == 3);
    CHECK(*store->allocate_id("session") == 6);
  }
  // On the file: the requests are records now (livyd's names, a version), no longer REST bodies.
  CHECK(raw_query(path, "SELECT request_record FROM batches WHERE id = 1") ==
        R"({"v":1,"file":"/jobs/pi.py","resources":{}})");
  CHECK_THAT(raw_query(path, "SELECT request_record FROM sessions WHERE id = 0"),
             Catch::Matchers::Contains(R"("ttl_ms":7200000)") && Catch::Matchers::Contains(R"("v":1)"));
  CHECK(raw_query(path, "SELECT count(*) FROM pragma_table_info('sessions') WHERE name = 'request'") == "0");
}

TEST_CASE("a row that cannot be migrated stops the migration and leaves the store at schema 4", "[store]") {
  TempDir dir;
  const std::string path = fixture_copy(dir);
  raw_sql(path, "UPDATE sessions SET request = '{\"kind\":\"cobol\"}' WHERE id = 3");
  const auto s = Store::open(path);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.status().code() == livy::ErrorCode::kUnavailable);
  CHECK_THAT(s.status().message(), Catch::Matchers::Contains("sessions row 3"));
  // One transaction: nothing of the migration is left, not even the batches it had converted.
  CHECK(raw_query(path, "PRAGMA user_version") == "4");
  CHECK(raw_query(path, "SELECT request FROM batches WHERE id = 1") == R"({"file":"/jobs/pi.py"})");
  CHECK(raw_query(path, "SELECT request FROM sessions WHERE id = 3") == R"({"kind":"cobol"})");
  // Mended by hand, it migrates.
  raw_sql(path, "UPDATE sessions SET request = '{\"kind\":\"sql\"}' WHERE id = 3");
  auto store = open_store(path);
  CHECK((*store->load_sessions(3))[0].request.kind == SessionKind::kSql);
}

TEST_CASE("a store with a record of a newer record version is refused, not guessed", "[store]") {
  TempDir dir;
  const std::string path = fixture_copy(dir);
  { open_store(path); }
  raw_sql(path, "UPDATE batches SET request_record = '{\"v\":2,\"file\":\"/x.py\",\"priority\":1}' WHERE id = 1");
  auto store = open_store(path);
  const auto batches = store->load_batches();
  REQUIRE_FALSE(batches.has_value());
  CHECK_THAT(batches.status().message(),
             Catch::Matchers::Contains("batch 1") && Catch::Matchers::Contains("version 2"));
}

TEST_CASE("the schema-5 fixture is what it says", "[store]") {
  CHECK(raw_query(kFixture5, "PRAGMA user_version") == "5");
  CHECK(raw_query(kFixture5, "SELECT count(*) FROM pragma_table_info('batches') WHERE name = 'cluster_tag'") == "0");
}

TEST_CASE("a schema-5 store migrates to schema 6: every row, no tag or log link yet, and they are kept", "[store]") {
  TempDir dir;
  const std::string path = fixture_copy(dir, kFixture5);
  auto store = open_store(path);
  CHECK(raw_query(path, "PRAGMA user_version") == std::to_string(Store::kSchemaVersion));

  const auto batches = store->load_batches();
  REQUIRE(batches.has_value());
  REQUIRE(batches->size() == 3);
  const auto& etl = (*batches)[0];
  CHECK(etl.id == 0);
  CHECK(etl.name == "nightly-etl");
  CHECK(etl.owner == "alice");
  CHECK(etl.request.file == "hdfs:///apps/etl.jar");
  CHECK(etl.request.class_name == "com.example.Etl");
  CHECK(etl.request.args == std::vector<std::string>{"--day", "2026-12-06"});
  CHECK(etl.request.resources.queue == "etl");
  CHECK(etl.request.resources.conf.at("spark.sql.shuffle.partitions") == "64");
  CHECK(etl.state == BatchState::kRunning);
  CHECK(etl.pid == 4242);
  CHECK(etl.pid_identity == "boot-1:98765");
  CHECK(etl.app_id == "application_1765100000000_0001");
  CHECK(etl.spark_ui_url == "http://node-1:8088/proxy/application_1765100000000_0001/");
  CHECK(etl.log_path == "/data/batches/0/output.log");
  CHECK(etl.created_ms == 1'765'100'000'000);
  CHECK(etl.ended_ms == 0);
  CHECK(etl.cluster_tag.empty());
  CHECK_FALSE(etl.driver_log_url);
  CHECK((*batches)[1].state == BatchState::kSuccess);
  CHECK((*batches)[1].ended_ms == 1'765'100'009'001);
  CHECK((*batches)[2].state == BatchState::kKilled);
  CHECK((*batches)[2].forgotten);

  const auto sessions = store->load_sessions();
  REQUIRE(sessions.has_value());
  REQUIRE(sessions->size() == 2);
  CHECK((*sessions)[0].name == "notebook");
  CHECK((*sessions)[0].kind == SessionKind::kPySpark);
  CHECK((*sessions)[0].state == SessionState::kIdle);
  CHECK((*sessions)[0].app_id == "local-1765100100000");
  CHECK((*sessions)[0].secret == "secret-0");
  CHECK((*sessions)[0].pid == 6000);
  CHECK((*sessions)[0].cluster_tag.empty());
  CHECK((*sessions)[1].state == SessionState::kDead);
  CHECK((*sessions)[1].ended_ms == 1'765'100'200'000);
  const auto statements = store->load_statements(0);
  REQUIRE(statements.has_value());
  REQUIRE(statements->size() == 1);
  CHECK((*statements)[0].code == "1 + 1");
  CHECK(store->setting("driver-port") == "41235");
  CHECK(*store->allocate_id("batch") == 3);
  CHECK(*store->allocate_id("session") == 2);

  // The new columns are written and read back by both tables' one update.
  auto b = etl;
  b.cluster_tag = "livy-batch-0-abcdefgh";
  b.driver_log_url = "http://nm:8042/logs";
  b.state = BatchState::kSuccess;
  b.ended_ms = 1'765'100'500'000;
  REQUIRE(store->update_batch(b).is_ok());
  auto s0 = (*sessions)[0];
  s0.cluster_tag = "livy-session-0-abcdefgh";
  s0.driver_log_url = "http://nm:8042/session-logs";
  REQUIRE(store->update_session(s0).is_ok());
  const auto b2 = (*store->load_batches(0))[0];
  CHECK(b2.cluster_tag == "livy-batch-0-abcdefgh");
  CHECK(b2.driver_log_url == "http://nm:8042/logs");
  CHECK(b2.state == BatchState::kSuccess);
  CHECK(b2.ended_ms == 1'765'100'500'000);
  CHECK(b2.app_id == etl.app_id);
  const auto s2 = (*store->load_sessions(0))[0];
  CHECK(s2.cluster_tag == "livy-session-0-abcdefgh");
  CHECK(s2.driver_log_url == "http://nm:8042/session-logs");
  CHECK(s2.state == SessionState::kIdle);
}

TEST_CASE("the schema-6 fixture is what it says", "[store]") {
  CHECK(raw_query(kFixture6, "PRAGMA user_version") == "6");
  CHECK(raw_query(kFixture6, "SELECT count(*) FROM pragma_table_info('statements') WHERE name = 'submitted_ms'") ==
        "0");
}

TEST_CASE("a schema-6 store migrates to the current schema: every row, the monitoring times unknown (0), then kept",
          "[store]") {
  TempDir dir;
  const std::string path = fixture_copy(dir, kFixture6);
  auto store = open_store(path);
  CHECK(raw_query(path, "PRAGMA user_version") == std::to_string(Store::kSchemaVersion));

  const auto batches = store->load_batches();
  REQUIRE(batches.has_value());
  REQUIRE(batches->size() == 2);
  const auto& etl = (*batches)[0];
  CHECK(etl.name == "nightly-etl");
  CHECK(etl.request.file == "hdfs:///apps/etl.jar");
  CHECK(etl.state == BatchState::kRunning);
  CHECK(etl.pid == 5252);
  CHECK(etl.pid_identity == "boot-2:12345");
  CHECK(etl.app_id == "application_1765200000000_0001");
  CHECK(etl.cluster_tag == "livy-batch-0-abcdefgh");
  CHECK(etl.driver_log_url == "http://nm-1:8042/node/containerlogs/container_1765200000000_0001_01_000001/alice");
  CHECK(etl.created_ms == 1'765'200'000'000);
  CHECK(etl.started_ms == 0);
  CHECK(etl.ready_ms == 0);
  CHECK((*batches)[1].state == BatchState::kSuccess);
  CHECK((*batches)[1].ended_ms == 1'765'200'009'001);

  const auto sessions = store->load_sessions();
  REQUIRE(sessions.has_value());
  REQUIRE(sessions->size() == 1);
  auto s = (*sessions)[0];
  CHECK(s.name == "notebook");
  CHECK(s.state == SessionState::kIdle);
  CHECK(s.app_id == "local-1765200100000");
  CHECK(s.secret == "secret-0");
  CHECK(s.created_ms == 1'765'200'100'000);
  CHECK(s.started_ms == 0);
  CHECK(s.ready_ms == 0);
  const auto statements = store->load_statements(0);
  REQUIRE(statements.has_value());
  REQUIRE(statements->size() == 2);
  CHECK((*statements)[0].code == "1 + 1");
  CHECK((*statements)[0].state == StatementState::kAvailable);
  CHECK((*statements)[0].started_ms == 1'765'200'130'000);
  CHECK((*statements)[0].completed_ms == 1'765'200'130'250);
  CHECK((*statements)[0].submitted_ms == 0);
  CHECK((*statements)[1].state == StatementState::kWaiting);
  CHECK(store->setting("driver-port") == "41236");
  CHECK(*store->allocate_id("batch") == 2);
  CHECK(*store->allocate_id("session") == 1);

  // The new columns are written and read back.
  auto b = etl;
  b.started_ms = 1'765'200'000'100;
  b.ready_ms = 1'765'200'003'000;
  REQUIRE(store->update_batch(b).is_ok());
  s.started_ms = 1'765'200'100'050;
  s.ready_ms = 1'765'200'120'000;
  REQUIRE(store->update_session(s).is_ok());
  Statement next;
  next.id = 2;
  next.code = "3 + 3";
  next.submitted_ms = 1'765'200'140'000;
  REQUIRE(store->insert_statement(0, next, Durability::kSynced).is_ok());
  CHECK((*store->load_batches(0))[0].started_ms == 1'765'200'000'100);
  CHECK((*store->load_batches(0))[0].ready_ms == 1'765'200'003'000);
  CHECK((*store->load_sessions(0))[0].started_ms == 1'765'200'100'050);
  CHECK((*store->load_sessions(0))[0].ready_ms == 1'765'200'120'000);
  CHECK((*store->load_statements(0))[2].submitted_ms == 1'765'200'140'000);
}

TEST_CASE("the schema-7 fixture is what it says", "[store]") {
  CHECK(raw_query(kFixture7, "PRAGMA user_version") == "7");
  CHECK(raw_query(kFixture7, "SELECT count(*) FROM sqlite_master WHERE name = 'idempotency_keys'") == "0");
}

TEST_CASE("a schema-7 store migrates to schema 8: every row kept, no idempotency key yet, then keys kept",
          "[store]") {
  TempDir dir;
  const std::string path = fixture_copy(dir, kFixture7);
  auto store = open_store(path);
  CHECK(raw_query(path, "PRAGMA user_version") == "8");

  const auto batches = store->load_batches();
  REQUIRE(batches.has_value());
  REQUIRE(batches->size() == 2);
  CHECK((*batches)[0].name == "nightly-etl");
  CHECK((*batches)[0].state == BatchState::kRunning);
  CHECK((*batches)[0].app_id == "application_1765200000000_0001");
  CHECK((*batches)[0].started_ms == 1'765'200'000'040);
  CHECK((*batches)[0].ready_ms == 1'765'200'003'000);
  CHECK((*batches)[1].state == BatchState::kSuccess);
  const auto sessions = store->load_sessions();
  REQUIRE(sessions.has_value());
  REQUIRE(sessions->size() == 1);
  CHECK((*sessions)[0].secret == "secret-0");
  CHECK((*sessions)[0].started_ms == 1'765'200'100'030);
  CHECK((*sessions)[0].ready_ms == 1'765'200'102'800);
  const auto statements = store->load_statements(0);
  REQUIRE(statements.has_value());
  REQUIRE(statements->size() == 2);
  CHECK((*statements)[0].submitted_ms == 1'765'200'129'990);
  CHECK((*statements)[1].code == "2 + 2");
  CHECK(store->setting("driver-port") == "41236");
  CHECK(*store->allocate_id("batch") == 2);

  const auto none = store->load_idempotency_keys(0);
  REQUIRE(none.has_value());
  CHECK(none->empty());
  REQUIRE(store->insert_idempotency_key({"alice", "retry-1", "batch", "f00d", 2, 1'765'300'000'000}).is_ok());
  REQUIRE(store->insert_idempotency_key({"", "retry-1", "session", "beef", 1, 1'765'300'000'500}).is_ok());
  const auto keys = store->load_idempotency_keys(1'765'300'000'000);
  REQUIRE(keys.has_value());
  REQUIRE(keys->size() == 2);
  CHECK((*keys)[0].owner == "alice");
  CHECK((*keys)[0].fingerprint == "f00d");
  CHECK((*keys)[0].object_id == 2);
  CHECK((*keys)[1].owner == "");
  CHECK((*keys)[1].kind == "session");
  REQUIRE(store->delete_idempotency_keys(1'765'300'000'500).is_ok());
  CHECK(store->load_idempotency_keys(0)->size() == 1);
}
