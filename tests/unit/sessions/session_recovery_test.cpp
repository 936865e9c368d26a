// Sessions across a livyd restart: the store brings them back `recovering`, their
// drivers reconnect with a `resume` hello on the same port, and livyd and the
// driver agree on the statement that was in flight. FakeDrivers play the drivers.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <rapidjson/document.h>

#include "unit/sessions/session_test_util.h"

using namespace session_test;
using Resume = FakeDriver::Resume;

TEST_CASE("a restart keeps a live session: `recovering`, then `idle` once its driver resumes", "[session][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t, pyspark("nb"));
  auto a = attached(t, 0);
  submit_ok(t, 0, "x = 1");
  expect(*a.driver, "execute");
  a.driver->started(0);
  a.driver->result_ok(0, 0, "");
  REQUIRE(final_statement(t, 0, 0).state == StatementState::kAvailable);

  restart(t, {ScriptedLauncher::kFirstPid});
  CHECK(state_of(t, "nb") == SessionState::kRecovering);
  CHECK(eventually([&] { return log_has(t, 0, "waiting up to 5m"); }));
  // The old connection was closed with the old livyd; the driver comes back on the same port.
  CHECK(a.driver->wait_closed(kWait));
  FakeDriver again(a.env);
  REQUIRE(again.resume(Resume{std::nullopt, 0}));
  again.ready("local-1700000000000");
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }));
  CHECK(eventually([&] { return log_has(t, 0, "the driver reconnected"); }));

  // History and ids go on; new statements run on the same driver.
  CHECK(statement_of(t, 0, 0).state == StatementState::kAvailable);
  CHECK(submit_ok(t, 0, "x + 1").id == 1);
  CHECK(expect(again, "execute").id == 1);
  again.started(1);
  again.result_ok(1, 1, "2");
  CHECK(final_statement(t, 0, 1).output->text() == "2");
  CHECK(create_ok(t).id == 1);
}

TEST_CASE("recovery: a statement running across the restart finishes after the resume", "[session][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  submit_ok(t, 0, "slow()");
  expect(*a.driver, "execute");
  a.driver->started(0);
  REQUIRE(eventually([&] { return statement_of(t, 0, 0).state == StatementState::kRunning; }));
  submit_ok(t, 0, "after()");  // waits in livyd's queue across the restart

  restart(t, {ScriptedLauncher::kFirstPid});
  FakeDriver again(a.env);
  REQUIRE(again.resume(Resume{0, std::nullopt}));
  again.ready("local-1");
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kBusy; }));
  CHECK(statement_of(t, 0, 0).state == StatementState::kRunning);
  CHECK_FALSE(again.next(kQuiet).has_value());  // nothing is sent while 0 runs

  again.result_ok(0, 0, "done");
  CHECK(final_statement(t, 0, 0).output->text() == "done");
  CHECK(expect(again, "execute").id == 1);  // the queued one goes next, once
}

TEST_CASE("recovery: a result sent while livyd was down is replayed and counted once", "[session][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  submit_ok(t, 0, "slow()");
  expect(*a.driver, "execute");
  // The driver got statement 0 but livyd went down before `started` arrived: stored as waiting.
  restart(t, {ScriptedLauncher::kFirstPid});
  CHECK(statement_of(t, 0, 0).state == StatementState::kWaiting);

  FakeDriver again(a.env);
  REQUIRE(again.resume(Resume{std::nullopt, 0}));
  again.ready("local-1");
  again.result_ok(0, 0, "finished while livyd was down");
  CHECK(final_statement(t, 0, 0).output->text() == "finished while livyd was down");
  again.result_ok(0, 0, "a second copy");  // a replay racing the live send: ignored
  CHECK_FALSE(again.next(kQuiet).has_value());  // statement 0 is never executed again
  CHECK(statement_of(t, 0, 0).output->text() == "finished while livyd was down");
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }));
}

