// Batches under a cluster manager (a scripted fake): the tag in spark-submit's conf, the lookup
// by tag until found or given up, the phases as batch states, the links, kills through the
// manager (also after a restart), and a manager that does not answer.
#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>

#include "livy/livy.h"
#include "support/eventually.h"
#include "support/fake_cluster_manager.h"
#include "support/test_runtime.h"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using livy::BatchState;
using livy::ClusterAppPhase;
using livy_test::eventually;
using livy_test::FakeClusterManager;
using livy_test::ScriptedLauncher;
using livy_test::TestRuntime;

namespace {

constexpr auto kWait = 5s;                          // upper bound only
constexpr auto kPid = ScriptedLauncher::kFirstPid;  // the first batch's spark-submit

struct ClusterRuntime {
  TestRuntime t;
  std::shared_ptr<FakeClusterManager> cluster = std::make_shared<FakeClusterManager>();

  ClusterRuntime() {
    t.config().cluster_app_lookup_timeout = 10s;
    t.set_cluster_manager(cluster);
    t.open();
  }

  livy::Batch submit() {
    livy::BatchRequest r;
    r.file = t.job_file();
    const int before = cluster->lookups();
    auto b = t.batches().submit(r);
    if (!b) FAIL("submit: " << b.status().message());
    // Its first lookup comes at once (the later ones wait for the clock).
    REQUIRE(eventually([&] { return cluster->lookups() > before; }));
    return *b;
  }
  livy::Batch get() { return *t.batches().get("0"); }

