// Interactive sessions through a Runtime wired to the scripted launcher, the
// manual clock and a fake Spark home. No process starts: each test plays the
// session's driver itself with a FakeDriver on the real driver channel
// (docs/driver-protocol.md), so the handshake, statements, cancel, completion
// and the lifecycle are checked without Spark. Timeouts: session_timeout_test.cpp;
// restarts: session_recovery_test.cpp.
#include <future>
#include <thread>

#include <rapidjson/document.h>

#include "unit/sessions/session_test_util.h"

using namespace session_test;
using Catch::Matchers::Contains;

// --- creation and the handshake ---

TEST_CASE("create returns the session `starting` and launches the driver's spark-submit", "[session]") {
  TestRuntime t;
  const auto driver_script = t.jobs_dir() / "driver.py";
  livy_test::write_file(driver_script, "# never run\n");
  t.config().driver_script = driver_script.string();
  t.open();
  auto r = pyspark("notebook");
  r.proxy_user = "bob";
  r.resources.driver_memory = "2g";
  r.resources.executor_cores = 3;
  r.resources.conf = {{"spark.sql.shuffle.partitions", "8"}};
  const auto s = t.runtime().sessions().create(r, std::string("alice"));
  REQUIRE(s.has_value());
  CHECK(s->id == 0);
  CHECK(s->state == SessionState::kStarting);
  CHECK(s->name == "notebook");
  CHECK(s->owner == "alice");
  CHECK(s->kind == SessionKind::kPySpark);
  CHECK_FALSE(s->app_id);

  const auto launched = t.launcher().launched();
  REQUIRE(launched.size() == 1);
  const auto& spec = launched[0];
  REQUIRE(spec.argv.size() >= 4);
  CHECK(spec.argv[0] == t.spark().spark_submit());
  CHECK(has_arg_pair(spec.argv, "--master", "local[*]"));
  CHECK(spec.argv.back() == driver_script.string());
  CHECK(has_arg_pair(spec.argv, "--name", "notebook"));
  CHECK(has_arg_pair(spec.argv, "--proxy-user", "bob"));
  CHECK(has_arg_pair(spec.argv, "--driver-memory", "2g"));
  CHECK(has_arg_pair(spec.argv, "--executor-cores", "3"));
  CHECK(has_arg_pair(spec.argv, "--conf", "spark.sql.shuffle.partitions=8"));
  CHECK(has_arg_pair(spec.argv, "--conf", "spark.livy.sql.max-result=1000"));

  // The driver's settings are Spark configuration (they reach a driver in cluster mode too),
  // the secret in the properties file only.
  const auto callback = driver_setting(spec, "callback");
  REQUIRE(callback);
  CHECK_THAT(*callback, Catch::Matchers::StartsWith("127.0.0.1:"));
  CHECK(std::stoi(callback->substr(callback->find(':') + 1)) > 0);
  CHECK(driver_setting(spec, "session-id") == "0");
  const auto secret = driver_setting(spec, "secret");
  REQUIRE(secret);
  CHECK(secret->size() >= 32);
  for (const auto& arg : spec.argv) CHECK(arg.find(*secret) == std::string::npos);
  for (const auto& [key, value] : spec.env) CHECK(value.find(*secret) == std::string::npos);
  CHECK(has_arg_pair(spec.argv, "--properties-file", (t.data_dir() / "sessions" / "0" / "spark-submit.properties").string()));

  CHECK(driver_setting(spec, "session-kind") == "pyspark");
  // Shared by every session: the driver compiles its Scala helper there once.
  CHECK(driver_setting(spec, "cache-dir") == (t.data_dir() / "driver-cache").string());
  CHECK_FALSE(driver_setting(spec, "tls-fingerprint"));  // sessions.driver-tls is off by default

  const auto dir = t.data_dir() / "sessions" / "0";
  CHECK(std::filesystem::path(spec.output_path).parent_path() == dir);
  CHECK(spec.working_dir == dir.string());

  // Without a name, Spark sees livy-session-<id>; every session gets its own secret.
  create_ok(t);
  const auto second = t.launcher().launched().at(1);
  CHECK(has_arg_pair(second.argv, "--name", "livy-session-1"));
  CHECK(driver_setting(second, "secret") != secret);
}

TEST_CASE("the driver is told its session's kind: the canonical name, `shared` when none was asked", "[session]") {
  TestRuntime t;
  t.open();
  livy::SessionRequest spark;
  spark.kind = livy::parse_session_kind("scala");  // Livy's alias of `spark`
  create_ok(t, spark);
  create_ok(t, livy::SessionRequest{});
  CHECK(driver_setting(launch_of(t, 0).spec, "session-kind") == "spark");
  CHECK(driver_setting(launch_of(t, 1).spec, "session-kind") == "shared");
}