TEST_CASE("recovery: a statement the driver never received is sent again", "[session][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  submit_ok(t, 0, "a()");
  expect(*a.driver, "execute");
  a.driver->started(0);
  REQUIRE(eventually([&] { return statement_of(t, 0, 0).state == StatementState::kRunning; }));

  restart(t, {ScriptedLauncher::kFirstPid});
  FakeDriver again(a.env);
  // The driver has answered nothing and runs nothing: the `execute` was lost on the way.
  REQUIRE(again.resume(Resume{std::nullopt, std::nullopt}));
  again.ready("local-1");
  const auto execute = expect(again, "execute");
  CHECK(execute.id == 0);
  CHECK(execute.code == "a()");
}

TEST_CASE("recovery: a cancel the driver may have missed is sent again after the resume", "[session][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  submit_ok(t, 0, "forever()");
  expect(*a.driver, "execute");
  a.driver->started(0);
  REQUIRE(eventually([&] { return statement_of(t, 0, 0).state == StatementState::kRunning; }));
  REQUIRE(t.runtime().statements().cancel(0, 0).is_ok());
  expect(*a.driver, "cancel");

  restart(t, {ScriptedLauncher::kFirstPid});
  CHECK(statement_of(t, 0, 0).state == StatementState::kCancelling);
  FakeDriver again(a.env);
  REQUIRE(again.resume(Resume{0, std::nullopt}));
  again.ready("local-1");
  CHECK(expect(again, "cancel").id == 0);
  again.result_ok(0, 0, "interrupted", true);
  CHECK(final_statement(t, 0, 0).state == StatementState::kCancelled);
}

TEST_CASE("recovery: a driver lost before it says `ready` again: `dead`, as it was ready before",
          "[session][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  restart(t, {ScriptedLauncher::kFirstPid});
  {
    FakeDriver again(a.env);
    REQUIRE(again.resume(Resume{std::nullopt, std::nullopt}));
  }  // the connection closes before `ready`
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kDead; }));
}

TEST_CASE("recovery: a driver still starting at the restart connects with a plain hello", "[session][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  const auto env = env_of(t, 0);
  submit_ok(t, 0, "1 + 1");  // waits for `ready`

  restart(t, {ScriptedLauncher::kFirstPid});
  CHECK(state_of(t, 0) == SessionState::kRecovering);
  FakeDriver driver(env);
  REQUIRE(driver.attach());
  CHECK(expect(driver, "execute").id == 0);
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kBusy; }));
}

TEST_CASE("recovery: no reconnect within sessions.recovery-grace: `dead`, and the group is stopped",
          "[session][recovery]") {
  TestRuntime t;
  t.config().session_recovery_grace = 30s;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  submit_ok(t, 0, "x = 1");
  expect(*a.driver, "execute");

  restart(t, {ScriptedLauncher::kFirstPid});
  CHECK(state_of(t, 0) == SessionState::kRecovering);
  t.clock().advance(29s);
  std::this_thread::sleep_for(kQuiet);
  CHECK(state_of(t, 0) == SessionState::kRecovering);
  t.clock().advance(2s);
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kDead; }));
  CHECK(eventually([&] { return log_has(t, 0, "did not reconnect within sessions.recovery-grace"); }));
  CHECK(t.launcher().wait_for_signal(ScriptedLauncher::kFirstPid, SIGTERM, kWait));
  CHECK(final_statement(t, 0, 0).state == StatementState::kCancelled);  // acknowledged, accounted for

  // Too late now: the session is over, its driver is refused.
  FakeDriver late(a.env);
  CHECK_FALSE(late.resume(Resume{0, std::nullopt}));
}

