// Session timeouts on the manual clock: idle timeout, heartbeat, TTL, skip-busy.
#include "unit/sessions/session_test_util.h"

using namespace session_test;

// --- timeouts (manual clock; the monitor looks every 10 ms) ---

namespace {

bool killed_soon(TestRuntime& t, std::int64_t id) {
  return eventually([&] { return state_of(t, id) == SessionState::kKilled; });
}

// Watches several monitor ticks; true if the session is still not killed after them.
bool not_killed(TestRuntime& t, std::int64_t id) {
  return !eventually([&] { return state_of(t, id) == SessionState::kKilled; }, kQuiet);
}

}  // namespace

TEST_CASE("idle timeout: sessions.timeout, or the session's idleTimeout, stops an idle session", "[session][timeout]") {
  TestRuntime t;
  t.config().session_idle_timeout = 60s;
  t.open();

  SECTION("the configured timeout") {
    create_ok(t);
    auto driver = attach(t, 0);
    t.clock().advance(59s);
    CHECK(not_killed(t, 0));
    t.clock().advance(2s);
    REQUIRE(killed_soon(t, 0));
    CHECK(eventually([&] { return log_has(t, 0, "idle for longer than 1m"); }));
    CHECK(expect(*driver, "shutdown").type == "shutdown");
    CHECK(t.launcher().wait_for_signal(launch_of(t, 0).pid, SIGTERM, kWait));
  }
  SECTION("the session's own idleTimeout wins") {
    auto r = pyspark();
    r.idle_timeout = 90s;
    create_ok(t, r);
    auto driver = attach(t, 0);
    t.clock().advance(80s);
    CHECK(not_killed(t, 0));
    t.clock().advance(11s);
    REQUIRE(killed_soon(t, 0));
    CHECK(eventually([&] { return log_has(t, 0, "idle for longer than 90s"); }));
  }
  CHECK(t.runtime().sessions().list()->total == 1);  // killed, still listed
}

TEST_CASE("idle timeout: activity postpones it", "[session][timeout]") {
  TestRuntime t;
  t.config().session_idle_timeout = 60s;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  t.clock().advance(10s);

  SECTION("touch (POST /connect)") {
    t.clock().advance(40s);
    REQUIRE(t.runtime().sessions().touch(0).has_value());
  }
  SECTION("a statement submitted and finished at once") {
    t.clock().advance(40s);
    submit_ok(t, 0, "1");
    expect(*driver, "execute");
    driver->result_ok(0, 0, "1");
    final_statement(t, 0, 0);
  }
  SECTION("a statement finishing, long after it was submitted") {
    submit_ok(t, 0, "slow()");  // at 10 s
    expect(*driver, "execute");
    t.clock().advance(40s);
    driver->result_ok(0, 0, "");  // at 50 s
    final_statement(t, 0, 0);
  }
  t.clock().advance(50s);  // 100 s after creation, 50 s after the last activity
  CHECK(not_killed(t, 0));
  t.clock().advance(11s);
  CHECK(killed_soon(t, 0));
}

TEST_CASE("heartbeat renews the heartbeat only, not the idle timeout", "[session][timeout]") {
  TestRuntime t;
  t.config().session_idle_timeout = 60s;
  t.open();
  auto r = pyspark();
  r.heartbeat_timeout_s = 30;
  create_ok(t, r);
  auto driver = attach(t, 0);
  for (int i = 0; i < 3; ++i) {  // at 20 s, 40 s, 55 s
    t.clock().advance(i < 2 ? 20s : 15s);
    REQUIRE(t.runtime().sessions().heartbeat(0).has_value());
  }
  CHECK(not_killed(t, 0));
  t.clock().advance(6s);  // 61 s without activity, 6 s after the last heartbeat
  REQUIRE(killed_soon(t, 0));
  CHECK(eventually([&] { return log_has(t, 0, "idle for longer than 1m"); }));
}