namespace {

// livyd answered `refused`, then closed the connection.
bool refused(FakeDriver& driver) {
  const auto answer = driver.next(kWait);
  return answer && answer->type == "refused" && !driver.next(kWait) && driver.closed();
}

}  // namespace

TEST_CASE("hello: a wrong secret, an unknown session or version is refused; the right one attaches", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  const auto env = env_of(t, 0);

  SECTION("a wrong secret") {
    FakeDriver bad(env);
    bad.hello(env.session_id, "not-the-secret");
    CHECK(refused(bad));
  }
  SECTION("an unknown session id, with a real secret") {
    FakeDriver bad(env);
    bad.hello(99, env.secret);
    CHECK(refused(bad));
  }
  SECTION("a protocol version livyd does not speak") {
    FakeDriver bad(env);
    bad.hello(env.session_id, env.secret, 2);
    CHECK(refused(bad));
  }
  SECTION("a first line that is not a hello") {
    FakeDriver bad(env);
    bad.ready("local-1");
    CHECK(refused(bad));
  }
  // A refused driver attaches nothing: the session still waits for its real driver.
  CHECK(state_of(t, 0) == SessionState::kStarting);

  FakeDriver good(env);
  REQUIRE(good.attach("local-1700000000123"));
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }));
  CHECK(t.runtime().sessions().get(0)->app_id == "local-1700000000123");

  // The session has its driver now: a second one is turned away.
  FakeDriver second(env);
  second.hello(env.session_id, env.secret);
  CHECK(refused(second));
  CHECK(state_of(t, 0) == SessionState::kIdle);
}

// --- statements ---

TEST_CASE("a statement submitted before `ready` waits, and is sent once the driver is ready", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  const auto st = submit_ok(t, 0, "1 + 1");
  CHECK(st.id == 0);
  CHECK(st.state == StatementState::kWaiting);
  CHECK(st.kind == SessionKind::kPySpark);  // the session's kind
  CHECK_FALSE(st.output);

  auto driver = connect_driver(t, 0);
  REQUIRE(driver->say_hello());
  CHECK_FALSE(driver->next(kQuiet));  // nothing before `ready`
  CHECK(statement_of(t, 0, 0).state == StatementState::kWaiting);

  driver->ready("local-1");
  const auto execute = expect(*driver, "execute");
  CHECK(execute.id == 0);
  CHECK(execute.code == "1 + 1");
  CHECK(execute.kind == "pyspark");
  CHECK(state_of(t, 0) == SessionState::kBusy);
}

TEST_CASE("statements run one at a time, in order: started, progress, result", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  CHECK(state_of(t, 0) == SessionState::kIdle);

  submit_ok(t, 0, "a = 1");
  CHECK(state_of(t, 0) == SessionState::kBusy);  // sent at once
  submit_ok(t, 0, "a + 1");
  CHECK(expect(*driver, "execute").id == 0);
  CHECK_FALSE(driver->next(kQuiet));  // the second is not sent before the first's result
  CHECK(statement_of(t, 0, 1).state == StatementState::kWaiting);

  driver->started(0);
  REQUIRE(eventually([&] { return statement_of(t, 0, 0).state == StatementState::kRunning; }));
  CHECK(statement_of(t, 0, 0).started_ms == livy::to_epoch_ms(t.clock().now()));
  CHECK(statement_of(t, 0, 0).completed_ms == 0);
  driver->progress(0, 0.25);
  REQUIRE(eventually([&] { return statement_of(t, 0, 0).progress == 0.25; }));
  driver->progress(0, 0.5);
  REQUIRE(eventually([&] { return statement_of(t, 0, 0).progress == 0.5; }));

  t.clock().advance(3s);
  driver->result_ok(0, 0, "");
  const auto first = final_statement(t, 0, 0);
  CHECK(first.state == StatementState::kAvailable);
  REQUIRE(first.output);
  CHECK(first.output->ok);
  CHECK(first.output->execution_count == 0);
  CHECK(first.progress == 1.0);
  CHECK(first.completed_ms - first.started_ms == 3000);

  // The result freed the driver: the next statement goes out, and the session stays busy.
  const auto second_execute = expect(*driver, "execute");
  CHECK(second_execute.id == 1);
  CHECK(second_execute.code == "a + 1");
  CHECK(state_of(t, 0) == SessionState::kBusy);
  driver->started(1);
  driver->result_ok(1, 1, "2");
  const auto second = final_statement(t, 0, 1);
  CHECK(second.state == StatementState::kAvailable);
  REQUIRE(second.output);
  CHECK(second.output->text() == "2");
  CHECK(second.output->execution_count == 1);
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }));

  // An error in the user's code is still an `available` statement.
  submit_ok(t, 0, "y");
  CHECK(expect(*driver, "execute").id == 2);
  driver->started(2);
  driver->result_error(2, 2, "NameError", "name 'y' is not defined");
  const auto third = final_statement(t, 0, 2);
  CHECK(third.state == StatementState::kAvailable);
  REQUIRE(third.output);
  CHECK_FALSE(third.output->ok);
  CHECK(third.output->ename == "NameError");

  const auto page = t.runtime().statements().list(0);
  REQUIRE(page.has_value());
  CHECK(page->total == 3);
  CHECK(t.runtime().statements().list(0, 0, 1, /*descending=*/true)->items.at(0).id == 2);
}