TEST_CASE("after a restart, a session whose driver died meanwhile is `dead`; history readable, ids go on",
          "[session][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t, pyspark("nb"));
  auto driver = attach(t, 0);  // connected until after the restart: only the restart ends it
  submit_ok(t, 0, "1 + 1");
  expect(*driver, "execute");
  driver->started(0);
  driver->result_ok(0, 0, "2");
  REQUIRE(final_statement(t, 0, 0).state == StatementState::kAvailable);
  submit_ok(t, 0, "running()");
  expect(*driver, "execute");
  driver->started(1);
  REQUIRE(eventually([&] { return statement_of(t, 0, 1).state == StatementState::kRunning; }));
  restart(t, {});  // the group is gone

  CHECK(state_of(t, "nb") == SessionState::kDead);
  CHECK(eventually([&] { return log_has(t, 0, "ended while livyd was down"); }));
  const auto done = statement_of(t, 0, 0);
  CHECK(done.state == StatementState::kAvailable);
  REQUIRE(done.output);
  CHECK(done.output->text() == "2");
  CHECK(statement_of(t, 0, 1).state == StatementState::kError);

  livy_test::HttpHarness http(t.runtime());
  const auto res = http.client().Get("/sessions/nb/statements");
  REQUIRE(res);
  CHECK(res->status == 200);
  rapidjson::Document doc;
  doc.Parse(res->body.c_str());
  REQUIRE(doc.IsObject());
  CHECK(doc["total_statements"].GetInt() == 2);
  CHECK(std::string(doc["statements"][0]["output"]["data"]["text/plain"].GetString()) == "2");
  CHECK(std::string(doc["statements"][1]["state"].GetString()) == "error");

  CHECK(t.runtime().statements().submit(0, {"1", std::nullopt}).status().code() == ErrorCode::kInvalidArgument);
  CHECK(create_ok(t, pyspark("nb")).id == 1);  // a new live "nb"
  CHECK(t.runtime().sessions().get("nb")->id == 1);
}

TEST_CASE("recovery: a stored pid that names another program now (a reboot): `dead`, never signalled",
          "[session][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  t.close_and_forget_children();
  t.launcher().set_group_alive(ScriptedLauncher::kFirstPid, true);
  t.launcher().set_identity(ScriptedLauncher::kFirstPid, "another-boot:1");
  t.open();
  CHECK(state_of(t, 0) == SessionState::kDead);
  CHECK(eventually([&] { return log_has(t, 0, "ended while livyd was down"); }));
  std::this_thread::sleep_for(kQuiet);
  CHECK(t.launcher().signals().empty());
}

TEST_CASE("a finished session leaves the list after state-retain and stays readable by id, statements too",
          "[session]") {
  TestRuntime t;
  t.config().state_retain = 60s;
  t.open();
  create_ok(t, pyspark("old"));
  auto a = attached(t, 0);
  submit_ok(t, 0, "21 * 2");
  expect(*a.driver, "execute");
  a.driver->started(0);
  a.driver->result_ok(0, 0, "42");
  REQUIRE(final_statement(t, 0, 0).state == StatementState::kAvailable);
  REQUIRE(t.runtime().sessions().stop(0).is_ok());
  t.launcher().exit(ScriptedLauncher::kFirstPid, 0);
  t.clock().advance(61s);
  REQUIRE(eventually([&] { return t.runtime().sessions().list()->total == 0; }));

  const auto archived = t.runtime().sessions().get(0);
  REQUIRE(archived.has_value());
  CHECK(archived->state == SessionState::kKilled);
  CHECK(archived->name == "old");
  CHECK(statement_of(t, 0, 0).output->text() == "42");
  CHECK(t.runtime().statements().list(0)->total == 1);
  CHECK(log_has(t, 0, "stopped by a client"));
  CHECK(t.runtime().sessions().get("old").status().code() == ErrorCode::kNotFound);
  // Still final: no statement can be added to it.
  CHECK(t.runtime().statements().submit(0, {"1", std::nullopt}).status().code() == ErrorCode::kNotFound);
}

TEST_CASE("sessions.recovery-grace=0: a restart stops live sessions instead", "[session][recovery]") {
  TestRuntime t;
  t.config().session_recovery_grace = 0s;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  CHECK(driver_setting(launch_of(t, 0).spec, "reconnect-timeout") == "0.000000");
  restart(t, {ScriptedLauncher::kFirstPid});
  CHECK(state_of(t, 0) == SessionState::kDead);
  CHECK(t.launcher().wait_for_signal(ScriptedLauncher::kFirstPid, SIGTERM, kWait));
}

TEST_CASE("server.stop-on-shutdown: closing stops live sessions; by default they are left running",
          "[session][recovery]") {
  const bool stop = GENERATE(false, true);
  TestRuntime t;
  t.config().stop_on_shutdown = stop;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  const auto launcher = t.shared_launcher();
  launcher->obey_sigkill();
  t.close_and_forget_children();
  CHECK(launcher->signals().empty() == !stop);
  if (stop) CHECK(a.driver->next(kWait)->type == "shutdown");
  t.launcher().set_group_alive(ScriptedLauncher::kFirstPid, !stop);
  t.open();
  CHECK(state_of(t, 0) == (stop ? SessionState::kKilled : SessionState::kRecovering));
}

