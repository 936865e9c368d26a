// Every object of lib/wire: encoded, decoded, compared equal, for plain and edge
// values (empty, unset, unicode, bytes that need escaping, the extremes of
// integers, big conf maps). A field an encoder forgets, or writes under another
// name than its decoder reads, fails here.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "wire/driver_messages.h"
#include "wire/job_json.h"
#include "wire/output_json.h"
#include "wire/reply_json.h"
#include "wire/request_json.h"
#include "wire/statement_json.h"

using namespace livy;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
// Quotes, backslashes, controls, a NUL, 2-, 3- and 4-byte UTF-8, a line separator.
const std::string kOdd = std::string("a \"q\" \\ \t\n\r\x01 ") + '\0' + " caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8";

SparkResources full_resources() {
  SparkResources r;
  r.jars = {"hdfs:///a.jar", kOdd};
  r.py_files = {"dep.py"};
  r.files = {"", "f.txt"};
  r.archives = {"env.tgz#env"};
  r.driver_memory = "2g";
  r.driver_cores = std::numeric_limits<int>::max();
  r.executor_memory = "512m";
  r.executor_cores = 1;
  r.num_executors = 3;
  r.queue = kOdd;
  for (int i = 0; i < 200; ++i) r.conf["spark.k" + std::to_string(i)] = std::to_string(i);
  r.conf[kOdd] = kOdd;
  r.conf["spark.empty"] = "";
  return r;
}

StatementOutput ok_output() {
  StatementOutput o;
  o.execution_count = kMax;
  o.data["text/plain"] = wire::json_string_literal(kOdd);
  // Data values are kept as the JSON text RapidJSON writes (a double in the digits its
  // Grisu2 picks: 0.30000000000000004 comes back as 0.30000000000000007, the same double).
  o.data["application/json"] = R"({"a":[1,null,true,-9223372036854775808,18446744073709551615,0.5,1e300],"b":{}})";
  o.data["application/vnd.livy.table.v1+json"] = R"({"headers":[],"data":[]})";
  return o;
}

StatementOutput error_output() {
  StatementOutput o;
  o.ok = false;
  o.execution_count = 0;
  o.ename = "NameError";
  o.evalue = kOdd;
  o.traceback = {"Traceback (most recent call last):", "", kOdd};
  return o;
}

}  // namespace

TEST_CASE("requests: batch, session, statement, completion, job, resource", "[wire][round-trip]") {
  for (const BatchRequest& b : {BatchRequest{}, BatchRequest{"pi.py", "org.Main", {"1", kOdd, ""}, "etl", "bob",
                                                             full_resources()}}) {
    const auto again = wire::decode_batch_request(wire::encode_batch_request(b));
    REQUIRE(again);
    CHECK(*again == b);
  }

  SessionRequest full{SessionKind::kSql, "nb \xe2\x82\xac", kOdd, full_resources(), 60, 1500ms, 36h};
  SessionRequest max_heartbeat;
  max_heartbeat.heartbeat_timeout_s = std::numeric_limits<int>::max();
  for (const SessionRequest& s : {SessionRequest{}, full, max_heartbeat}) {
    const auto again = wire::decode_session_request(wire::encode_session_request(s));
    REQUIRE(again);
    CHECK(*again == s);
  }
  // Every kind reads back as itself (aliases are for reading only).
  for (auto kind : {SessionKind::kSpark, SessionKind::kPySpark, SessionKind::kSparkR, SessionKind::kSql,
                    SessionKind::kShared}) {
    SessionRequest s;
    s.kind = kind;
    CHECK(*wire::decode_session_request(wire::encode_session_request(s)) == s);
  }

  for (const StatementRequest& st : {StatementRequest{}, StatementRequest{kOdd, SessionKind::kSparkR}}) {
    const auto again = wire::decode_statement_request(wire::encode_statement_request(st));
    REQUIRE(again);
    CHECK(*again == st);
  }
  for (const wire::CompletionRequest& c :
       {wire::CompletionRequest{"", std::nullopt, 0}, wire::CompletionRequest{kOdd, SessionKind::kSpark, kMax}}) {
    const auto again = wire::decode_completion_request(wire::encode_completion_request(c));
    REQUIRE(again);
    CHECK(*again == c);
  }

  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  for (const JobRequest& j : {JobRequest{"x", JobType::kSpark, false}, JobRequest{all_bytes, JobType::kPySpark, false}}) {
    const auto again = wire::decode_job_request(wire::encode_job_request(j));
    REQUIRE(again);
    CHECK(*again == j);
  }
  for (const std::string& uri : std::vector<std::string>{"hdfs:///x.jar", kOdd}) {
    const auto again = wire::decode_resource_request(wire::encode_resource_request(uri));
    REQUIRE(again);
    CHECK(*again == uri);
  }
}