TEST_CASE("a statement's kind: its own, else the session's; every kind goes to the driver", "[session]") {
  TestRuntime t;
  t.open();

  SECTION("the statement's kind wins over the session's") {
    create_ok(t);
    auto driver = attach(t, 0);
    const auto st = submit_ok(t, 0, "SELECT 1", SessionKind::kSql);
    CHECK(st.kind == SessionKind::kSql);
    const auto execute = expect(*driver, "execute");
    CHECK(execute.kind == "sql");
  }
  SECTION("a shared session, or one without a kind, needs the statement's") {
    livy::SessionRequest shared;
    shared.kind = SessionKind::kShared;
    create_ok(t, shared);
    create_ok(t, livy::SessionRequest{});
    for (std::int64_t id : {0, 1}) {
      const auto st = t.runtime().statements().submit(id, {"1 + 1", std::nullopt});
      CHECK(st.status().code() == ErrorCode::kInvalidArgument);
      CHECK_THAT(st.status().message(), Contains("kind"));
      CHECK(submit_ok(t, id, "1 + 1", SessionKind::kPySpark).kind == SessionKind::kPySpark);
    }
  }
  SECTION("sparkr goes to the driver, asked by the statement or inherited from the session") {
    livy::SessionRequest r;
    r.kind = SessionKind::kSparkR;
    create_ok(t, r);
    auto driver = attach(t, 0);
    CHECK(submit_ok(t, 0, "x <- 1", SessionKind::kSparkR).kind == SessionKind::kSparkR);
    CHECK(expect(*driver, "execute").kind == "sparkr");
    const auto inherited = t.runtime().statements().submit(0, {"x + 1", std::nullopt});
    REQUIRE(inherited.has_value());
    CHECK(inherited->kind == SessionKind::kSparkR);
  }
  SECTION("spark (Scala) goes to the driver, inherited from the session too") {
    livy::SessionRequest scala;
    scala.kind = SessionKind::kSpark;
    create_ok(t, scala);
    auto driver = attach(t, 0);
    CHECK(submit_ok(t, 0, "1 + 1").kind == SessionKind::kSpark);
    CHECK(expect(*driver, "execute").kind == "spark");
  }
}

TEST_CASE("code over statements.max-code-bytes is too large and stores nothing", "[session]") {
  TestRuntime t;
  t.config().statement_max_code_bytes = 16;
  t.open();
  create_ok(t);
  const auto big = t.runtime().statements().submit(0, {std::string(17, 'x'), std::nullopt});
  CHECK(big.status().code() == ErrorCode::kTooLarge);
  CHECK_THAT(big.status().message(), Contains("statements.max-code-bytes"));
  CHECK(t.runtime().statements().list(0)->total == 0);
  CHECK(submit_ok(t, 0, std::string(16, 'x')).id == 0);
}

// Issue 9, F2: such code went to the driver as raw bytes, which the driver could not read.
TEST_CASE("code that is not UTF-8 is refused and stores nothing", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  const auto bad = t.runtime().statements().submit(0, {std::string("x = '\xff\xfe'"), std::nullopt});
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
  CHECK(bad.status().message() == "code is not valid UTF-8: byte 0xff at offset 5");
  CHECK(t.runtime().statements().list(0)->total == 0);
  CHECK(submit_ok(t, 0, "x = 'caf\xc3\xa9'").id == 0);
}

