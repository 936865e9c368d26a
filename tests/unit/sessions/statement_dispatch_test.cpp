// Statements in parallel in one session (livy.statements.parallel): which waiting statements
// go to the driver, the opt-in's checks and launch conf, and SessionCore's dispatch against
// a fake driver (several in flight, `busy` while any runs, cancel, resume after a restart).
#include "model/statement_parallelism.h"
#include "sessions/statement_dispatch.h"
#include "unit/sessions/session_test_util.h"

using namespace session_test;
using livy::statements_to_send;
using livy::statement_lane;
using Catch::Matchers::Contains;

namespace {

using Ids = std::vector<std::int64_t>;

// Lanes by id for the pure tests: "" (a statement of its own) unless named.
std::function<std::string(std::int64_t)> lanes(std::map<std::int64_t, std::string> named) {
  return [named = std::move(named)](std::int64_t id) {
    const auto it = named.find(id);
    return it == named.end() ? std::string() : it->second;
  };
}

livy::SessionRequest parallel_request(int parallel) {
  livy::SessionRequest r = pyspark();
  r.resources.conf["livy.statements.parallel"] = std::to_string(parallel);
  return r;
}

}  // namespace

TEST_CASE("dispatch: with parallel 1, the first waiting statement once none is in flight (Livy)", "[dispatch]") {
  CHECK(statements_to_send({3, 4, 5}, {}, 1, lanes({})) == Ids{3});
  CHECK(statements_to_send({3, 4, 5}, {2}, 1, lanes({})).empty());
  CHECK(statements_to_send({}, {}, 1, lanes({})).empty());
  // Lanes play no part then: a named REPL is just the session's one namespace.
  CHECK(statements_to_send({3, 4}, {}, 1, lanes({{3, "repl:a"}, {4, "repl:a"}})) == Ids{3});
}

TEST_CASE("dispatch: above 1, in order up to `parallel` in flight, one at a time per lane", "[dispatch]") {
  CHECK(statements_to_send({0, 1, 2, 3, 4}, {}, 3, lanes({})) == Ids{0, 1, 2});
  CHECK(statements_to_send({3, 4, 5}, {1, 2}, 3, lanes({})) == Ids{3});
  CHECK(statements_to_send({3, 4}, {0, 1, 2}, 3, lanes({})).empty());
  // Statement 1 shares a lane with 0, which is in flight: 2 and 3 go past it.
  CHECK(statements_to_send({1, 2, 3}, {0}, 4, lanes({{0, "repl:a"}, {1, "repl:a"}})) == Ids{2, 3});
  // Of two waiting in one lane only the first goes; the later one waits its turn even when
  // the lane's first one cannot go either.
  CHECK(statements_to_send({0, 1, 2}, {}, 4, lanes({{0, "repl:a"}, {1, "repl:a"}})) == Ids{0, 2});
  CHECK(statements_to_send({1, 2}, {0}, 4, lanes({{0, "kind:spark"}, {1, "kind:spark"}, {2, "kind:sparkr"}})) ==
        Ids{2});
  // The capacity counts what is in flight of every lane.
  CHECK(statements_to_send({2, 3}, {0, 1}, 3, lanes({{0, "repl:a"}})) == Ids{2});
}

TEST_CASE("lanes: %repl NAME on the first line, the Scala and R interpreters, else none", "[dispatch]") {
  using livy::SessionKind;
  CHECK(statement_lane("x = 1", SessionKind::kPySpark).empty());
  CHECK(statement_lane("SELECT 1", SessionKind::kSql).empty());
  CHECK(statement_lane("%repl etl\nx = 1", SessionKind::kPySpark) == "repl:etl");
  CHECK(statement_lane("  %repl  a.b-c_1 \r\nSELECT 1", SessionKind::kSql) == "repl:a.b-c_1");
  CHECK(statement_lane("%repl etl", std::nullopt) == "repl:etl");
  CHECK(statement_lane("x = 1\n%repl etl", SessionKind::kPySpark).empty());  // the first line only
  CHECK(statement_lane("%replay x", SessionKind::kPySpark).empty());           // another word
  CHECK(statement_lane("val x = 1", SessionKind::kSpark) == "kind:spark");
  CHECK(statement_lane("%repl etl\nval x = 1", SessionKind::kSpark) == "kind:spark");
  CHECK(statement_lane("x <- 1", SessionKind::kSparkR) == "kind:sparkr");
  for (const char* bad : {"%repl", "%repl \n1", "%repl a/b", "%repl two words"}) {
    CAPTURE(bad);
    CHECK_FALSE(livy::named_repl(bad).has_value());
  }
  CHECK_FALSE(livy::named_repl("%repl " + std::string(65, 'a')).has_value());
  CHECK(livy::named_repl("%repl " + std::string(64, 'a')).has_value());
}

TEST_CASE("livy.statements.parallel: an integer from 1 to statements.max-parallel, taken out before spark-submit",
          "[dispatch]") {
  CHECK(*livy::statement_parallelism({}, 8) == 1);
  CHECK(*livy::statement_parallelism({{"livy.statements.parallel", "8"}}, 8) == 8);
  for (const char* bad : {"0", "9", "-1", "2x", "", " 2", "99999999999"}) {
    CAPTURE(bad);
    const auto p = livy::statement_parallelism({{"livy.statements.parallel", bad}}, 8);
    REQUIRE_FALSE(p.has_value());
    CHECK_THAT(p.status().message(), Contains("statements.max-parallel"));
  }
  const auto one = livy::parallel_launch_conf({{"livy.statements.parallel", "1"}, {"spark.x", "y"}}, 1);
  CHECK(one == std::map<std::string, std::string>{{"spark.x", "y"}});
  const auto four = livy::parallel_launch_conf({{"livy.statements.parallel", "4"}}, 4);
  CHECK(four == std::map<std::string, std::string>{{"spark.livy.driver.parallel", "4"},
                                                   {"spark.scheduler.mode", "FAIR"}});
  // The request's own scheduler mode stays; its own driver key does not.
  const auto own = livy::parallel_launch_conf(
      {{"spark.scheduler.mode", "FIFO"}, {"spark.livy.driver.parallel", "64"}}, 2);
  CHECK(own.at("spark.scheduler.mode") == "FIFO");
  CHECK(own.at("spark.livy.driver.parallel") == "2");
}