TEST_CASE("replies: version, batch, session, state, log, message", "[wire][round-trip]") {
  for (const ServerVersion& v : {ServerVersion{"0.9.0", "u", "abc", "main", "2026-01-01", "livyd", "0.1.0"},
                                 ServerVersion{"0.8.0-incubating", std::nullopt, std::nullopt, std::nullopt,
                                               std::nullopt, std::nullopt, std::nullopt}}) {
    CHECK(*wire::decode_version(wire::encode_version(v)) == v);
  }

  Batch full_batch{kMax, "etl", "alice", kOdd, BatchState::kRunning, "application_1_2", {"http://d", kOdd, kOdd},
                   {"", kOdd, "line"}, Timeline{}};
  for (const Batch& b : {Batch{}, full_batch}) CHECK(*wire::decode_batch(wire::encode_batch(b)) == b);
  const Page<Batch> batches{kMax, kMax, {Batch{}, full_batch}};
  CHECK(*wire::decode_batch_page(wire::encode_batch_page(batches)) == batches);
  CHECK(wire::decode_batch_page(wire::encode_batch_page(Page<Batch>{}))->items.empty());

  // A Session's request echoes its kind, name and proxy user (decoded from the top-level
  // fields); an unset kind is "shared" and 0 is an unset int, so these are set here.
  Session s;
  s.id = 0;
  s.name = "nb";
  s.owner = kOdd;
  s.proxy_user = "bob";
  s.kind = SessionKind::kPySpark;
  s.state = SessionState::kShuttingDown;
  s.app_id = "local-1";
  s.app_info = {std::nullopt, "http://127.0.0.1:4040", "executor-1#http://nm:8042/logs;executor-2#http://nm2:8042/logs"};
  s.log = {kOdd};
  s.request = SessionRequest{s.kind, s.name, s.proxy_user, full_resources(), 60, 10min, 1h};
  Session bare;
  bare.kind = SessionKind::kShared;
  bare.request.kind = SessionKind::kShared;
  for (const Session& x : {s, bare}) CHECK(*wire::decode_session(wire::encode_session(x)) == x);
  const Page<Session> sessions{3, 5, {s, bare}};
  CHECK(*wire::decode_session_page(wire::encode_session_page(sessions)) == sessions);

  for (auto state : {SessionState::kNotStarted, SessionState::kStarting, SessionState::kRecovering,
                     SessionState::kIdle, SessionState::kBusy, SessionState::kShuttingDown, SessionState::kError,
                     SessionState::kDead, SessionState::kKilled, SessionState::kSuccess}) {
    CHECK(*wire::decode_session_state(wire::encode_state(kMin, to_string(state))) == state);
  }
  for (auto state : {BatchState::kNotStarted, BatchState::kStarting, BatchState::kRunning, BatchState::kSuccess,
                     BatchState::kDead, BatchState::kKilled, BatchState::kError}) {
    CHECK(*wire::decode_batch_state(wire::encode_state(1, to_string(state))) == state);
  }

  for (const LogPage& page : {LogPage{}, LogPage{7, kMax, kMax, std::vector<std::string>(1000, kOdd)}}) {
    CHECK(*wire::decode_log(wire::encode_log(page)) == page);
  }

  for (const std::string& msg : std::vector<std::string>{"", kOdd, "Session '7' not found."}) {
    CHECK(wire::decode_message(wire::encode_message(msg)) == msg);
  }
}

TEST_CASE("replies: statement, statement page, candidates, job", "[wire][round-trip]") {
  // Livy's Statement has no kind: it does not travel, so it is left unset here.
  Statement waiting;
  Statement done{kMax, kOdd, std::nullopt, StatementState::kAvailable, ok_output(), 1.0, kMax, 0, 0};
  Statement failed{2, "", std::nullopt, StatementState::kAvailable, error_output(), 0.30000000000000004, 1, 2, 0};
  Statement cancelled{3, "x", std::nullopt, StatementState::kCancelled, std::nullopt, 5e-324, 0, 0, 0};
  for (const Statement& st : {waiting, done, failed, cancelled}) {
    CHECK(*wire::decode_statement(wire::encode_statement(st)) == st);
  }
  const Page<Statement> page{4, kMax, {waiting, done, failed, cancelled}};
  CHECK(*wire::decode_statement_page(wire::encode_statement_page(page), 4) == page);

  for (const std::vector<std::string>& c : {std::vector<std::string>{}, std::vector<std::string>{kOdd, "", "x"}}) {
    CHECK(*wire::decode_candidates(wire::encode_candidates(c)) == c);
  }

  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  for (const Job& j : {Job{0, JobState::kSent, std::nullopt, std::nullopt},
                       Job{kMax, JobState::kSucceeded, all_bytes, std::nullopt},
                       Job{1, JobState::kSucceeded, std::string(), std::nullopt},
                       Job{2, JobState::kFailed, std::nullopt, kOdd}}) {
    CHECK(*wire::decode_job(wire::encode_job(j)) == j);
  }
}