TEST_CASE("an output over statements.max-output-bytes is truncated, with a note", "[session]") {
  TestRuntime t;
  t.config().statement_max_output_bytes = 64;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  submit_ok(t, 0, "print('x' * 1000)");
  expect(*driver, "execute");
  driver->started(0);
  driver->result_ok(0, 0, std::string(1000, 'x'));
  const auto st = final_statement(t, 0, 0);
  CHECK(st.state == StatementState::kAvailable);
  REQUIRE(st.output);
  const std::string text = st.output->text();
  CHECK_THAT(text, Catch::Matchers::StartsWith(std::string(64, 'x')));
  CHECK_THAT(text, Contains("output truncated"));
  CHECK_THAT(text, Contains("statements.max-output-bytes"));
  CHECK(text.size() < 1000);
}

TEST_CASE("cancel of a waiting statement: `cancelled` at once, with an error output", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  std::int64_t cancelled = -1;

  SECTION("before the driver is ready") {
    cancelled = submit_ok(t, 0, "never").id;
    REQUIRE(t.runtime().statements().cancel(0, cancelled).is_ok());
    auto driver = attach(t, 0);
    CHECK_FALSE(driver->next(kQuiet));  // nothing to execute
    CHECK(state_of(t, 0) == SessionState::kIdle);
  }
  SECTION("behind a running statement") {
    auto driver = attach(t, 0);
    submit_ok(t, 0, "running");
    cancelled = submit_ok(t, 0, "never").id;
    expect(*driver, "execute");
    REQUIRE(t.runtime().statements().cancel(0, cancelled).is_ok());
    CHECK(statement_of(t, 0, cancelled).state == StatementState::kCancelled);  // at once
    // The driver never heard of it, so it is not told; once the first is done, the next goes out.
    driver->result_ok(0, 0, "");
    submit_ok(t, 0, "after");
    CHECK(expect(*driver, "execute").id == 2);
  }
  const auto st = statement_of(t, 0, cancelled);
  CHECK(st.state == StatementState::kCancelled);
  REQUIRE(st.output);  // never null: clients read the output of every final statement
  CHECK_FALSE(st.output->ok);
  CHECK(st.output->ename == "Cancelled");
  CHECK(st.started_ms == 0);
  CHECK(st.completed_ms == livy::to_epoch_ms(t.clock().now()));
}

TEST_CASE("cancel of a running statement: `cancelling`, `cancel` to the driver, then `cancelled`", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  submit_ok(t, 0, "import time; time.sleep(600)");
  expect(*driver, "execute");
  driver->started(0);
  REQUIRE(eventually([&] { return statement_of(t, 0, 0).state == StatementState::kRunning; }));

  const bool via_interrupt = GENERATE(false, true);
  const bool driver_says_cancelled = GENERATE(true, false);  // false: it finished before the interrupt landed
  CAPTURE(via_interrupt, driver_says_cancelled);
  if (via_interrupt) {
    REQUIRE(t.runtime().sessions().interrupt(0).is_ok());
  } else {
    REQUIRE(t.runtime().statements().cancel(0, 0).is_ok());
  }
  CHECK(statement_of(t, 0, 0).state == StatementState::kCancelling);
  CHECK(expect(*driver, "cancel").id == 0);
  REQUIRE(t.runtime().statements().cancel(0, 0).is_ok());  // again: nothing changes, nothing is sent
  CHECK_FALSE(driver->next(kQuiet));
  // A statement the session does not have: 404, not Livy's 200 (docs/rest-api.md says why).
  const livy::Status unknown = t.runtime().statements().cancel(0, 7);
  CHECK(unknown.code() == ErrorCode::kNotFound);
  CHECK(unknown.message() == "Statement '7' not found.");
  CHECK_FALSE(driver->next(kQuiet));

  if (driver_says_cancelled) {
    driver->result_error(0, 0, "KeyboardInterrupt", "interrupted", /*cancelled=*/true);
  } else {
    driver->result_ok(0, 0, "done", /*cancelled=*/false);
  }
  const auto st = final_statement(t, 0, 0);
  CHECK(st.state == StatementState::kCancelled);
  CHECK(st.output.has_value());
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }));
  CHECK(t.runtime().statements().cancel(0, 0).is_ok());  // final: left alone
  CHECK(statement_of(t, 0, 0).state == StatementState::kCancelled);
  CHECK(t.runtime().statements().cancel(0, 7).code() == ErrorCode::kNotFound);
}

