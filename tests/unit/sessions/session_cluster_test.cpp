// Sessions under a cluster manager (a scripted fake): the tag in the driver's spark-submit conf,
// the application's id and links from the manager, its end as the session's (`dead`), the lookup
// timeout, and the kill through the manager when the session is deleted.
#include "support/fake_cluster_manager.h"
#include "unit/sessions/session_test_util.h"

using namespace session_test;
using livy::ClusterAppPhase;
using livy_test::FakeClusterManager;

namespace {

struct ClusterSessions {
  TestRuntime t;
  std::shared_ptr<FakeClusterManager> cluster = std::make_shared<FakeClusterManager>();

  ClusterSessions() {
    t.config().cluster_app_lookup_timeout = 10s;
    t.set_cluster_manager(cluster);
    t.open();
  }
  livy::Session get() { return *t.runtime().sessions().get(livy::Ref("0")); }
  void next_lookup() {
    const int before = cluster->lookups();
    t.clock().advance(1s);
    REQUIRE(eventually([&] { return cluster->lookups() > before; }));
  }
};

livy::ClusterAppReport report(ClusterAppPhase phase) { return FakeClusterManager::report(phase, "0007"); }

}  // namespace

TEST_CASE("cluster sessions: tagged, and the application's id and links come from the manager", "[session_cluster]") {
  ClusterSessions c;
  c.cluster->appear(report(ClusterAppPhase::kRunning), 2);
  create_ok(c.t);
  REQUIRE(eventually([&] { return c.cluster->lookups() == 1; }));
  const std::string tag = c.cluster->asked().at(0).tag;
  CHECK(tag.rfind("livy-session-0-", 0) == 0);
  const auto argv = launch_of(c.t, 0).spec.argv;
  CHECK(std::find(argv.begin(), argv.end(), std::string(FakeClusterManager::kTagKey) + "=" + tag) != argv.end());

  auto driver = attach(c.t, 0);
  CHECK(state_of(c.t, livy::Ref("0")) == SessionState::kIdle);
  c.next_lookup();
  REQUIRE(eventually([&] { return c.get().app_info.driver_log_url.has_value(); }));
  CHECK(c.get().app_id == "application_1765000000000_0007");
  CHECK(c.get().app_info.spark_ui_url == "http://rm:8088/proxy/application_1765000000000_0007/");
  CHECK(c.get().state == SessionState::kIdle);  // the driver says how the session is

  SECTION("the application fails in the cluster: the session is dead") {
    c.cluster->set_phase(ClusterAppPhase::kFailed, "container lost");
    c.next_lookup();
    REQUIRE(eventually([&] { return c.get().state == SessionState::kDead; }));
    CHECK(eventually([&] { return log_has(c.t, livy::Ref("0"), "failed in fakecluster: container lost"); }));
    CHECK(c.cluster->kills().empty());  // ended there already
  }
  SECTION("DELETE kills the application through the manager") {
    REQUIRE(c.t.runtime().sessions().stop(livy::Ref("0")).is_ok());
    REQUIRE(eventually([&] { return !c.cluster->kills().empty(); }));
    CHECK(c.cluster->kills() == std::vector<std::string>{"application_1765000000000_0007"});
  }
}

TEST_CASE("cluster sessions: an application never found ends the session dead after the lookup timeout",
          "[session_cluster]") {
  ClusterSessions c;
  c.t.config().session_start_timeout = 1h;
  c.t.open();
  create_ok(c.t);
  REQUIRE(eventually([&] { return c.cluster->lookups() == 1; }));
  for (int i = 0; i < 9; ++i) c.next_lookup();
  CHECK(state_of(c.t, livy::Ref("0")) == SessionState::kStarting);
  c.next_lookup();
  REQUIRE(eventually([&] { return state_of(c.t, livy::Ref("0")) == SessionState::kDead; }));
  CHECK(eventually([&] {
    return log_has(c.t, livy::Ref("0"), "was found in fakecluster within livy.server.yarn.app-lookup-timeout");
  }));
}