  // One more lookup: the manual clock moves past the lookup interval (1 s), and the batch's timer
  // asks the manager again.
  void next_lookup() {
    const int before = cluster->lookups();
    t.clock().advance(1s);
    REQUIRE(eventually([&] { return cluster->lookups() > before; }));
  }
  bool log_has(const std::string& text) {
    const auto log = t.batches().log("0", std::nullopt, -1);
    REQUIRE(log.has_value());
    return std::any_of(log->lines.begin(), log->lines.end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
  }
};

livy::ClusterAppReport report(ClusterAppPhase phase) { return FakeClusterManager::report(phase); }

}  // namespace

TEST_CASE("cluster: the submission carries a unique tag of [a-z0-9-], looked up until found", "[batch_cluster]") {
  ClusterRuntime c;
  c.cluster->appear(report(ClusterAppPhase::kRunning), 4);
  const auto b = c.submit();
  CHECK(b.state == BatchState::kStarting);
  CHECK(c.cluster->lookups() == 1);

  const std::string tag = c.cluster->asked().at(0).tag;
  const auto argv = c.t.launcher().spec_of(kPid).argv;
  CHECK(std::find(argv.begin(), argv.end(), std::string(FakeClusterManager::kTagKey) + "=" + tag) != argv.end());
  CHECK(tag.rfind("livy-batch-0-", 0) == 0);
  CHECK(tag.size() > std::string("livy-batch-0-").size());
  CHECK(std::all_of(tag.begin(), tag.end(),
                    [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'; }));

  // Not found on the first three lookups: still starting, no id.
  c.next_lookup();
  c.next_lookup();
  CHECK(c.cluster->lookups() == 3);
  CHECK(c.get().state == BatchState::kStarting);
  CHECK_FALSE(c.get().app_id);
  c.next_lookup();  // the fourth finds it
  REQUIRE(eventually([&] { return c.get().state == BatchState::kRunning; }));
  const auto found = c.get();
  CHECK(found.app_id == "application_1765000000000_0042");
  CHECK(found.app_info.spark_ui_url == "http://rm:8088/proxy/application_1765000000000_0042/");
  CHECK(found.app_info.driver_log_url == "http://nm:8042/node/containerlogs/container_0042/livy");
  // Later lookups name the application by its id too.
  c.next_lookup();
  CHECK(c.cluster->asked().back().app_id == "application_1765000000000_0042");
  CHECK(c.cluster->asked().back().tag == tag);

  // Stored: a restart shows the same application and links.
  c.t.close_and_forget_children();
  c.t.open();
  const auto after = *c.t.batches().get("0");
  CHECK(after.app_id == "application_1765000000000_0042");
  CHECK(after.app_info.driver_log_url == "http://nm:8042/node/containerlogs/container_0042/livy");
}

TEST_CASE("cluster: each phase of the application is the batch's state", "[batch_cluster]") {
  ClusterRuntime c;
  c.cluster->appear(report(ClusterAppPhase::kPending));
  c.submit();
  REQUIRE(eventually([&] { return c.get().app_id.has_value(); }));
  CHECK(c.get().state == BatchState::kStarting);  // pending -> starting

  c.cluster->set_phase(ClusterAppPhase::kRunning);
  c.next_lookup();
  REQUIRE(eventually([&] { return c.get().state == BatchState::kRunning; }));  // running -> running

  SECTION("succeeded -> success") {
    c.cluster->set_phase(ClusterAppPhase::kSucceeded);
    c.next_lookup();
    REQUIRE(eventually([&] { return c.get().state == BatchState::kSuccess; }));
  }
  SECTION("failed -> dead, with the manager's diagnostics in the log") {
    c.cluster->set_phase(ClusterAppPhase::kFailed, "User class threw exception: boom");
    c.next_lookup();
    REQUIRE(eventually([&] { return c.get().state == BatchState::kDead; }));
    CHECK(eventually([&] { return c.log_has("failed in fakecluster: User class threw exception: boom"); }));
  }
  SECTION("killed -> killed") {
    c.cluster->set_phase(ClusterAppPhase::kKilled);
    c.next_lookup();
    REQUIRE(eventually([&] { return c.get().state == BatchState::kKilled; }));
    CHECK(eventually([&] { return c.log_has("killed in fakecluster"); }));
  }
  // A final application is not looked up again.
  const int lookups = c.cluster->lookups();
  c.t.clock().advance(5s);
  c.t.launcher().exit(kPid, 0);
  CHECK(c.t.batches().wait("0", kWait)->app_id.has_value());
  CHECK(c.cluster->lookups() == lookups);
}

TEST_CASE("cluster: spark-submit's exit does not decide the state of a found application", "[batch_cluster]") {
  ClusterRuntime c;
  c.submit();

  SECTION("exit 0 (cluster deploy mode) before the application is found: it is still looked for") {
    c.t.launcher().exit(kPid, 0);
    c.next_lookup();
    CHECK(c.get().state == BatchState::kStarting);
    c.cluster->appear(report(ClusterAppPhase::kRunning));
    c.next_lookup();
    REQUIRE(eventually([&] { return c.get().state == BatchState::kRunning; }));
    c.cluster->set_phase(ClusterAppPhase::kSucceeded);
    c.next_lookup();
    CHECK(c.t.batches().wait("0", kWait)->state == BatchState::kSuccess);
  }
  SECTION("a non-zero exit before any application was found: dead") {
    c.t.launcher().exit(kPid, 1);
    CHECK(c.t.batches().wait("0", kWait)->state == BatchState::kDead);
  }
  SECTION("a non-zero exit once found: the manager says how it ended") {
    c.cluster->appear(report(ClusterAppPhase::kRunning));
    c.next_lookup();
    REQUIRE(eventually([&] { return c.get().state == BatchState::kRunning; }));
    c.t.launcher().exit(kPid, 1);
    REQUIRE(eventually([&] { return c.log_has("the application's state comes from fakecluster"); }));
    CHECK(c.get().state == BatchState::kRunning);
    c.cluster->set_phase(ClusterAppPhase::kSucceeded);
    c.next_lookup();
    CHECK(c.t.batches().wait("0", kWait)->state == BatchState::kSuccess);
  }
}

TEST_CASE("cluster: an application never found is given up after the lookup timeout: dead", "[batch_cluster]") {
  ClusterRuntime c;  // lookup timeout 10 s
  c.submit();
  for (int i = 0; i < 9; ++i) c.next_lookup();
  CHECK(c.get().state == BatchState::kStarting);
  c.next_lookup();  // 10 s after the launch
  REQUIRE(eventually([&] { return c.get().state == BatchState::kDead; }));
  CHECK(eventually([&] { return c.log_has("no application tagged livy-batch-0-"); }));
  CHECK(eventually(
      [&] { return c.log_has("was found in fakecluster within livy.server.yarn.app-lookup-timeout (10s)"); }));
  CHECK(c.t.launcher().wait_for_signal(kPid, SIGTERM, kWait));  // its spark-submit is stopped
  // And not looked for any more.
  const int lookups = c.cluster->lookups();
  c.t.clock().advance(5s);
  c.t.launcher().exit(kPid, 143);
  CHECK(c.t.batches().wait("0", kWait)->state == BatchState::kDead);
  CHECK(c.cluster->lookups() == lookups);
}

TEST_CASE("cluster: a manager that does not answer is asked again, and the batch is left alone", "[batch_cluster]") {
  ClusterRuntime c;
  c.cluster->set_failing(true);
  c.submit();
  for (int i = 0; i < 15; ++i) c.next_lookup();  // well past the lookup timeout
  CHECK(c.get().state == BatchState::kStarting);
  CHECK(c.t.launcher().signals().empty());
  CHECK(eventually([&] {
    return c.log_has("fakecluster did not answer a lookup of the application (connection refused): asking again");
  }));
  const auto log = c.t.batches().log("0", std::nullopt, -1);
  CHECK(std::count_if(log->lines.begin(), log->lines.end(),
                      [](const std::string& l) { return l.find("did not answer") != std::string::npos; }) == 1);

  c.cluster->set_failing(false);
  c.cluster->appear(report(ClusterAppPhase::kRunning), c.cluster->lookups() + 1);
  c.next_lookup();
  REQUIRE(eventually([&] { return c.get().state == BatchState::kRunning; }));
  CHECK(eventually([&] { return c.log_has("fakecluster answers again"); }));
}

TEST_CASE("cluster: DELETE kills the application through the manager", "[batch_cluster]") {
  ClusterRuntime c;
  c.cluster->appear(report(ClusterAppPhase::kRunning));
  c.submit();
  REQUIRE(eventually([&] { return c.get().state == BatchState::kRunning; }));

  SECTION("at once") {
    REQUIRE(c.t.batches().kill("0").is_ok());
    CHECK(c.get().state == BatchState::kKilled);
    REQUIRE(eventually([&] { return !c.cluster->kills().empty(); }));
    CHECK(c.cluster->kills() == std::vector<std::string>{"application_1765000000000_0042"});
    CHECK(c.t.launcher().wait_for_signal(kPid, SIGTERM, kWait));
  }
  SECTION("a kill the manager does not answer is sent again") {
    c.cluster->set_failing(true);
    REQUIRE(c.t.batches().kill("0").is_ok());
    REQUIRE(eventually([&] { return c.cluster->kills().size() == 1; }));
    c.cluster->set_failing(false);
    c.t.clock().advance(1s);
    REQUIRE(eventually([&] { return c.cluster->kills().size() == 2; }));
    REQUIRE(eventually([&] { return c.log_has("asked fakecluster to kill the application"); }));
    c.t.clock().advance(5s);
    CHECK(c.cluster->kills().size() == 2);
  }
  CHECK(c.get().state == BatchState::kKilled);
}

TEST_CASE("cluster: after a restart, DELETE kills the stored application through the manager", "[batch_cluster]") {
  ClusterRuntime c;
  c.cluster->appear(report(ClusterAppPhase::kRunning));
  c.submit();
  REQUIRE(eventually([&] { return c.get().state == BatchState::kRunning; }));
  const auto status_path = c.t.launcher().spec_of(kPid).exit_status_path;
  c.t.close_and_forget_children();
  livy_test::write_file(status_path, "0\n");  // cluster deploy mode: spark-submit is long gone

  auto fresh = std::make_shared<FakeClusterManager>();  // a new livyd: nothing asked yet
  fresh->appear(report(ClusterAppPhase::kRunning));
  c.cluster = fresh;
  c.t.set_cluster_manager(fresh);
  c.t.open();
  REQUIRE(eventually([&] { return fresh->lookups() > 0; }));
  CHECK(c.get().state == BatchState::kRunning);
  REQUIRE(c.t.batches().kill("0").is_ok());
  REQUIRE(eventually([&] { return !fresh->kills().empty(); }));
  CHECK(fresh->kills() == std::vector<std::string>{"application_1765000000000_0042"});
  CHECK(c.get().state == BatchState::kKilled);
}