TEST_CASE("completion: a round trip to the driver, even while a statement runs", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  submit_ok(t, 0, "busy()");
  expect(*driver, "execute");
  driver->started(0);

  auto answer = std::async(std::launch::async, [&] {
    return t.runtime().statements().complete(0, "x = spark.rang", std::nullopt, 14);
  });
  const auto request = expect(*driver, "complete");
  CHECK(request.code == "x = spark.rang");
  CHECK(request.kind == "pyspark");
  CHECK(request.cursor == 14);
  driver->completion(request.rid, {"spark.range"});
  const auto candidates = answer.get();
  REQUIRE(candidates.has_value());
  CHECK(*candidates == std::vector<std::string>{"spark.range"});

  // R completes too.
  auto r_answer = std::async(std::launch::async, [&] {
    return t.runtime().statements().complete(0, "Sys.ti", SessionKind::kSparkR, 6);
  });
  const auto r_request = expect(*driver, "complete");
  CHECK(r_request.kind == "sparkr");
  driver->completion(r_request.rid, {"Sys.time"});
  const auto r_candidates = r_answer.get();
  REQUIRE(r_candidates.has_value());
  CHECK(*r_candidates == std::vector<std::string>{"Sys.time"});

  // Scala completes in the driver too.
  auto scala = std::async(std::launch::async, [&] {
    return t.runtime().statements().complete(0, "spark.rang", SessionKind::kSpark, 10);
  });
  const auto scala_request = expect(*driver, "complete");
  CHECK(scala_request.kind == "spark");
  driver->completion(scala_request.rid, {"range"});
  REQUIRE(scala.get().has_value());

  // Only Python, R and Scala complete: a sql completion asks nobody.
  const auto sql = t.runtime().statements().complete(0, "SEL", SessionKind::kSql, 3);
  REQUIRE(sql.has_value());
  CHECK(sql->empty());
  CHECK_FALSE(driver->next(kQuiet));
  CHECK(t.runtime().statements().complete(9, "x", std::nullopt, 1).status().code() == ErrorCode::kNotFound);
}

TEST_CASE("completion over REST: cursor defaults to the end of the code", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  livy_test::HttpHarness http(t.runtime());
  auto reply = std::async(std::launch::async, [&] {
    return http.client().Post("/sessions/0/completion", R"({"code": "spark.rang"})", "application/json");
  });
  const auto request = expect(*driver, "complete");
  CHECK(request.cursor == 10);
  driver->completion(request.rid, {"spark.range"});
  const auto res = reply.get();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK_THAT(res->body, Contains("spark.range"));
}

TEST_CASE("completion without an answer from the driver gives an empty list after its timeout", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  auto answer = std::async(std::launch::async, [&] {
    return t.runtime().statements().complete(0, "spark.rang", std::nullopt, 10);
  });
  expect(*driver, "complete");  // and never answered
  REQUIRE(answer.wait_for(10s) == std::future_status::ready);
  const auto candidates = answer.get();
  REQUIRE(candidates.has_value());
  CHECK(candidates->empty());
  CHECK(state_of(t, 0) == SessionState::kIdle);
}

// --- lifecycle ---

TEST_CASE("the driver's connection lost: `dead`, after ready as before", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);

  SECTION("after ready, with a statement running and one waiting") {
    auto driver = attach(t, 0);
    submit_ok(t, 0, "running");
    submit_ok(t, 0, "waiting");
    expect(*driver, "execute");
    driver->started(0);
    REQUIRE(eventually([&] { return statement_of(t, 0, 0).state == StatementState::kRunning; }));
    driver->close();
    const auto running = final_statement(t, 0, 0);
    CHECK(running.state == StatementState::kError);
    REQUIRE(running.output);
    CHECK(running.output->ename == "SessionEnded");
    CHECK(state_of(t, 0) == SessionState::kDead);
  }
  SECTION("after hello, before ready") {
    auto driver = connect_driver(t, 0);
    REQUIRE(driver->say_hello());
    submit_ok(t, 0, "unused");
    submit_ok(t, 0, "waiting");
    driver->close();
    REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kDead; }));
    CHECK(statement_of(t, 0, 0).state == StatementState::kCancelled);
  }
  const auto waiting = statement_of(t, 0, 1);
  CHECK(waiting.state == StatementState::kCancelled);
  REQUIRE(waiting.output);
  CHECK(waiting.output->ename == "SessionEnded");
  CHECK(eventually([&] { return log_has(t, 0, "the driver's connection was lost"); }));
  CHECK(t.launcher().wait_for_signal(launch_of(t, 0).pid, SIGTERM, kWait));
  const auto late = t.runtime().statements().submit(0, {"1", std::nullopt});
  CHECK(late.status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("a driver result livyd cannot read ends its statement as an error; other bad lines are noted", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);

  submit_ok(t, 0, "x = 1");
  CHECK(expect(*driver, "execute").id == 0);
  driver->started(0);
  driver->send_line("this is not JSON");
  driver->send_line(R"({"type":"result","id":0,"output":{"status":"maybe"}})");
  const auto st = final_statement(t, 0, 0);
  CHECK(st.state == StatementState::kAvailable);
  REQUIRE(st.output);
  CHECK_FALSE(st.output->ok);
  CHECK(st.output->ename == "DriverProtocolError");
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }));
  CHECK(eventually([&] {
    return log_has(t, 0, "ignored a line from the driver that livyd could not read: driver message is not a JSON object");
  }));

  // The session goes on: the next statement runs as usual.
  submit_ok(t, 0, "x + 1");
  CHECK(expect(*driver, "execute").id == 1);
  driver->started(1);
  driver->result_ok(1, 1, "2");
  CHECK(final_statement(t, 0, 1).output->text() == "2");
}