TEST_CASE("heartbeatTimeoutInSecond: a session nobody looks at is stopped", "[session][timeout]") {
  TestRuntime t;
  t.open();  // the idle timeout (1 h) is far away
  auto r = pyspark();
  r.heartbeat_timeout_s = 30;
  create_ok(t, r);
  auto driver = attach(t, 0);
  livy_test::HttpHarness http(t.runtime());
  t.clock().advance(20s);

  SECTION("heartbeat()") { REQUIRE(t.runtime().sessions().heartbeat(0).has_value()); }
  SECTION("GET /sessions/{id}") {
    const auto res = http.client().Get("/sessions/0");
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  t.clock().advance(20s);  // 40 s after creation, 20 s after the heartbeat
  CHECK(not_killed(t, 0));
  t.clock().advance(11s);
  REQUIRE(killed_soon(t, 0));
  CHECK(eventually([&] { return log_has(t, 0, "no client heartbeat for 30 s"); }));
}

TEST_CASE("skip-busy spares a busy session from the idle timeout; the TTL does not", "[session][timeout]") {
  TestRuntime t;
  t.config().session_idle_timeout = 60s;
  t.config().session_timeout_skip_busy = true;
  t.open();
  auto r = pyspark();
  r.ttl = 10min;
  create_ok(t, r);
  auto driver = attach(t, 0);
  submit_ok(t, 0, "slow()");
  expect(*driver, "execute");
  driver->started(0);
  REQUIRE(eventually([&] { return statement_of(t, 0, 0).state == StatementState::kRunning; }));

  t.clock().advance(5min);  // far past the idle timeout, but busy
  CHECK(not_killed(t, 0));
  CHECK(state_of(t, 0) == SessionState::kBusy);
  t.clock().advance(5min + 1s);  // past the TTL: stopped even though busy
  REQUIRE(killed_soon(t, 0));
  CHECK(eventually([&] { return log_has(t, 0, "ttl of 10m reached"); }));
  CHECK(final_statement(t, 0, 0).state == StatementState::kError);
}

TEST_CASE("without skip-busy, a busy session is stopped by the idle timeout", "[session][timeout]") {
  TestRuntime t;
  t.config().session_idle_timeout = 60s;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  submit_ok(t, 0, "slow()");
  expect(*driver, "execute");
  t.clock().advance(61s);
  REQUIRE(killed_soon(t, 0));
  CHECK(eventually([&] { return log_has(t, 0, "idle for longer than 1m"); }));
}

TEST_CASE("sessions.ttl from the configuration", "[session][timeout]") {
  TestRuntime t;
  t.config().session_ttl = 2min;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  t.clock().advance(119s);
  CHECK(not_killed(t, 0));
  t.clock().advance(2s);
  REQUIRE(killed_soon(t, 0));
  CHECK(eventually([&] { return log_has(t, 0, "ttl of 2m reached"); }));
}

TEST_CASE("sessions.ttl-check=false: no TTL, neither the configuration's nor a session's", "[session][timeout]") {
  TestRuntime t;
  t.config().session_ttl = 2min;
  t.config().session_ttl_check = false;
  t.config().session_timeout_check = false;  // nor the idle timeout: only a TTL could stop them
  t.open();
  livy::SessionRequest own = pyspark();
  own.ttl = 1min;
  create_ok(t);
  create_ok(t, own);
  auto first = attach(t, 0);
  auto second = attach(t, 1);
  t.clock().advance(3h);
  CHECK(not_killed(t, 0));
  CHECK(not_killed(t, 1));
}

TEST_CASE("sessions.timeout-check=false: no idle timeout", "[session][timeout]") {
  TestRuntime t;
  t.config().session_idle_timeout = 60s;
  t.config().session_timeout_check = false;
  t.open();
  create_ok(t);
  auto driver = attach(t, 0);
  t.clock().advance(2h);
  CHECK(not_killed(t, 0));
  CHECK(state_of(t, 0) == SessionState::kIdle);
}