TEST_CASE("the driver channel keeps its port across restarts", "[session][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  const int port = env_of(t, 0).port;
  t.close_and_forget_children();
  t.open();
  create_ok(t);
  const auto env = livy_test::driver_env(t.launcher().launched().back());
  REQUIRE(env.has_value());
  CHECK(env->port == port);
}

TEST_CASE("sessions.max-sessions-per-user: counted per proxyUser, else per owner", "[session]") {
  TestRuntime t;
  t.config().max_sessions_per_user = 1;
  t.open();
  livy::SessionRequest alice = pyspark();
  alice.proxy_user = "alice";
  create_ok(t, alice);
  const auto again = t.runtime().sessions().create(alice);
  REQUIRE_FALSE(again);
  CHECK(again.status().code() == ErrorCode::kResourceExhausted);
  CHECK_THAT(again.status().message(), Catch::Matchers::Contains("sessions.max-sessions-per-user"));
  livy::SessionRequest bob = pyspark();
  bob.proxy_user = "bob";
  create_ok(t, bob);
  create_ok(t);  // no user at all: its own bucket
  CHECK_FALSE(t.runtime().sessions().create(pyspark()));
  REQUIRE(t.runtime().sessions().stop(0).is_ok());
  create_ok(t, alice);  // a finished session no longer counts
}

// A session deleted just before livyd stops must not outlive it: its group gets the SIGKILL the
// monitor would have sent after the grace, before shutdown returns. (Found when livyd's HTTP
// server began to stop at once: the integration tests saw Spark JVMs of deleted sessions left.)
TEST_CASE("shutdown right after a DELETE still stops the deleted session's group; live ones are left",
          "[session][recovery]") {
  TestRuntime t;
  t.config().batch_kill_grace = 100ms;
  t.open();
  create_ok(t);
  create_ok(t);
  auto deleted = attached(t, 0);
  auto live = attached(t, 1);
  const auto launcher = t.shared_launcher();
  launcher->obey_sigkill();
  REQUIRE(t.runtime().sessions().remove(0).is_ok());  // its group ignores the SIGTERM
  t.close_and_forget_children();
  const auto signals = launcher->signals();
  CHECK(std::count(signals.begin(), signals.end(), ScriptedLauncher::Signal{ScriptedLauncher::kFirstPid, SIGKILL}) ==
        1);
  CHECK(launcher->group_alive(ScriptedLauncher::kFirstPid) == false);
  CHECK(launcher->group_alive(ScriptedLauncher::kFirstPid + 1));
}

TEST_CASE("a restart removes the whole results of sessions past state-retain; a live session's stay",
          "[session][recovery][results]") {
  TestRuntime t;
  t.config().state_retain = 60s;
  t.open();
  create_ok(t, pyspark("old"));
  auto old = attached(t, 0);
  create_ok(t, pyspark("live"));
  auto live = attached(t, 1);
  REQUIRE(t.runtime().sessions().stop(0).is_ok());
  t.launcher().exit(ScriptedLauncher::kFirstPid, 0);
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kKilled; }));
  // Files as the result spool leaves them (livy.results.spill), in each session's directory.
  const auto results_of = [&](int id) { return t.data_dir() / "sessions" / std::to_string(id) / "results"; };
  for (const int id : {0, 1}) {
    std::filesystem::create_directories(results_of(id) / "0");
    std::ofstream(results_of(id) / "0" / "rows.jsonl") << "[1]\n";
  }
  // livyd is down while the finished session's retention ends.
  t.close_and_forget_children();
  t.launcher().set_group_alive(ScriptedLauncher::kFirstPid + 1, true);
  t.clock().advance(61s);
  t.open();
  CHECK_FALSE(std::filesystem::exists(results_of(0)));
  CHECK(std::filesystem::exists(results_of(1) / "0" / "rows.jsonl"));
  CHECK(t.runtime().sessions().get("old").status().code() == ErrorCode::kNotFound);
}