TEST_CASE("a `protocol-error` from the driver goes to the session's log, and the session goes on", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  driver->send_line(R"({"type":"protocol-error","error":"the line is not JSON: Expecting value","line":"zz"})");
  CHECK(eventually([&] {
    return log_has(t, 0, "the driver could not read a line from livyd: the line is not JSON: Expecting value "
                         "(the line began: zz)");
  }));
  CHECK(state_of(t, 0) == SessionState::kIdle);
  submit_ok(t, 0, "1");
  CHECK(expect(*driver, "execute").id == 0);
}

TEST_CASE("a `fatal` from the driver ends the session `dead` (Livy's errorOut), with the reason in its log", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto driver = connect_driver(t, 0);
  REQUIRE(driver->say_hello());
  driver->fatal("Java gateway process exited");
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kDead; }));
  CHECK(eventually([&] { return log_has(t, 0, "the driver failed: Java gateway process exited"); }));
  CHECK(driver->wait_closed(kWait));  // livyd hangs up
  CHECK(state_of(t, 0) == SessionState::kDead);
}

// A driver's lines that livyd reads after it ended the session (stopped it, timed it out, saw
// its process end or a `fatal`) must change nothing: the session stays in its final state.
// In real life such a line races livyd's own hang-up (a `ready` or `fatal` already in
// flight when a client stops a starting session); here the race is made certain by
// sending `fatal` and `ready` in one write, so livyd reads both from one buffer.
// Regression: SessionCore::on_message once applied them, and the `ready` revived the
// session as `idle`, without a driver.
TEST_CASE("a driver's message read after the session ended does not revive it", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto driver = connect_driver(t, 0);
  REQUIRE(driver->say_hello());
  driver->send_line(R"({"type":"fatal","error":"no SparkSession"})"
                    "\n"
                    R"({"type":"ready","appId":"local-1","sparkUiUrl":null,"sparkVersion":"4.0.1"})");
  CHECK(driver->wait_closed(kWait));
  REQUIRE(eventually([&] { return state_of(t, 0) != SessionState::kStarting; }));
  CHECK_FALSE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }, kQuiet));
  CHECK(state_of(t, 0) == SessionState::kDead);
  CHECK_FALSE(t.runtime().sessions().get(0)->app_id);
}

TEST_CASE("the driver's process ending ends the session `dead`, before ready as after (as in Livy)", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  const int pid = launch_of(t, 0).pid;

  SECTION("after ready") {
    auto driver = attach(t, 0);
    t.launcher().exit(pid, 1);
    REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kDead; }));
    CHECK(driver->wait_closed(kWait));
  }
  SECTION("before ready") {
    t.launcher().exit(pid, 1);
    REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kDead; }));
  }
  CHECK(eventually([&] { return log_has(t, 0, "the driver process ended (exit status 1)"); }));
  CHECK(t.runtime().sessions().list()->total == 1);
}

TEST_CASE("a driver not ready within sessions.start-timeout: `dead`, and its group is stopped", "[session]") {
  TestRuntime t;
  t.config().session_start_timeout = 200s;
  t.open();
  create_ok(t);
  const int pid = launch_of(t, 0).pid;
  t.clock().advance(199s);
  CHECK_FALSE(eventually([&] { return state_of(t, 0) != SessionState::kStarting; }, kQuiet));
  t.clock().advance(1s);
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kDead; }));
  CHECK(t.launcher().wait_for_signal(pid, SIGTERM, kWait));
  t.clock().advance(t.config().batch_kill_grace);
  CHECK(t.launcher().wait_for_signal(pid, SIGKILL, kWait));  // the group stayed alive past the grace
  CHECK(eventually([&] { return log_has(t, 0, "sessions.start-timeout"); }));
  // Its driver comes too late.
  FakeDriver late(env_of(t, 0));
  late.hello(0, env_of(t, 0).secret);
  CHECK(refused(late));
}