TEST_CASE("a parallel session: statements in flight together, `busy` while any runs", "[dispatch][session]") {
  TestRuntime t;
  t.config().statement_max_parallel = 4;
  t.open();
  SECTION("over statements.max-parallel: refused") {
    const auto s = t.runtime().sessions().create(parallel_request(5));
    REQUIRE_FALSE(s.has_value());
    CHECK(s.status().code() == ErrorCode::kInvalidArgument);
    return;
  }
  create_ok(t, parallel_request(2));
  const auto launch = launch_of(t, 0);
  CHECK(driver_setting(launch.spec, "parallel") == "2");
  CHECK(livy_test::spark_conf_of(launch.spec).at("spark.scheduler.mode") == "FAIR");
  CHECK(livy_test::spark_conf_of(launch.spec).count("livy.statements.parallel") == 0);
  auto driver = attach(t, 0);
  submit_ok(t, 0, "%repl a\nslow()");
  submit_ok(t, 0, "%repl a\nafter_slow()");  // same REPL: waits for 0
  submit_ok(t, 0, "other()");
  submit_ok(t, 0, "third()");
  CHECK(expect(*driver, "execute").id == 0);
  CHECK(expect(*driver, "execute").id == 2);
  CHECK_FALSE(driver->next(kQuiet));  // two in flight: the most
  driver->started(0);
  driver->started(2);
  REQUIRE(eventually([&] { return statement_of(t, 0, 2).state == StatementState::kRunning; }));
  CHECK(state_of(t, 0) == SessionState::kBusy);

  driver->result_ok(2, 1, "two");
  CHECK(final_statement(t, 0, 2).output->text() == "two");
  CHECK(expect(*driver, "execute").id == 3);  // 1 still waits behind 0 in its REPL
  CHECK(state_of(t, 0) == SessionState::kBusy);

  // Cancel of one statement in flight goes to the driver for that one only.
  REQUIRE(t.runtime().statements().cancel(0, 3).is_ok());
  CHECK(expect(*driver, "cancel").id == 3);
  driver->result_error(3, 2, "KeyboardInterrupt", "interrupted", true);
  CHECK(final_statement(t, 0, 3).state == StatementState::kCancelled);
  CHECK(statement_of(t, 0, 0).state == StatementState::kRunning);
  CHECK_FALSE(driver->next(kQuiet));

  driver->result_ok(0, 0, "zero");
  CHECK(expect(*driver, "execute").id == 1);
  driver->result_ok(1, 3, "one");
  CHECK(final_statement(t, 0, 1).output->text() == "one");
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }));
}

TEST_CASE("a parallel session: interrupt cancels every statement in flight", "[dispatch][session]") {
  TestRuntime t;
  t.open();
  create_ok(t, parallel_request(3));
  auto driver = attach(t, 0);
  for (int i = 0; i < 3; ++i) submit_ok(t, 0, "slow()");
  Ids sent;
  for (int i = 0; i < 3; ++i) sent.push_back(expect(*driver, "execute").id);
  CHECK(sent == Ids{0, 1, 2});
  REQUIRE(t.runtime().sessions().interrupt(0).is_ok());
  Ids cancels;
  for (int i = 0; i < 3; ++i) cancels.push_back(expect(*driver, "cancel").id);
  std::sort(cancels.begin(), cancels.end());
  CHECK(cancels == Ids{0, 1, 2});
}

TEST_CASE("a parallel session across a livyd restart: the driver's lists settle what is in flight",
          "[dispatch][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t, parallel_request(3));
  auto a = attached(t, 0);
  for (int i = 0; i < 4; ++i) submit_ok(t, 0, "work()");
  for (const std::int64_t id : {0, 1, 2}) CHECK(expect(*a.driver, "execute").id == id);
  a.driver->started(0);
  a.driver->started(1);
  REQUIRE(eventually([&] { return statement_of(t, 0, 1).state == StatementState::kRunning; }));

  restart(t, {ScriptedLauncher::kFirstPid});
  FakeDriver again(a.env);
  // 0 runs on; 1's result is replayed; 2's execute never reached the driver.
  REQUIRE(again.resume(FakeDriver::Resume{.running = 0, .last = 1, .unanswered = {0}, .replay = {1}}));
  again.ready("local-1");
  again.result_ok(1, 1, "one");
  CHECK(final_statement(t, 0, 1).output->text() == "one");
  // 2 goes again, first in line, then 3: with 0 in flight, three at most.
  CHECK(expect(again, "execute").id == 2);
  CHECK(expect(again, "execute").id == 3);
  CHECK_FALSE(again.next(kQuiet));
  CHECK(statement_of(t, 0, 0).state == StatementState::kRunning);
  again.result_ok(0, 0, "zero");
  CHECK(final_statement(t, 0, 0).output->text() == "zero");
}
