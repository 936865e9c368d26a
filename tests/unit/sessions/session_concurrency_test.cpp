// One session's slow store write or spawn stalls nobody: the session engine's locks are per
// session, never held across that I/O, and GET and list read published views.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <csignal>
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

// A gate the store's write seam (or a launch) stops at while it is closed; closed with
// `only_next`, it holds the first caller alone and lets the others by.
class Gate {
 public:
  void close(bool only_next = false) {
    std::lock_guard lock(mu_);
    open_ = false;
    only_next_ = only_next;
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
    if (open_ || (only_next_ && waiting_ > 0)) return;
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
  bool only_next_ = false;
  int waiting_ = 0;
};

// A launcher whose launches pass a Gate first: a slow spawn of spark-submit.
class GatedLauncher final : public livy::ProcessLauncher {
 public:
  explicit GatedLauncher(std::shared_ptr<livy::ProcessLauncher> inner) : inner_(std::move(inner)) {}
  Gate gate;

  livy::Result<int> launch(const livy::ProcessSpec& spec) override {
    gate.pass();
    return inner_->launch(spec);
  }
  std::optional<livy::ProcessExit> try_reap(int pid) override { return inner_->try_reap(pid); }
  bool group_alive(int pgid) override { return inner_->group_alive(pgid); }
  void signal_group(int pgid, int signal) override { inner_->signal_group(pgid, signal); }
  std::string process_identity(int pid) override { return inner_->process_identity(pid); }