TEST_CASE("`warming`: the session stays `starting`, and the warm-up gets a start timeout of its own", "[session]") {
  TestRuntime t;
  t.config().session_start_timeout = 100s;
  t.open();
  create_ok(t);
  auto driver = connect_driver(t, 0);
  REQUIRE(driver->say_hello());
  t.clock().advance(60s);
  driver->warming();
  REQUIRE(eventually([&] { return log_has(t, 0, "warms up the interpreter"); }));
  t.clock().advance(70s);  // past the first deadline, within the second
  CHECK_FALSE(eventually([&] { return state_of(t, 0) != SessionState::kStarting; }, kQuiet));

  SECTION("ready after the warm-up: idle") {
    driver->ready("local-1");
    REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }));
    driver->warming();  // after ready it changes nothing
    std::this_thread::sleep_for(kQuiet);
    CHECK(state_of(t, 0) == SessionState::kIdle);
  }
  SECTION("a warm-up that never ends: `dead` after the second start timeout") {
    t.clock().advance(30s);
    REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kDead; }));
    CHECK(eventually([&] { return log_has(t, 0, "sessions.start-timeout"); }));
  }
}

TEST_CASE("stop: the session ends `killed` and stays listed", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t, pyspark("nb"));
  auto driver = attach(t, 0);
  const int pid = launch_of(t, 0).pid;
  REQUIRE(t.runtime().sessions().stop("nb").is_ok());
  CHECK(state_of(t, 0) == SessionState::kKilled);
  CHECK(expect(*driver, "shutdown").type == "shutdown");
  CHECK(driver->wait_closed(kWait));
  CHECK(t.launcher().wait_for_signal(pid, SIGTERM, kWait));
  CHECK(t.runtime().sessions().list()->total == 1);
  CHECK(eventually([&] { return log_has(t, 0, "stopped by a client"); }));

  REQUIRE(t.runtime().sessions().stop(0).is_ok());  // again: no change
  CHECK(state_of(t, 0) == SessionState::kKilled);
  const auto st = t.runtime().statements().submit(0, {"1", std::nullopt});
  CHECK(st.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.status().message(), Contains("killed"));
  CHECK(t.runtime().sessions().stop(5).code() == ErrorCode::kNotFound);
}

TEST_CASE("remove: the session is forgotten, and its group still gets SIGKILL after the grace", "[session]") {
  TestRuntime t;
  t.config().batch_kill_grace = 50ms;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  submit_ok(t, 0, "running");
  const int pid = launch_of(t, 0).pid;

  REQUIRE(t.runtime().sessions().remove(0).is_ok());
  CHECK(t.runtime().sessions().get(0).status().code() == ErrorCode::kNotFound);
  CHECK(t.runtime().statements().get(0, 0).status().code() == ErrorCode::kNotFound);
  CHECK(t.runtime().sessions().list()->total == 0);
  CHECK(driver->wait_closed(kWait));
  CHECK(t.launcher().wait_for_signal(pid, SIGTERM, kWait));
  // The scripted group ignores SIGTERM: SIGKILL follows, not before the grace period.
  t.clock().advance(49ms);
  CHECK_FALSE(t.launcher().wait_for_signal(pid, SIGKILL, kQuiet));
  t.clock().advance(1ms);
  REQUIRE(t.launcher().wait_for_signal(pid, SIGKILL, kWait));
  CHECK(t.runtime().sessions().remove(0).code() == ErrorCode::kNotFound);

  // Forgotten across a restart too; its id is not reused.
  t.close_and_forget_children();
  t.open();
  CHECK(t.runtime().sessions().get(0).status().code() == ErrorCode::kNotFound);
  CHECK(create_ok(t).id == 1);
}

