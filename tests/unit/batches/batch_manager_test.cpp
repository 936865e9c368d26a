// BatchManager through a Runtime wired to the scripted launcher and a fake
// Spark home: argv and environment handed to the launcher, state changes,
// kill, names, paging, limits and recovery. No process is started.
#include <algorithm>
#include <csignal>
#include <cstdlib>

#include <catch2/catch.hpp>

#include "livy/livy.h"
#include "support/eventually.h"
#include "support/test_runtime.h"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using livy::BatchState;
using livy::ErrorCode;
using livy_test::eventually;
using livy_test::ScriptedLauncher;
using livy_test::TestRuntime;

namespace {

constexpr auto kWait = 5s;  // upper bound only: every wait below ends as soon as its condition holds

livy::BatchRequest request_for(const TestRuntime& t, std::optional<std::string> name = std::nullopt) {
  livy::BatchRequest r;
  r.file = t.job_file();
  r.name = std::move(name);
  return r;
}

livy::Batch submit_ok(TestRuntime& t, std::optional<std::string> name = std::nullopt) {
  auto b = t.batches().submit(request_for(t, std::move(name)));
  if (!b) FAIL("submit: " << b.status().message());
  return *b;
}

int pid_of(std::int64_t id) {
  // Batches are launched in id order by these tests, one launch each.
  return ScriptedLauncher::kFirstPid + static_cast<int>(id);
}

BatchState state_of(TestRuntime& t, std::int64_t id) {
  auto b = t.batches().get(std::to_string(id));
  REQUIRE(b.has_value());
  return b->state;
}

bool has_env(const livy::ProcessSpec& spec, const std::string& key, const std::string& value) {
  for (const auto& [k, v] : spec.env) {
    if (k == key && v == value) return true;
  }
  return false;
}

int count_signals(const ScriptedLauncher& l, int pgid, int signal) {
  int n = 0;
  for (const auto& s : l.signals()) n += (s.pgid == pgid && s.signal == signal) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("submit returns the batch `starting` and launches spark-submit for it", "[batch_manager]") {
  TestRuntime t;
  t.open();
  auto r = request_for(t, "first");
  r.proxy_user = "bob";
  r.args = {"10"};
  const auto b = t.batches().submit(r, std::string("alice"));
  REQUIRE(b.has_value());
  CHECK(b->id == 0);
  CHECK(b->state == BatchState::kStarting);
  CHECK(b->name == "first");
  CHECK(b->owner == "alice");
  CHECK(b->proxy_user == "bob");
  CHECK_FALSE(b->app_id);

  const auto launched = t.launcher().launched();
  REQUIRE(launched.size() == 1);
  const auto& spec = launched[0];
  REQUIRE(spec.argv.size() >= 5);
  CHECK(spec.argv[0] == t.spark().spark_submit());
  CHECK(spec.argv[1] == "--master");
  CHECK(spec.argv[2] == "local[*]");
  CHECK(spec.argv[spec.argv.size() - 2] == t.job_file());
  CHECK(spec.argv.back() == "10");
  CHECK(std::find(spec.argv.begin(), spec.argv.end(), "--proxy-user") != spec.argv.end());
  CHECK(has_env(spec, "SPARK_HOME", t.spark().str()));

  const auto batch_dir = t.data_dir() / "batches" / "0";
  CHECK(std::filesystem::is_directory(batch_dir));
  CHECK(std::filesystem::path(spec.output_path).parent_path() == batch_dir);
  CHECK(std::filesystem::path(spec.exit_status_path).parent_path() == batch_dir);
  CHECK(spec.output_path != spec.exit_status_path);
  CHECK(spec.working_dir == batch_dir.string());
}

TEST_CASE("a batch's end decides its final state", "[batch_manager]") {
  TestRuntime t;
  t.open();
  const auto b = submit_ok(t);
  const int pid = pid_of(b.id);

  SECTION("exit 0: success") {
    t.launcher().exit(pid, 0);
    CHECK(t.batches().wait("0", kWait)->state == BatchState::kSuccess);
  }
  SECTION("exit 1: dead") {
    t.launcher().exit(pid, 1);
    CHECK(t.batches().wait("0", kWait)->state == BatchState::kDead);
  }
  SECTION("the wrapper killed from outside, no status: dead, and the log says why") {
    t.launcher().die(pid, SIGKILL);
    const auto done = t.batches().wait("0", kWait);
    CHECK(done->state == BatchState::kDead);
    REQUIRE_FALSE(done->log.empty());
    CHECK_THAT(done->log.back(), Contains("without recording an exit status"));
  }
  // A finished batch stays listed (state-retain) and leaves no live group to signal.
  CHECK(t.batches().list()->total == 1);
  CHECK(t.launcher().signals().empty());
}

TEST_CASE("output makes a batch `running` and reveals its application id and UI", "[batch_manager]") {
  TestRuntime t;
  t.open();
  const auto b = submit_ok(t);
  const int pid = pid_of(b.id);
  t.launcher().print(pid, "INFO SparkContext: Running Spark\n");
  REQUIRE(eventually([&] { return state_of(t, b.id) == BatchState::kRunning; }));

  t.launcher().print(pid,
                     "INFO: app id local-1700000000123\n"
                     "INFO Utils: Successfully started service 'SparkUI' on port 4051.\n");
  REQUIRE(eventually([&] { return t.batches().get("0")->app_id.has_value(); }));
  const auto running = *t.batches().get("0");
  CHECK(running.app_id == "local-1700000000123");
  REQUIRE(eventually([&] { return t.batches().get("0")->app_info.spark_ui_url.has_value(); }));
  // A local master's driver listens on SPARK_LOCAL_IP, loopback unless the environment says otherwise.
  const char* local_ip = std::getenv("SPARK_LOCAL_IP");
  const std::string ui_host = local_ip != nullptr && *local_ip != '\0' ? local_ip : "127.0.0.1";
  CHECK(t.batches().get("0")->app_info.spark_ui_url == "http://" + ui_host + ":4051");

  t.launcher().exit(pid, 0);
  const auto done = *t.batches().wait("0", kWait);
  CHECK(done.state == BatchState::kSuccess);
  CHECK(done.app_id == "local-1700000000123");
  CHECK(done.log.size() == 3);
}

TEST_CASE("kill: SIGTERM to the group at once, SIGKILL after the grace period", "[batch_manager]") {
  TestRuntime t;
  t.config().batch_kill_grace = 50ms;
  t.open();
  const auto b = submit_ok(t);
  const int pid = pid_of(b.id);

  REQUIRE(t.batches().kill("0").is_ok());
  CHECK(state_of(t, b.id) == BatchState::kKilled);
  REQUIRE(t.launcher().signals().size() >= 1);
  CHECK(t.launcher().signals()[0] == ScriptedLauncher::Signal{pid, SIGTERM});

  // The group ignores SIGTERM (it stays alive): SIGKILL follows, not before the grace period
  // (the manual clock's: many monitor ticks pass without it).
  t.clock().advance(49ms);
  CHECK_FALSE(t.launcher().wait_for_signal(pid, SIGKILL, 100ms));
  t.clock().advance(1ms);
  REQUIRE(t.launcher().wait_for_signal(pid, SIGKILL, kWait));
  CHECK(count_signals(t.launcher(), pid, SIGTERM) == 1);

  t.launcher().die(pid, SIGKILL);
  const auto done = t.batches().wait("0", kWait);
  CHECK(done->state == BatchState::kKilled);
  CHECK(count_signals(t.launcher(), pid, SIGKILL) == 1);
}

TEST_CASE("kill: a group that obeys SIGTERM gets no SIGKILL", "[batch_manager]") {
  TestRuntime t;
  t.config().batch_kill_grace = 200ms;  // longer than the test thread could stall between kill and die
  t.open();
  const auto b = submit_ok(t);
  const int pid = pid_of(b.id);
  REQUIRE(t.batches().kill("0").is_ok());
  t.launcher().die(pid, SIGTERM);
  CHECK(t.batches().wait("0", kWait)->state == BatchState::kKilled);
  // Well past the grace period, through many monitor ticks.
  t.clock().advance(1s);
  CHECK_FALSE(t.launcher().wait_for_signal(pid, SIGKILL, 100ms));
}

TEST_CASE("kill: a batch that ends with exit 0 after being killed stays `killed`", "[batch_manager]") {
  TestRuntime t;
  t.open();
  const auto b = submit_ok(t);
  REQUIRE(t.batches().kill("0").is_ok());
  t.launcher().exit(pid_of(b.id), 0);
  CHECK(t.batches().wait("0", kWait)->state == BatchState::kKilled);
}

TEST_CASE("kill: a second kill during the grace period does not cancel the SIGKILL", "[batch_manager]") {
  // Clients retry DELETE. The first one moves the batch to `killed` at once, while
  // its process group may still be alive and waiting for its SIGKILL.
  TestRuntime t;
  t.config().batch_kill_grace = 50ms;
  t.open();
  const auto b = submit_ok(t);
  const int pid = pid_of(b.id);
  REQUIRE(t.batches().kill("0").is_ok());
  CHECK(t.batches().kill("0").is_ok());
  CHECK(t.batches().get("0")->state == BatchState::kKilled);  // still there, still being killed
  t.clock().advance(50ms);
  CHECK(t.launcher().wait_for_signal(pid, SIGKILL, kWait));
  t.launcher().die(pid, SIGKILL);
  REQUIRE(t.batches().wait("0", kWait)->state == BatchState::kKilled);
  // Once it has ended, a DELETE forgets it.
  CHECK(t.batches().kill("0").is_ok());
  CHECK(t.batches().get("0").status().code() == ErrorCode::kNotFound);
}

TEST_CASE("a child reaped behind our back (SIGCHLD ignored) still ends its batch", "[batch_manager]") {
  TestRuntime t;
  t.open();
  const auto b = submit_ok(t);
  const int pid = pid_of(b.id);
  livy_test::write_file(t.launcher().spec_of(pid).exit_status_path, "0\n");
  t.launcher().set_group_alive(pid, false);  // gone, and try_reap will never report it
  CHECK(t.batches().wait("0", kWait)->state == BatchState::kSuccess);
}

// Regression (was a bug): a batch that ended on its own but left processes behind has a
// pending SIGKILL (sigkill_at); BatchManager::Impl::kill forgets it at once, and the
// SIGKILL is never sent.
TEST_CASE("kill: forgetting a finished batch does not cancel the SIGKILL of its leftover group",
          "[batch_manager]") {
  TestRuntime t;
  t.config().batch_kill_grace = 50ms;
  t.open();
  const auto b = submit_ok(t);
  const int pid = pid_of(b.id);
  t.launcher().exit(pid, 0, /*leave_group_alive=*/true);
  REQUIRE(t.batches().wait("0", kWait)->state == BatchState::kSuccess);
  REQUIRE(t.launcher().wait_for_signal(pid, SIGTERM, kWait));  // the leftovers are told to go
  REQUIRE(t.batches().kill("0").is_ok());                     // forgotten during the grace period
  t.clock().advance(50ms);
  CHECK(t.launcher().wait_for_signal(pid, SIGKILL, 2s));
}

TEST_CASE("a finished batch's leftover processes get SIGTERM, then SIGKILL", "[batch_manager]") {
  TestRuntime t;
  t.config().batch_kill_grace = 50ms;
  t.open();
  const auto b = submit_ok(t);
  const int pid = pid_of(b.id);
  t.launcher().exit(pid, 0, /*leave_group_alive=*/true);
  CHECK(t.batches().wait("0", kWait)->state == BatchState::kSuccess);
  CHECK(t.launcher().wait_for_signal(pid, SIGTERM, kWait));
  t.clock().advance(50ms);
  CHECK(t.launcher().wait_for_signal(pid, SIGKILL, kWait));
  CHECK(t.batches().get("0")->state == BatchState::kSuccess);  // still a success
}

TEST_CASE("kill of a finished batch forgets it, also across a restart", "[batch_manager]") {
  TestRuntime t;
  t.open();
  const auto b = submit_ok(t, "etl");
  t.launcher().exit(pid_of(b.id), 0);
  REQUIRE(t.batches().wait("0", kWait)->state == BatchState::kSuccess);

  REQUIRE(t.batches().kill("etl").is_ok());
  CHECK(t.batches().get("0").status().code() == ErrorCode::kNotFound);
  CHECK(t.batches().get("etl").status().code() == ErrorCode::kNotFound);
  CHECK(t.batches().list()->total == 0);
  CHECK(t.batches().kill("0").code() == ErrorCode::kNotFound);
  CHECK(t.launcher().signals().empty());

  t.close_and_forget_children();
  t.open();
  CHECK(t.batches().get("0").status().code() == ErrorCode::kNotFound);
  CHECK(t.batches().list()->total == 0);
}

TEST_CASE("unknown batches are not found, with Livy's message", "[batch_manager]") {
  TestRuntime t;
  t.open();
  const auto st = t.batches().get("9").status();
  CHECK(st.code() == ErrorCode::kNotFound);
  CHECK(st.message() == "Session '9' not found.");
  CHECK(t.batches().get("no-such-name").status().code() == ErrorCode::kNotFound);
  CHECK(t.batches().log("9", std::nullopt, 10).status().code() == ErrorCode::kNotFound);
  CHECK(t.batches().wait("9", 10ms).status().code() == ErrorCode::kNotFound);
  CHECK(t.batches().kill("9").code() == ErrorCode::kNotFound);
}

TEST_CASE("names: unique among live batches, usable wherever an id is", "[batch_manager]") {
  TestRuntime t;
  t.open();
  const auto first = submit_ok(t, "nightly-etl");
  submit_ok(t, "other");

  const auto dup = t.batches().submit(request_for(t, "nightly-etl"));
  CHECK(dup.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(dup.status().message(), Contains("nightly-etl"));
  CHECK(t.launcher().launched().size() == 2);  // the duplicate launched nothing

  const auto by_name = t.batches().get("nightly-etl");
  REQUIRE(by_name.has_value());
  CHECK(by_name->id == first.id);
  CHECK(t.batches().log("nightly-etl", std::nullopt, 10).has_value());

  // Once forgotten, the name is free again.
  t.launcher().exit(pid_of(first.id), 0);
  REQUIRE(t.batches().wait("nightly-etl", kWait)->state == BatchState::kSuccess);
  REQUIRE(t.batches().kill("nightly-etl").is_ok());
  const auto again = t.batches().submit(request_for(t, "nightly-etl"));
  REQUIRE(again.has_value());
  CHECK(again->id == 2);
}

TEST_CASE("an invalid request is refused before anything is stored or launched", "[batch_manager]") {
  TestRuntime t;
  t.open();
  livy::BatchRequest r;
  r.file = "/etc/passwd";
  CHECK(t.batches().submit(r).status().code() == ErrorCode::kInvalidArgument);
  r = request_for(t, "12");
  CHECK(t.batches().submit(r).status().code() == ErrorCode::kInvalidArgument);
  CHECK(t.launcher().launched().empty());
  CHECK(submit_ok(t).id == 0);  // no id was used up
}

TEST_CASE("list pages through the live batches, oldest first", "[batch_manager]") {
  TestRuntime t;
  t.open();
  for (int i = 0; i < 5; ++i) submit_ok(t);
  auto ids = [](const livy::Page<livy::Batch>& p) {
    std::vector<std::int64_t> out;
    for (const auto& b : p.items) out.push_back(b.id);
    return out;
  };
  using Ids = std::vector<std::int64_t>;

  auto all = t.batches().list();
  REQUIRE(all.has_value());
  CHECK(all->from == 0);
  CHECK(all->total == 5);
  CHECK(ids(*all) == Ids{0, 1, 2, 3, 4});

  auto page = t.batches().list(1, 2);
  CHECK(page->from == 1);
  CHECK(page->total == 5);
  CHECK(ids(*page) == Ids{1, 2});

  CHECK(ids(*t.batches().list(4, 10)) == Ids{4});
  CHECK(ids(*t.batches().list(10, 5)).empty());
  CHECK(t.batches().list(10, 5)->total == 5);
  CHECK(ids(*t.batches().list(0, 0)).empty());
  CHECK(t.batches().list(-1, 10).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("log paging: no `from` means the last `size` lines, size < 0 means all", "[batch_manager]") {
  TestRuntime t;
  t.open();
  const auto b = submit_ok(t);
  t.launcher().print(pid_of(b.id), "l0\nl1\nl2\nl3\nl4\n");
  REQUIRE(eventually([&] { return t.batches().log("0", std::nullopt, -1)->total == 5; }));
  using L = std::vector<std::string>;

  auto last2 = *t.batches().log("0", std::nullopt, 2);
  CHECK(last2.id == 0);
  CHECK(last2.total == 5);
  CHECK(last2.from == 3);
  CHECK(last2.lines == L{"l3", "l4"});

  auto all = *t.batches().log("0", std::nullopt, -1);
  CHECK(all.from == 0);
  CHECK(all.lines == L{"l0", "l1", "l2", "l3", "l4"});

  auto more_than_there = *t.batches().log("0", std::nullopt, 100);
  CHECK(more_than_there.from == 0);
  CHECK(more_than_there.lines.size() == 5);

  auto middle = *t.batches().log("0", 1, 2);
  CHECK(middle.from == 1);
  CHECK(middle.lines == L{"l1", "l2"});

  CHECK(t.batches().log("0", 3, -1)->lines == L{"l3", "l4"});
  CHECK(t.batches().log("0", 4, 10)->lines == L{"l4"});
  CHECK(t.batches().log("0", 10, 10)->lines.empty());
  CHECK(t.batches().log("0", 0, 0)->lines.empty());
  CHECK(t.batches().log("0", -1, 10).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("a batch shows its last 10 lines, the cache keeps log.cache-size", "[batch_manager]") {
  TestRuntime t;
  t.config().log_cache_lines = 12;
  t.open();
  const int pid = pid_of(submit_ok(t).id);
  std::string text;
  for (int i = 0; i < 15; ++i) text += "line " + std::to_string(i) + "\n";
  t.launcher().print(pid, text);
  t.launcher().exit(pid, 0);
  const auto done = *t.batches().wait("0", kWait);
  REQUIRE(done.log.size() == 10);
  CHECK(done.log.front() == "line 5");
  CHECK(done.log.back() == "line 14");
  const auto log = *t.batches().log("0", std::nullopt, -1);
  CHECK(log.total == 12);
  CHECK(log.lines.front() == "line 3");
}

TEST_CASE("max-creation: too many batches starting at once are refused with Livy's message", "[batch_manager]") {
  TestRuntime t;
  t.config().max_creation = 2;
  t.open();
  const auto first = submit_ok(t);
  submit_ok(t);
  const auto third = t.batches().submit(request_for(t));
  CHECK(third.status().code() == ErrorCode::kResourceExhausted);
  CHECK(third.status().message() == "Rejected, too many sessions are being created!");
  CHECK(t.launcher().launched().size() == 2);

  // Once one of them runs, there is room again.
  t.launcher().print(pid_of(first.id), "started\n");
  REQUIRE(eventually([&] { return state_of(t, first.id) == BatchState::kRunning; }));
  const auto fourth = t.batches().submit(request_for(t));
  REQUIRE(fourth.has_value());
  CHECK(fourth->id == 2);  // the refused one used no id
}

TEST_CASE("a launch failure ends the batch `dead` (Livy has no batch in `error`) and says so in its log", "[batch_manager]") {
  TestRuntime t;
  t.config().max_creation = 1;
  t.open();
  t.launcher().fail_launches();
  const auto b = t.batches().submit(request_for(t));
  REQUIRE(b.has_value());
  CHECK(b->state == BatchState::kDead);
  REQUIRE_FALSE(b->log.empty());
  CHECK_THAT(b->log.back(), Contains("could not start"));
  CHECK(t.batches().wait("0", kWait)->state == BatchState::kDead);
  // A batch that failed to start is not `starting`: it does not hold a creation slot.
  t.launcher().fail_launches(false);
  CHECK(t.batches().submit(request_for(t)).has_value());
}

TEST_CASE("wait returns the current state when the timeout passes first", "[batch_manager]") {
  TestRuntime t;
  t.open();
  submit_ok(t);
  const auto start = std::chrono::steady_clock::now();
  const auto b = t.batches().wait("0", 30ms);
  REQUIRE(b.has_value());
  CHECK(b->state == BatchState::kStarting);
  CHECK(std::chrono::steady_clock::now() - start >= 30ms);
}

TEST_CASE("a finished batch leaves the list after state-retain, and stays readable by id", "[batch_manager]") {
  TestRuntime t;
  t.config().state_retain = 60s;
  t.open();
  const auto b = submit_ok(t, "done");
  t.launcher().print(pid_of(b.id), "the batch's last words\n");
  t.launcher().exit(pid_of(b.id), 0);
  REQUIRE(t.batches().wait("0", kWait)->state == BatchState::kSuccess);

  t.clock().advance(59s);
  CHECK_FALSE(eventually([&] { return t.batches().list()->total == 0; }, 50ms));
  t.clock().advance(2s);
  CHECK(eventually([&] { return t.batches().list()->total == 0; }));
  // Out of the list and out of memory, but still in the store: by id, not by name.
  const auto archived = t.batches().get("0");
  REQUIRE(archived.has_value());
  CHECK(archived->state == BatchState::kSuccess);
  CHECK(archived->log == std::vector<std::string>{"the batch's last words"});
  const auto log = t.batches().log("0", std::nullopt, -1);
  REQUIRE(log.has_value());
  CHECK(log->lines == std::vector<std::string>{"the batch's last words"});
  CHECK(t.batches().get("done").status().code() == ErrorCode::kNotFound);
  CHECK(t.batches().get("7").status().code() == ErrorCode::kNotFound);
  // And after a restart.
  t.close_and_forget_children();
  t.open();
  CHECK(t.batches().get("0").has_value());
}

TEST_CASE("ids continue after a restart and are never reused", "[batch_manager]") {
  TestRuntime t;
  t.open();
  for (int i = 0; i < 3; ++i) submit_ok(t);
  for (int id = 0; id < 3; ++id) t.launcher().exit(pid_of(id), 0);
  REQUIRE(t.batches().wait("2", kWait)->state == BatchState::kSuccess);
  REQUIRE(t.batches().kill("2").is_ok());  // forgotten: its id stays used

  t.close_and_forget_children();
  t.open();
  const auto next = t.batches().submit(request_for(t));
  REQUIRE(next.has_value());
  CHECK(next->id == 3);
  CHECK(t.batches().get("0")->state == BatchState::kSuccess);  // finished ones are remembered
  CHECK(t.batches().get("2").status().code() == ErrorCode::kNotFound);
}

TEST_CASE("recovery: a batch that ran while livyd was down ends as its exit status says", "[batch_manager]") {
  TestRuntime t;
  t.open();
  const auto b = submit_ok(t, "survivor");
  const int pid = pid_of(b.id);
  const auto spec = t.launcher().spec_of(pid);
  t.launcher().print(pid, "before the restart\n");
  REQUIRE(eventually([&] { return state_of(t, b.id) == BatchState::kRunning; }));
  t.close_and_forget_children();  // the process outlives livyd, then ends on its own

  SECTION("exit status 0: success") {
    livy_test::write_file(spec.exit_status_path, "0\n");
    t.open();
    const auto done = t.batches().wait("survivor", kWait);
    CHECK(done->state == BatchState::kSuccess);
    CHECK(done->log.front() == "before the restart");
  }
  SECTION("exit status 2: dead") {
    livy_test::write_file(spec.exit_status_path, "2\n");
    t.open();
    CHECK(t.batches().wait("0", kWait)->state == BatchState::kDead);
  }
  SECTION("no status and no process: dead") {
    t.open();
    CHECK(t.batches().wait("0", kWait)->state == BatchState::kDead);
  }
  SECTION("still running: keeps its real state until the status appears") {
    t.launcher().set_group_alive(pid, true);  // the new livyd finds the group alive
    t.open();
    CHECK(t.batches().wait("0", 50ms)->state == BatchState::kRunning);
    livy_test::append_file(spec.output_path, "after the restart\n");
    livy_test::write_file(spec.exit_status_path, "0\n");
    const auto done = t.batches().wait("0", kWait);
    CHECK(done->state == BatchState::kSuccess);
    CHECK(done->log.back() == "after the restart");
    // Its group outlived the batch: it is told to stop.
    CHECK(t.launcher().wait_for_signal(pid, SIGTERM, kWait));
  }
  SECTION("its pid belongs to another program now (a reboot): dead, and never signalled") {
    t.launcher().set_group_alive(pid, true);
    t.launcher().set_identity(pid, "another-boot:1");
    t.open();
    CHECK(t.batches().wait("0", kWait)->state == BatchState::kDead);
    REQUIRE(eventually([&] {
      const auto log = t.batches().log("0", std::nullopt, -1);
      return log && std::any_of(log->lines.begin(), log->lines.end(), [](const std::string& line) {
               return line.find("pid was reused") != std::string::npos;
             });
    }));
    std::this_thread::sleep_for(50ms);
    CHECK(t.launcher().signals().empty());
  }
}

TEST_CASE("batches.start-timeout: a spark-submit that prints nothing is stopped, the batch `dead`",
          "[batch_manager]") {
  TestRuntime t;
  t.config().batch_start_timeout = 2min;
  t.open();
  const auto b = submit_ok(t, "silent");
  const int pid = ScriptedLauncher::kFirstPid;
  t.clock().advance(119s);
  std::this_thread::sleep_for(50ms);
  CHECK(state_of(t, b.id) == BatchState::kStarting);
  CHECK(t.launcher().signals().empty());
  t.clock().advance(2s);
  REQUIRE(t.launcher().wait_for_signal(pid, SIGTERM, kWait));
  t.launcher().die(pid, SIGTERM);
  CHECK(t.batches().wait("silent", kWait)->state == BatchState::kDead);
  const auto log = t.batches().log("silent", std::nullopt, -1);
  REQUIRE(log.has_value());
  CHECK(std::any_of(log->lines.begin(), log->lines.end(), [](const std::string& line) {
    return line.find("batches.start-timeout") != std::string::npos;
  }));
}

TEST_CASE("a batch that prints is running: no start timeout", "[batch_manager]") {
  TestRuntime t;
  t.config().batch_start_timeout = 1min;
  t.open();
  const auto b = submit_ok(t);
  t.launcher().print(ScriptedLauncher::kFirstPid, "hello\n");
  REQUIRE(eventually([&] { return state_of(t, b.id) == BatchState::kRunning; }));
  t.clock().advance(1h);
  std::this_thread::sleep_for(50ms);
  CHECK(state_of(t, b.id) == BatchState::kRunning);
  CHECK(t.launcher().signals().empty());
}

TEST_CASE("server.stop-on-shutdown: closing kills running batches; by default they are left running",
          "[batch_manager]") {
  const bool stop = GENERATE(false, true);
  TestRuntime t;
  t.config().stop_on_shutdown = stop;
  t.open();
  const auto b = submit_ok(t);
  const int pid = pid_of(b.id);
  t.launcher().print(pid, "running\n");
  REQUIRE(eventually([&] { return state_of(t, b.id) == BatchState::kRunning; }));
  const auto launcher = t.shared_launcher();
  launcher->obey_sigkill();
  t.close_and_forget_children();
  CHECK(launcher->signals().empty() == !stop);
  t.launcher().set_group_alive(pid, !stop);
  t.open();
  CHECK(state_of(t, b.id) == (stop ? BatchState::kKilled : BatchState::kRunning));
}

TEST_CASE("shutdown refuses new batches", "[batch_manager]") {
  TestRuntime t;
  t.open();
  submit_ok(t);
  t.runtime().shutdown();
  t.runtime().shutdown();  // idempotent
  CHECK(t.batches().submit(request_for(t)).status().code() == ErrorCode::kUnavailable);
  CHECK(t.batches().wait("0", kWait)->state == BatchState::kStarting);  // returns at once
}

TEST_CASE("two runtimes in one process keep separate data", "[batch_manager]") {
  TestRuntime a;
  TestRuntime b;
  a.open();
  b.open();
  CHECK(submit_ok(a).id == 0);
  CHECK(submit_ok(a).id == 1);
  CHECK(submit_ok(b).id == 0);
  CHECK(b.batches().list()->total == 1);
}

TEST_CASE("Runtime::open fails clearly without Spark", "[batch_manager]") {
  livy_test::TempDir dir;
  livy::Config c;
  c.data_dir = (dir / "data").string();
  c.spark_home = (dir / "no-spark").string();
  const auto r = livy::Runtime::open(c, {std::make_shared<ScriptedLauncher>(), nullptr, nullptr});
  CHECK(r.status().code() == ErrorCode::kUnavailable);
  CHECK_THAT(r.status().message(), Contains("spark-submit"));
}

TEST_CASE("shutdown right after a kill still stops the killed batch's group; running ones are left",
          "[batch_manager]") {
  TestRuntime t;
  t.config().batch_kill_grace = 100ms;
  t.open();
  const auto killed = submit_ok(t);
  const auto running = submit_ok(t);
  const auto launcher = t.shared_launcher();
  launcher->obey_sigkill();
  REQUIRE(t.batches().kill(std::to_string(killed.id)).is_ok());  // its group ignores the SIGTERM
  t.close_and_forget_children();
  CHECK(count_signals(*launcher, pid_of(killed.id), SIGKILL) == 1);
  CHECK_FALSE(launcher->group_alive(pid_of(killed.id)));
  CHECK(launcher->group_alive(pid_of(running.id)));
}