 private:
  std::shared_ptr<livy::ProcessLauncher> inner_;
};

// Opens a gate when it goes out of scope. Declared after the futures of a test, so destroyed
// before them: a failed check opens the gate first, and the futures' destructors do not wait
// for a call that waits for it.
struct OpenAtEnd {
  Gate& gate;
  ~OpenAtEnd() { gate.open(); }
};

template <typename T>
bool answers_at_once(std::future<T>& f) {
  return f.wait_for(5s) == std::future_status::ready;  // an upper bound: it is ready as soon as it answers
}

// A SessionCore on a store whose writes pass through a Gate; fakes from TestRuntime (not opened).
struct Engine {
  livy_test::TestRuntime fakes;
  std::shared_ptr<livy_test::ManualClock> clock = std::make_shared<livy_test::ManualClock>();
  Gate gate;
  std::shared_ptr<GatedLauncher> launcher = std::make_shared<GatedLauncher>(fakes.shared_launcher());
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
                                               launcher, clock);
    REQUIRE(core->start().is_ok());
  }
  ~Engine() {
    gate.open();
    launcher->gate.open();
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
  OpenAtEnd open_at_end{engine.gate};
  engine.gate.close();
  // Session 0's submit writes its statement (synced) and stops in the store.
  blocked = std::async(std::launch::async, [&] { return core.submit("0", {"a's code", std::nullopt}); });
  REQUIRE(engine.gate.wait_for_a_writer(5s));

  // Another session's reads answer while that write is held: they take no lock it holds.
  get_b = std::async(std::launch::async, [&] { return core.get("1"); });
  REQUIRE(answers_at_once(get_b));
  CHECK(get_b.get()->state == SessionState::kBusy);
  statement_b = std::async(std::launch::async, [&] { return core.statement("1", 0, 0ms); });
  REQUIRE(answers_at_once(statement_b));
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

TEST_CASE("while a session's statement is written, the list and that session's own reads answer at once",
          "[session][locks]") {
  Engine engine;
  auto driver_a = engine.idle_session(0);
  auto driver_b = engine.idle_session(1);
  auto& core = *engine.core;
  REQUIRE(core.submit("0", {"first", std::nullopt}).has_value());
  REQUIRE(driver_a->next()->type == "execute");

  std::future<livy::Result<livy::Statement>> blocked, statement_a;
  std::future<livy::Result<livy::Session>> get_a, heartbeat_a;
  std::future<livy::Result<livy::Page<livy::Session>>> list;
  std::future<livy::Result<livy::Page<livy::Statement>>> statements_a;
  OpenAtEnd open_at_end{engine.gate};
  engine.gate.close(/*only_next=*/true);  // the statement's write; the session's later writes pass
  blocked = std::async(std::launch::async, [&] { return core.submit("0", {"second", std::nullopt}); });
  REQUIRE(engine.gate.wait_for_a_writer(5s));

  // GET /sessions
  list = std::async(std::launch::async, [&] { return core.list(0, 100); });
  REQUIRE(answers_at_once(list));
  const auto page = list.get();
  REQUIRE(page.has_value());
  REQUIRE(page->items.size() == 2);
  CHECK(page->items[0].state == SessionState::kBusy);
  CHECK(page->items[1].state == SessionState::kIdle);
  // GET /sessions/0 (a heartbeat) and the plain get, of the session whose write is held.
  heartbeat_a = std::async(std::launch::async, [&] { return core.touch("0", false); });
  REQUIRE(answers_at_once(heartbeat_a));
  CHECK(heartbeat_a.get()->state == SessionState::kBusy);
  get_a = std::async(std::launch::async, [&] { return core.get("0"); });
  REQUIRE(answers_at_once(get_a));
  CHECK(get_a.get()->id == 0);
  // Its statements: the one being written is not there yet (it is not stored).
  statements_a = std::async(std::launch::async, [&] { return core.statements("0", 0, 100, false); });
  REQUIRE(answers_at_once(statements_a));
  CHECK(statements_a.get()->total == 1);
  statement_a = std::async(std::launch::async, [&] { return core.statement("0", 0, 0ms); });
  REQUIRE(answers_at_once(statement_a));
  CHECK(statement_a.get()->state == StatementState::kWaiting);
  // Its driver's result is applied meanwhile; the held statement is not run before it is stored:
  // the session goes idle (a queued statement would have been sent, and the session stayed busy).
  driver_a->result_ok(0, 1, "done");
  CHECK(eventually([&] { return core.get("0")->state == SessionState::kIdle; }));
  CHECK(core.statement("0", 0, 0ms)->state == StatementState::kAvailable);
  CHECK(blocked.wait_for(0ms) == std::future_status::timeout);  // still held: the test proved something

  engine.gate.open();
  REQUIRE(blocked.wait_for(5s) == std::future_status::ready);
  const auto second = blocked.get();
  REQUIRE(second.has_value());
  CHECK(second->id == 1);
  const auto sent = driver_a->next();
  REQUIRE(sent.has_value());
  CHECK(sent->type == "execute");
}

TEST_CASE("submits to one session keep dense ids in order while each write is unlocked", "[session][locks]") {
  Engine engine;
  auto driver = engine.idle_session(0);
  auto& core = *engine.core;
  std::future<livy::Result<livy::Statement>> first, second;
  OpenAtEnd open_at_end{engine.gate};
  engine.gate.close(/*only_next=*/true);
  first = std::async(std::launch::async, [&] { return core.submit("0", {"one", std::nullopt}); });
  REQUIRE(engine.gate.wait_for_a_writer(5s));
  // The second submit waits for the first one's write: it may not take id 1 before 0 is stored.
  second = std::async(std::launch::async, [&] { return core.submit("0", {"two", std::nullopt}); });
  REQUIRE(eventually([&] { return core.waits_of(0)->waiting == 1; }));
  CHECK(second.wait_for(0ms) == std::future_status::timeout);
  engine.gate.open();
  REQUIRE(first.wait_for(5s) == std::future_status::ready);
  REQUIRE(second.wait_for(5s) == std::future_status::ready);
  CHECK(first.get()->id == 0);
  CHECK(second.get()->id == 1);
  // Both were stored, in order.
  const auto stored = engine.store->load_statements(0);
  REQUIRE(stored.has_value());
  REQUIRE(stored->size() == 2);
  CHECK((*stored)[0].code == "one");
  CHECK((*stored)[1].code == "two");
}

TEST_CASE("a session deleted while its statement is written cancels that statement", "[session][locks]") {
  Engine engine;
  auto driver = engine.idle_session(0);
  auto& core = *engine.core;
  std::future<livy::Result<livy::Statement>> blocked;
  std::future<livy::Status> deleted;
  OpenAtEnd open_at_end{engine.gate};
  engine.gate.close(/*only_next=*/true);
  blocked = std::async(std::launch::async, [&] { return core.submit("0", {"late", std::nullopt}); });
  REQUIRE(engine.gate.wait_for_a_writer(5s));
  // DELETE takes the session's lock, which the write does not hold; its own writes pass the gate.
  deleted = std::async(std::launch::async, [&] { return core.stop_session("0", true); });
  REQUIRE(answers_at_once(deleted));
  CHECK(deleted.get().is_ok());
  CHECK(blocked.wait_for(0ms) == std::future_status::timeout);

  engine.gate.open();
  REQUIRE(blocked.wait_for(5s) == std::future_status::ready);
  const auto st = blocked.get();
  REQUIRE(st.has_value());
  CHECK(st->state == StatementState::kCancelled);
  // Never sent to the driver, and stored as cancelled (a recovery would not run it).
  CHECK(eventually([&] {
    const auto stored = engine.store->load_statements(0);
    return stored && stored->size() == 1 && (*stored)[0].state == StatementState::kCancelled;
  }));
  const auto told = driver->next();
  REQUIRE(told.has_value());
  CHECK(told->type == "shutdown");
}

TEST_CASE("while a session's spark-submit is spawned, the list and every session answer at once",
          "[session][locks]") {
  Engine engine;
  auto driver_a = engine.idle_session(0);
  auto& core = *engine.core;
  std::future<livy::Result<livy::Session>> creating, get_a, get_new;
  std::future<livy::Result<livy::Page<livy::Session>>> list;
  std::future<livy::Result<livy::Statement>> submit_a;
  OpenAtEnd open_at_end{engine.launcher->gate};
  engine.launcher->gate.close();
  creating = std::async(std::launch::async, [&] {
    livy::SessionRequest request;
    request.kind = livy::SessionKind::kPySpark;
    return core.create(request, std::nullopt);
  });
  REQUIRE(engine.launcher->gate.wait_for_a_writer(5s));

  list = std::async(std::launch::async, [&] { return core.list(0, 100); });
  REQUIRE(answers_at_once(list));
  const auto page = list.get();
  REQUIRE(page.has_value());
  REQUIRE(page->items.size() == 2);
  CHECK(page->items[1].state == SessionState::kStarting);
  get_a = std::async(std::launch::async, [&] { return core.touch("0", false); });
  REQUIRE(answers_at_once(get_a));
  CHECK(get_a.get()->state == SessionState::kIdle);
  get_new = std::async(std::launch::async, [&] { return core.touch("1", false); });
  REQUIRE(answers_at_once(get_new));
  CHECK(get_new.get()->state == SessionState::kStarting);
  submit_a = std::async(std::launch::async, [&] { return core.submit("0", {"code", std::nullopt}); });
  REQUIRE(answers_at_once(submit_a));
  CHECK(submit_a.get().has_value());
  CHECK(creating.wait_for(0ms) == std::future_status::timeout);  // still spawning: the test proved something

  engine.launcher->gate.open();
  REQUIRE(creating.wait_for(5s) == std::future_status::ready);
  const auto created = creating.get();
  REQUIRE(created.has_value());
  CHECK(created->id == 1);
  CHECK(created->state == SessionState::kStarting);
  CHECK(engine.fakes.launcher().launched().size() == 2);
}

TEST_CASE("a session deleted while its spark-submit is spawned has the new group stopped", "[session][locks]") {
  Engine engine;
  auto& core = *engine.core;
  std::future<livy::Result<livy::Session>> creating;
  std::future<livy::Status> deleted;
  OpenAtEnd open_at_end{engine.launcher->gate};
  engine.launcher->gate.close();
  creating = std::async(std::launch::async, [&] {
    livy::SessionRequest request;
    request.kind = livy::SessionKind::kPySpark;
    return core.create(request, std::nullopt);
  });
  REQUIRE(engine.launcher->gate.wait_for_a_writer(5s));
  deleted = std::async(std::launch::async, [&] { return core.stop_session("0", true); });
  REQUIRE(answers_at_once(deleted));
  CHECK(deleted.get().is_ok());

  engine.launcher->gate.open();
  REQUIRE(creating.wait_for(5s) == std::future_status::ready);
  const auto created = creating.get();
  REQUIRE(created.has_value());
  CHECK(created->state == SessionState::kKilled);
  // The group spawned after the delete gets its SIGTERM at once, as a deleted session's would.
  CHECK(engine.fakes.launcher().wait_for_signal(livy_test::ScriptedLauncher::kFirstPid, SIGTERM, 5s));
  CHECK(!core.get("0").has_value());
}

TEST_CASE("a statement's long-poll wakes for its own statement only", "[session][locks]") {
  Engine engine;
  auto driver_a = engine.idle_session(0);
  auto driver_b = engine.idle_session(1);
  auto& core = *engine.core;
  REQUIRE(core.submit("0", {"a's first", std::nullopt}).has_value());
  REQUIRE(core.submit("0", {"a's second", std::nullopt}).has_value());
  REQUIRE(core.submit("1", {"b's code", std::nullopt}).has_value());
  REQUIRE(driver_a->next()->type == "execute");
  REQUIRE(driver_b->next()->type == "execute");

  // A client long-polls session 0's second statement (waiting behind the first).
  auto poll = std::async(std::launch::async, [&] { return core.statement("0", 1, 30s); });
  REQUIRE(eventually([&] { return core.waits_of(0)->waiting == 1; }));
  const auto before = core.waits_of(0)->wakeups;

  // Session 1's driver reports, again and again; session 0's first statement starts, progresses
  // and ends, and session 0 goes busy, idle and busy again: the waiter sleeps on through all of it.
  driver_b->started(0);
  for (int i = 1; i <= 50; ++i) driver_b->progress(0, i / 100.0);
  REQUIRE(eventually([&] { return core.statement("1", 0, 0ms)->progress == 0.5; }));
  driver_a->started(0);
  driver_a->progress(0, 0.25);
  driver_a->result_ok(0, 1, "first done");
  REQUIRE(driver_a->next()->type == "execute");  // the second one is sent now
  driver_a->started(1);
  REQUIRE(eventually([&] { return core.statement("0", 1, 0ms)->state == StatementState::kRunning; }));
  CHECK(core.get("0")->state == SessionState::kBusy);
  CHECK(core.waits_of(0)->wakeups == before);
  CHECK(core.waits_of(0)->waiting == 1);
  CHECK(poll.wait_for(0ms) == std::future_status::timeout);

  // Its own statement's end wakes it (the count can move: the check above could fail).
  driver_a->result_ok(1, 2, "second done");
  REQUIRE(poll.wait_for(5s) == std::future_status::ready);
  CHECK(poll.get()->state == StatementState::kAvailable);
  CHECK(core.waits_of(0)->wakeups > before);
  CHECK(core.waits_of(0)->waiting == 0);
}