TEST_CASE("names: unique among live sessions; a finished session's name can be reused", "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t, pyspark("nb"));
  const auto dup = t.runtime().sessions().create(pyspark("nb"));
  CHECK(dup.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(dup.status().message(), Contains("nb"));
  CHECK(t.launcher().launched().size() == 1);  // the duplicate launched nothing

  REQUIRE(t.runtime().sessions().stop("nb").is_ok());
  const auto again = t.runtime().sessions().create(pyspark("nb"));
  REQUIRE(again.has_value());
  CHECK(again->id == 1);
  CHECK(t.runtime().sessions().list()->total == 2);

  // The name finds the live one, whatever the order.
  CHECK(t.runtime().sessions().get("nb")->id == 1);
  CHECK(submit_ok(t, "nb", "1").id == 0);
  CHECK(t.runtime().statements().list(1)->total == 1);
  CHECK(t.runtime().statements().list(0)->total == 0);
  auto driver = attach(t, 1);
  CHECK(t.runtime().sessions().get("nb")->state == SessionState::kBusy);
  CHECK(t.runtime().sessions().get("no-such-name").status().code() == ErrorCode::kNotFound);
}

TEST_CASE("sessions.max-sessions: live sessions beyond it are refused", "[session]") {
  TestRuntime t;
  t.config().max_sessions = 2;
  t.open();
  create_ok(t);
  create_ok(t);
  const auto third = t.runtime().sessions().create(pyspark());
  CHECK(third.status().code() == ErrorCode::kResourceExhausted);
  CHECK_THAT(third.status().message(), Contains("sessions.max-sessions"));
  CHECK(t.launcher().launched().size() == 2);
  REQUIRE(t.runtime().sessions().stop(0).is_ok());  // a finished session does not count
  CHECK(create_ok(t).id == 2);
}

TEST_CASE("sessions.max-creation: sessions and batches starting at once are counted together", "[session]") {
  TestRuntime t;
  t.config().max_creation = 1;
  t.open();
  create_ok(t);
  const auto second = t.runtime().sessions().create(pyspark());
  CHECK(second.status().code() == ErrorCode::kResourceExhausted);
  CHECK(second.status().message() == "Rejected, too many sessions are being created!");
  livy::BatchRequest batch;
  batch.file = t.job_file();
  CHECK(t.batches().submit(batch).status().code() == ErrorCode::kResourceExhausted);

  auto driver = attach(t, 0);  // no longer starting: room again
  CHECK(create_ok(t).id == 1);
}

// --- cluster deploy mode ---

TEST_CASE("cluster deploy mode: a session's driver gets its settings as conf; what Spark refuses is a 400",
          "[session]") {
  SECTION("YARN: launched in cluster mode, the settings in conf, the secret in the properties file only") {
    TestRuntime t;
    t.config().spark_master = "yarn";
    t.config().spark_deploy_mode = "cluster";
    t.config().driver_host = "livyd.example.com";
    t.config().driver_bind_host = "127.0.0.1";
    t.config().driver_advertised_port = 31000;
    t.open();
    create_ok(t);
    const auto spec = launch_of(t, 0).spec;
    CHECK(has_arg_pair(spec.argv, "--deploy-mode", "cluster"));
    CHECK(driver_setting(spec, "callback") == "livyd.example.com:31000");
    const auto secret = driver_setting(spec, "secret");
    REQUIRE(secret);
    for (const auto& arg : spec.argv) CHECK(arg.find(*secret) == std::string::npos);
    CHECK_FALSE(driver_setting(spec, "cache-dir"));  // a path on livyd's host
  }
  SECTION("standalone: Spark refuses Python in cluster mode, so nothing is launched") {
    TestRuntime t;
    t.config().spark_master = "spark://master:7077";
    t.config().spark_deploy_mode = "cluster";
    t.open();
    const auto s = t.runtime().sessions().create(livy::SessionRequest{}, std::nullopt);
    REQUIRE_FALSE(s.has_value());
    CHECK(s.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(s.status().message(), Contains("standalone"));
    CHECK(t.launcher().launched().empty());
  }
}

TEST_CASE("a ready session's log: GET .../log reads new lines at once; the session's view follows",
          "[session]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  const int pid = launch_of(t, 0).pid;
  auto driver = attach(t, 0);
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }));
  // Polled every monitor.ready-interval (2s of the manual clock, which does not move here).
  t.launcher().print(pid, "a line of the ready driver\n");
  const auto in_view = [&] {
    const auto s = t.runtime().sessions().get(0);
    REQUIRE(s.has_value());
    return std::any_of(s->log.begin(), s->log.end(),
                       [](const std::string& l) { return l.find("a line of the ready driver") != std::string::npos; });
  };
  CHECK_FALSE(in_view());
  CHECK(log_has(t, 0, "a line of the ready driver"));  // read by the GET itself
  CHECK(in_view());                                     // and published with it
}
