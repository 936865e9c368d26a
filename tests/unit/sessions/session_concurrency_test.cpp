// One session's slow store write stalls nobody else: the session engine's locks are per session.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>

#include "model/request_validation.h"
#include "sessions/session_core.h"
#include "spark/spark_submit.h"
#include "store/store.h"
#include "support/eventually.h"
#include "support/fake_driver.h"
#include "support/test_runtime.h"

namespace {

using namespace std::chrono_literals;
using livy::SessionState;
using livy::StatementState;
using livy_test::eventually;
using livy_test::FakeDriver;

// A gate the store's write seam stops at while it is closed.
class Gate {
 public:
  void close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void pass() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
    --waiting_;
  }
  bool wait_for_a_writer(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return waiting_ > 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
};

// A SessionCore on a store whose writes pass through a Gate; fakes from TestRuntime (not opened).
struct Engine {
  livy_test::TestRuntime fakes;
  std::shared_ptr<livy_test::ManualClock> clock = std::make_shared<livy_test::ManualClock>();
  Gate gate;
  std::unique_ptr<livy::Store> store;
  std::shared_ptr<livy::SessionCore> core;

  Engine() {
    std::filesystem::create_directories(fakes.data_dir());
    auto opened = livy::Store::open((fakes.data_dir() / "livyd.db").string());
    REQUIRE(opened.has_value());
    store = std::move(*opened);
    store->before_write = [this] { gate.pass(); };
    auto spark = livy::resolve_spark(fakes.config());
    REQUIRE(spark.has_value());
    auto rules = livy::load_request_rules(fakes.config());
    REQUIRE(rules.has_value());
    core = std::make_shared<livy::SessionCore>(fakes.config(), *rules, *spark, fakes.job_file(), *store,
                                               fakes.shared_launcher(), clock);
    REQUIRE(core->start().is_ok());
  }
  ~Engine() {
    gate.open();
    core->stop();
  }

  // A new session whose fake driver said hello and ready.
  std::unique_ptr<FakeDriver> idle_session(std::int64_t expect_id) {
    livy::SessionRequest request;
    request.kind = livy::SessionKind::kPySpark;
    const auto s = core->create(request, std::nullopt);
    REQUIRE(s.has_value());
    REQUIRE(s->id == expect_id);
    const auto env = livy_test::driver_env(fakes.launcher().spec_of(livy_test::ScriptedLauncher::kFirstPid +
                                                                     static_cast<int>(expect_id)));
    REQUIRE(env.has_value());
    auto driver = std::make_unique<FakeDriver>(*env);
    REQUIRE(driver->attach());
    REQUIRE(eventually([&] { return core->get(std::to_string(expect_id))->state == SessionState::kIdle; }));
    return driver;
  }
};

}  // namespace

TEST_CASE("while one session's store write blocks, the others are read and driven at once", "[session][locks]") {
  Engine engine;
  auto driver_a = engine.idle_session(0);
  auto driver_b = engine.idle_session(1);
  auto& core = *engine.core;
  REQUIRE(core.submit("1", {"b's code", std::nullopt}).has_value());
  REQUIRE(driver_b->next()->type == "execute");

  std::future<livy::Result<livy::Statement>> blocked, statement_b;
  std::future<livy::Result<livy::Session>> get_b;
  // Declared after the futures, so destroyed before them: a failed check below opens the gate
  // first, and the futures' destructors do not wait for a call that waits for it.
  struct OpenAtEnd {
    Gate& gate;
    ~OpenAtEnd() { gate.open(); }
  } open_at_end{engine.gate};
  engine.gate.close();
  // Session 0's submit writes its statement (synced) and stops in the store.
  blocked = std::async(std::launch::async, [&] { return core.submit("0", {"a's code", std::nullopt}); });
  REQUIRE(engine.gate.wait_for_a_writer(5s));

  // Another session's reads answer while that write is held: they take no lock it holds.
  get_b = std::async(std::launch::async, [&] { return core.get("1"); });
  REQUIRE(get_b.wait_for(5s) == std::future_status::ready);
  CHECK(get_b.get()->state == SessionState::kBusy);
  statement_b = std::async(std::launch::async, [&] { return core.statement("1", 0, 0ms); });
  REQUIRE(statement_b.wait_for(5s) == std::future_status::ready);
  CHECK(statement_b.get()->state == StatementState::kWaiting);
  // ...and a driver message of that session (no store write: progress) is applied meanwhile.
  driver_b->progress(0, 0.5);
  CHECK(eventually([&] { return core.statement("1", 0, 0ms)->progress == 0.5; }));
  CHECK(blocked.wait_for(0ms) == std::future_status::timeout);  // still held: the test proved something

  engine.gate.open();
  REQUIRE(blocked.wait_for(5s) == std::future_status::ready);
  const auto a = blocked.get();
  REQUIRE(a.has_value());
  CHECK(a->id == 0);
  CHECK(driver_a->next()->type == "execute");
}

TEST_CASE("a driver's messages wake the waiters of its own session only", "[session][locks]") {
  Engine engine;
  auto driver_a = engine.idle_session(0);
  auto driver_b = engine.idle_session(1);
  auto& core = *engine.core;
  REQUIRE(core.submit("0", {"a's code", std::nullopt}).has_value());
  REQUIRE(core.submit("1", {"b's code", std::nullopt}).has_value());
  REQUIRE(driver_a->next()->type == "execute");
  REQUIRE(driver_b->next()->type == "execute");

  // A client long-polls session 0's statement.
  auto poll_a = std::async(std::launch::async, [&] { return core.statement("0", 0, 30s); });
  REQUIRE(eventually([&] { return core.waits_of(0)->waiting == 1; }));
  const auto before = core.waits_of(0)->wakeups;

  // Session 1's driver reports, again and again: session 0's waiter sleeps on.
  driver_b->started(0);
  for (int i = 1; i <= 50; ++i) driver_b->progress(0, i / 100.0);
  REQUIRE(eventually([&] { return core.statement("1", 0, 0ms)->progress == 0.5; }));
  CHECK(core.waits_of(0)->wakeups == before);
  CHECK(core.waits_of(0)->waiting == 1);

  // Its own driver's message wakes it (the count can move: the check above could fail).
  driver_a->progress(0, 0.25);
  CHECK(eventually([&] { return core.waits_of(0)->wakeups > before; }));
  driver_a->result_ok(0, 1, "done");
  REQUIRE(poll_a.wait_for(5s) == std::future_status::ready);
  CHECK(poll_a.get()->state == StatementState::kAvailable);
}