TEST_CASE("detailed: the monitoring member only when asked for, and it round-trips", "[wire][round-trip]") {
  Batch b;
  b.id = 3;
  b.timeline = {1'000, 1'100, 1'500, 0};
  CHECK(wire::encode_batch(b).find("detailed") == std::string::npos);
  CHECK(wire::encode_batch(b, true).find(
            R"(,"detailed":{"createdAt":1000,"startedAt":1100,"runningAt":1500,"endedAt":null,"queuedMs":500}})") !=
        std::string::npos);
  CHECK(*wire::decode_batch(wire::encode_batch(b, true)) == b);
  Batch plain = b;
  plain.timeline = {};
  CHECK(*wire::decode_batch(wire::encode_batch(b)) == plain);
  const Page<Batch> batches{0, 2, {b, plain}};
  CHECK(*wire::decode_batch_page(wire::encode_batch_page(batches, true)) == batches);

  Session s;
  s.kind = SessionKind::kSql;
  s.request.kind = s.kind;
  s.timeline = {2'000, 2'100, 0, 9'000};  // ended without ever being idle: it waited until its end
  s.statements_run = 4;
  CHECK(wire::encode_session(s, true).find(
            R"("detailed":{"createdAt":2000,"startedAt":2100,"idleAt":null,"endedAt":9000,"queuedMs":7000,)"
            R"("statementsRun":4}})") != std::string::npos);
  CHECK(*wire::decode_session(wire::encode_session(s, true)) == s);
  CHECK(wire::encode_session(s).find("detailed") == std::string::npos);
  const Page<Session> sessions{0, 1, {s}};
  CHECK(*wire::decode_session_page(wire::encode_session_page(sessions, true)) == sessions);
  Session old;  // stored by a livyd before the times were kept: nothing is known
  old.kind = SessionKind::kShared;
  old.request.kind = old.kind;
  CHECK(wire::encode_session(old, true).find(
            R"("detailed":{"createdAt":null,"startedAt":null,"idleAt":null,"endedAt":null,"queuedMs":null,)") !=
        std::string::npos);

  Statement ran;
  ran.submitted_ms = 100;
  ran.started_ms = 250;
  ran.completed_ms = 1'250;
  CHECK(wire::encode_statement(ran, true).find(R"("detailed":{"submittedAt":100,"queuedMs":150,"runningMs":1000}})") !=
        std::string::npos);
  CHECK(*wire::decode_statement(wire::encode_statement(ran, true)) == ran);
  Statement cancelled_early;  // cancelled while it waited: it waited until then, and never ran
  cancelled_early.submitted_ms = 100;
  cancelled_early.completed_ms = 400;
  CHECK(wire::encode_statement(cancelled_early, true).find(R"("queuedMs":300,"runningMs":null)") != std::string::npos);
  Statement waiting;
  waiting.submitted_ms = 100;
  CHECK(wire::encode_statement(waiting, true).find(R"("queuedMs":null,"runningMs":null)") != std::string::npos);
  const Page<Statement> page{0, 3, {ran, cancelled_early, waiting}};
  CHECK(*wire::decode_statement_page(wire::encode_statement_page(page, true), 0) == page);

  CHECK_THAT(wire::decode_statement(R"({"id":1,"state":"waiting","detailed":[]})").status().message(),
             Catch::Matchers::Contains("statement.detailed must be an object"));
}

TEST_CASE("statement outputs: ok, error, empty", "[wire][round-trip]") {
  for (const StatementOutput& o : {StatementOutput{}, ok_output(), error_output()}) {
    const auto again = wire::decode_output(wire::encode_output(o));
    REQUIRE(again);
    CHECK(*again == o);
  }
}

TEST_CASE("driver messages, both ways", "[wire][round-trip][driver]") {
  using T = DriverMessage::Type;
  std::vector<DriverMessage> from_driver;
  const auto add = [&](T type, auto fill) {
    DriverMessage m;
    m.type = type;
    fill(m);
    from_driver.push_back(m);
  };
  add(T::kHello, [](DriverMessage& m) {
    m.version = kDriverProtocolVersion;
    m.session_id = kMax;
    m.secret = kOdd;
  });
  add(T::kHello, [](DriverMessage& m) {
    m.version = 1;
    m.session_id = 0;
    m.resume = true;
    m.resume_running = 4;
  });
  add(T::kHello, [](DriverMessage& m) {
    m.resume = true;
    m.resume_last = kMax;
    m.resume_jobs = true;
    m.resume_last_job = 0;
  });
  add(T::kHello, [](DriverMessage& m) {  // a driver of statements in parallel
    m.resume = true;
    m.resume_running = 3;
    m.resume_last = 5;
    m.resume_unanswered = {3, 4};
    m.resume_replay = {2, 5, kMax};
  });
  add(T::kWarming, [](DriverMessage&) {});
  add(T::kReady, [](DriverMessage& m) {
    m.app_id = "local-1";
    m.spark_ui_url = kOdd;
  });
  add(T::kReady, [](DriverMessage&) {});
  add(T::kReady, [](DriverMessage& m) {  // serving Spark Connect, its session shared
    m.connect = livy::ConnectInfo{"127.0.0.1", 65535, kOdd, "3f1c0b7e-0000-4000-8000-000000000001", "livy"};
  });
  add(T::kReady, [](DriverMessage& m) { m.connect = livy::ConnectInfo{"driver-host", 1, "t", "", ""}; });
  add(T::kFatal, [](DriverMessage& m) { m.error = kOdd; });
  add(T::kStarted, [](DriverMessage& m) { m.statement_id = 0; });
  add(T::kProgress, [](DriverMessage& m) {
    m.statement_id = kMax;
    m.progress = 0.30000000000000004;
  });
  add(T::kResult, [](DriverMessage& m) {
    m.statement_id = 1;
    m.progress = 1.0;
    m.output = ok_output();
  });
  add(T::kResult, [](DriverMessage& m) {
    m.statement_id = 2;
    m.cancelled = true;
    m.output = error_output();
  });
  add(T::kCompletion, [](DriverMessage& m) {
    m.request_id = 9;
    m.candidates = {kOdd, "print"};
  });
  add(T::kPong, [](DriverMessage&) {});
  add(T::kJobStarted, [](DriverMessage& m) { m.job_id = 3; });
  add(T::kJobResult, [](DriverMessage& m) {
    m.job_id = kMax;
    m.job_result = "gASVAAAA";
  });
  add(T::kJobResult, [](DriverMessage& m) {
    m.job_id = 0;
    m.job_error = kOdd;
    m.cancelled = true;
  });
  add(T::kResourceAdded, [](DriverMessage& m) { m.request_id = 1; });
  add(T::kResourceAdded, [](DriverMessage& m) {
    m.request_id = 2;
    m.job_error = "no such file";
  });
  add(T::kProtocolError, [](DriverMessage& m) { m.error = kOdd; });
  add(T::kUnknown, [](DriverMessage&) {});
  for (const auto& m : from_driver) {
    const std::string line = encode_driver_message(m);
    INFO(line);
    CHECK(line.find('\n') == line.size() - 1);
    const auto again = decode_driver_message(line);
    REQUIRE(again);
    CHECK(*again == m);
  }

  using L = LivydMessage::Type;
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  const std::vector<LivydMessage> to_driver = {
      {.type = L::kWelcome, .version = kDriverProtocolVersion},
      {.type = L::kRefused, .error = kOdd},
      {.type = L::kExecute, .id = kMax, .code = kOdd, .kind = SessionKind::kSql},
      {.type = L::kCancel, .id = 0},
      {.type = L::kComplete, .request_id = kMax, .code = kOdd, .kind = SessionKind::kSpark, .cursor = kMax},
      {.type = L::kShutdown},
      {.type = L::kJob, .id = 5, .job = all_bytes, .job_type = JobType::kSpark},
      {.type = L::kJobCancel, .id = kMax},
      {.type = L::kAddResource, .request_id = 7, .resource_kind = ResourceKind::kJar, .uri = kOdd},
  };
  for (const auto& m : to_driver) {
    const std::string line = encode_livyd_message(m);
    INFO(line);
    CHECK(line.find('\n') == line.size() - 1);
    const auto again = decode_livyd_message(line);
    REQUIRE(again);
    CHECK(*again == m);
  }
  // The builders livyd calls write the same lines.
  CHECK(execute_message(kMax, kOdd, SessionKind::kSql) == encode_livyd_message(to_driver[2]));
  CHECK(add_resource_message(7, ResourceKind::kJar, kOdd) == encode_livyd_message(to_driver[8]));
}
