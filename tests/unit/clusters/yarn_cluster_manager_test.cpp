// YarnClusterManager against a stand-in ResourceManager (an httplib server on loopback)
// that answers with real RM answers recorded from the mini YARN cluster
// (tests/unit/clusters/yarn_responses/README.md says how), plus the RM's JSON read
// defensively, the phase mapping and the tags.
#include "clusters/yarn_cluster_manager.h"

#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>

#include "clusters/cluster_managers.h"
#include "clusters/yarn_json.h"

using livy::ClusterAppPhase;

namespace {

std::string recorded(const std::string& name) {
  std::ifstream in(std::string(LIVY_SOURCE_DIR) + "/tests/unit/clusters/yarn_responses/" + name);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

constexpr const char* kRunningId = "application_1796618441097_0002";
constexpr const char* kKilledId = "application_1796618441097_0003";

// A stand-in ResourceManager on 127.0.0.1, any free port, with handlers a test sets.
class FakeRm {
 public:
  FakeRm() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeRm() {
    server_.stop();
    thread_.join();
  }
  httplib::Server& server() { return server_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  livy::YarnClusterManager manager(std::chrono::milliseconds request_timeout = std::chrono::seconds(5),
                                   std::size_t max_bytes = 4 << 20) const {
    livy::YarnOptions o;
    o.resourcemanager_url = url();
    o.request_timeout = request_timeout;
    o.max_response_bytes = max_bytes;
    return livy::YarnClusterManager(o);
  }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
};

void answer_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

}  // namespace

TEST_CASE("YARN states and final statuses map to phases as in Apache Livy", "[yarn]") {
  const auto phase = [](const char* s, const char* f) { return *livy::yarn_phase(s, f); };
  for (const char* s : {"NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED"})
    CHECK(phase(s, "UNDEFINED") == ClusterAppPhase::kPending);
  CHECK(phase("RUNNING", "UNDEFINED") == ClusterAppPhase::kRunning);
  CHECK(phase("FINISHED", "SUCCEEDED") == ClusterAppPhase::kSucceeded);
  CHECK(phase("FINISHED", "FAILED") == ClusterAppPhase::kFailed);
  CHECK(phase("FINISHED", "KILLED") == ClusterAppPhase::kKilled);
  CHECK(phase("FINISHED", "UNDEFINED") == ClusterAppPhase::kFailed);
  CHECK(phase("FAILED", "FAILED") == ClusterAppPhase::kFailed);
  CHECK(phase("KILLED", "KILLED") == ClusterAppPhase::kKilled);
  const auto unknown = livy::yarn_phase("EXPLODED", "UNDEFINED");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.status().code() == livy::ErrorCode::kUnavailable);
  CHECK_THAT(unknown.status().message(), Catch::Contains("EXPLODED"));
}

TEST_CASE("recorded RM answers read into reports", "[yarn]") {
  SECTION("running, by tag") {
    auto apps = livy::parse_yarn_apps(recorded("apps-by-tag-running.json"));
    REQUIRE(apps);
    REQUIRE(apps->size() == 1);
    const livy::YarnApp& app = apps->front();
    CHECK(app.id == kRunningId);
    CHECK(app.queue == "root.livy");
    CHECK(app.tags == std::vector<std::string>{"livyd-rec-ok"});
    auto report = livy::to_report(app);
    REQUIRE(report);
    CHECK(report->phase == ClusterAppPhase::kRunning);
    CHECK(report->spark_ui_url == "http://localhost:36189/proxy/application_1796618441097_0002/");
    CHECK(report->driver_log_url ==
          "http://localhost:39449/node/containerlogs/container_1796618441097_0002_01_000001/root");
  }
  SECTION("accepted: no AM yet, so no log URL") {
    auto apps = livy::parse_yarn_apps(recorded("apps-by-tag-accepted.json"));
    REQUIRE(apps);
    REQUIRE(apps->size() == 1);
    auto report = livy::to_report(apps->front());
    REQUIRE(report);
    CHECK(report->phase == ClusterAppPhase::kPending);
    CHECK_FALSE(report->driver_log_url);
  }
  SECTION("none with the tag") {
    auto apps = livy::parse_yarn_apps(recorded("apps-by-tag-none.json"));
    REQUIRE(apps);
    CHECK(apps->empty());
    CHECK(livy::parse_yarn_apps(R"({"apps":null})")->empty());
  }
  SECTION("ended: succeeded, failed with diagnostics, killed") {
    auto ok = livy::to_report(*livy::parse_yarn_app(recorded("app-by-id-finished.json")));
    REQUIRE(ok);
    CHECK(ok->phase == ClusterAppPhase::kSucceeded);
    auto failed = livy::to_report(*livy::parse_yarn_app(recorded("app-by-id-failed.json")));
    REQUIRE(failed);
    CHECK(failed->phase == ClusterAppPhase::kFailed);
    CHECK(failed->diagnostics == "User application exited with status 1");
    auto killed = livy::to_report(*livy::parse_yarn_app(recorded("app-by-id-killed.json")));
    REQUIRE(killed);
    CHECK(killed->phase == ClusterAppPhase::kKilled);
    CHECK_THAT(killed->diagnostics, Catch::Contains("was killed by user"));
  }
  SECTION("the RM's error messages") {
    CHECK_THAT(livy::parse_yarn_error(recorded("app-by-id-unknown.json")), Catch::Contains("not found"));
    CHECK_THAT(livy::parse_yarn_error(recorded("app-by-id-bad.json")), Catch::Contains("Invalid ApplicationId"));
    CHECK(livy::parse_yarn_error("<html>") == "");
    CHECK(livy::parse_yarn_error(R"({"message":)" + std::string("\"") + std::string(5000, 'x') + "\"}").size() < 400);
  }
}

TEST_CASE("an RM answer that is not what YARN sends is an error, never a crash", "[yarn]") {
  const char* bad_lists[] = {
      "",
      "not json",
      "[]",
      R"({"apps":"x"})",
      R"({"apps":{"app":{}}})",
      R"({"apps":{"app":[1]}})",
      R"({"apps":{"app":[{"id":7,"state":"RUNNING"}]}})",
      R"({"apps":{"app":[{"id":"application_1_2"}]}})",
      R"({"apps":{"app":[{"id":"application_1_2","state":["RUNNING"]}]}})",
      R"({"apps":{"app":[{"id":"../../x","state":"RUNNING"}]}})",
      R"({"apps":{"app":[{"id":"application_1_2","state":"RUNNING","diagnostics":{}}]}})",
      R"({"apps":{"app":[{"id":"application_1_2","state":"RUNNING","trackingUrl":5}]}})",
      R"({"other":1})",
  };
  for (const char* body : bad_lists) {
    INFO(body);
    const auto apps = livy::parse_yarn_apps(body);
    REQUIRE_FALSE(apps);
    CHECK(apps.status().code() == livy::ErrorCode::kUnavailable);
  }
  CHECK_FALSE(livy::parse_yarn_apps(std::string(100000, '[')));
  CHECK_FALSE(livy::parse_yarn_app(R"({"apps":{}})"));
  CHECK_FALSE(livy::parse_yarn_app(R"({"app":null})"));
  // A tracking URL YARN gives before the AM runs ("N/A", empty) is no URL.
  auto app = livy::parse_yarn_app(R"({"app":{"id":"application_1_2","state":"ACCEPTED","trackingUrl":"N/A"}})");
  REQUIRE(app);
  CHECK_FALSE(app->tracking_url);
  CHECK(app->final_status == "UNDEFINED");
}

TEST_CASE("application ids are checked before they go into a URL", "[yarn]") {
  CHECK(livy::is_yarn_app_id("application_1796618441097_0002"));
  CHECK_FALSE(livy::is_yarn_app_id("application_1796618441097"));
  CHECK_FALSE(livy::is_yarn_app_id("application__1"));
  CHECK_FALSE(livy::is_yarn_app_id("application_1_"));
  CHECK_FALSE(livy::is_yarn_app_id("application_1_2/state"));
  CHECK_FALSE(livy::is_yarn_app_id("app-20231010-0001"));
  CHECK_FALSE(livy::is_yarn_app_id("application_1_2_3"));
}

TEST_CASE("tag_submission adds livyd's tag to spark.yarn.tags, keeping the user's", "[yarn]") {
  CHECK(livy::merge_yarn_tags("", "livy-batch-7") == "livy-batch-7");
  CHECK(livy::merge_yarn_tags("team-a,nightly", "livy-batch-7") == "team-a,nightly,livy-batch-7");
  CHECK(livy::merge_yarn_tags(" team-a , ,nightly ", "livy-batch-7") == "team-a,nightly,livy-batch-7");
  CHECK(livy::merge_yarn_tags("LIVY-BATCH-7", "livy-batch-7") == "LIVY-BATCH-7");

  livy::YarnOptions o;
  o.resourcemanager_url = "http://127.0.0.1:1";
  livy::YarnClusterManager yarn(o);
  std::map<std::string, std::string> conf{{"spark.yarn.tags", "mine"}, {"spark.app.name", "x"}};
  yarn.tag_submission("livy-session-3", conf);
  CHECK(conf["spark.yarn.tags"] == "mine,livy-session-3");
  CHECK(conf["spark.app.name"] == "x");
  std::map<std::string, std::string> empty;
  yarn.tag_submission("livy-session-3", empty);
  CHECK(empty == std::map<std::string, std::string>{{"spark.yarn.tags", "livy-session-3"}});
}

TEST_CASE("lookup by tag and by id against an RM", "[yarn]") {
  FakeRm rm;
  std::mutex mu;
  std::string seen_tags;
  rm.server().Get("/ws/v1/cluster/apps", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu);
      seen_tags = req.get_param_value("applicationTags");
    }
    answer_json(res, 200,
                recorded(req.get_param_value("applicationTags") == "livyd-rec-ok" ? "apps-by-tag-running.json"
                                                                                  : "apps-by-tag-none.json"));
  });
  rm.server().Get(R"(/ws/v1/cluster/apps/(application_\d+_\d+))",
                  [&](const httplib::Request& req, httplib::Response& res) {
                    if (req.matches[1] == kKilledId)
                      answer_json(res, 200, recorded("app-by-id-killed.json"));
                    else
                      answer_json(res, 404, recorded("app-by-id-unknown.json"));
                  });
  auto yarn = rm.manager();

  SECTION("by tag, which YARN keeps in lower case") {
    auto found = yarn.lookup("LIVYD-REC-OK", std::nullopt);
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->app_id == kRunningId);
    CHECK((*found)->phase == ClusterAppPhase::kRunning);
    std::lock_guard<std::mutex> lock(mu);
    CHECK(seen_tags == "livyd-rec-ok");
  }
  SECTION("a tag nobody has: not found yet") {
    auto found = yarn.lookup("livy-batch-404", std::nullopt);
    REQUIRE(found);
    CHECK_FALSE(*found);
  }
  SECTION("by id") {
    auto found = yarn.lookup("ignored-when-the-id-is-known", std::string(kKilledId));
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->phase == ClusterAppPhase::kKilled);
  }
  SECTION("an id the RM does not know: not found") {
    auto found = yarn.lookup("", std::string("application_1_0001"));
    REQUIRE(found);
    CHECK_FALSE(*found);
  }
  SECTION("an id that is not one never reaches the RM") {
    auto found = yarn.lookup("", std::string("application_1_1/../../../conf"));
    REQUIRE_FALSE(found);
    CHECK(found.status().code() == livy::ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("an RM that ignores the tag filter: livyd filters, and takes the newest", "[yarn]") {
  FakeRm rm;
  rm.server().Get("/ws/v1/cluster/apps", [&](const httplib::Request&, httplib::Response& res) {
    answer_json(res, 200, R"({"apps":{"app":[
      {"id":"application_1_0001","state":"FINISHED","finalStatus":"FAILED","applicationTags":"livy-batch-1","startedTime":100},
      {"id":"application_1_0002","state":"RUNNING","applicationTags":"other,livy-batch-1","startedTime":300},
      {"id":"application_1_0003","state":"RUNNING","applicationTags":"livy-batch-10","startedTime":900}]}})");
  });
  auto found = rm.manager().lookup("livy-batch-1", std::nullopt);
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->app_id == "application_1_0002");
}

TEST_CASE("kill puts the application's state to KILLED", "[yarn]") {
  FakeRm rm;
  std::mutex mu;
  std::string body, content_type;
  std::string final_state = "FINISHED";
  rm.server().Put(R"(/ws/v1/cluster/apps/(application_\d+_\d+)/state)",
                  [&](const httplib::Request& req, httplib::Response& res) {
                    std::lock_guard<std::mutex> lock(mu);
                    body = req.body;
                    content_type = req.get_header_value("Content-Type");
                    if (req.matches[1] == kRunningId)
                      answer_json(res, 202, recorded("kill-put-202.json"));
                    else if (req.matches[1] == kKilledId)
                      answer_json(res, 200, recorded("kill-again-put-200.json"));
                    else if (req.matches[1] == "application_1_0009")
                      answer_json(res, 400, R"({"RemoteException":{"message":"final"}})");
                    else if (req.matches[1] == "application_1_0010")
                      answer_json(res, 403, R"({"RemoteException":{"message":"no"}})");
                    else
                      answer_json(res, 404, recorded("app-by-id-unknown.json"));
                  });
  rm.server().Get(
      R"(/ws/v1/cluster/apps/(application_\d+_\d+))", [&](const httplib::Request& req, httplib::Response& res) {
        const std::string running = R"({"app":{"id":"application_1_0010","state":"RUNNING"}})";
        const std::string ended = R"({"app":{"id":"application_1_0009","state":"FINISHED","finalStatus":"SUCCEEDED"}})";
        answer_json(res, 200, req.matches[1] == "application_1_0010" ? running : ended);
      });
  auto yarn = rm.manager();

  CHECK(yarn.kill(kRunningId));
  {
    std::lock_guard<std::mutex> lock(mu);
    CHECK(body == R"({"state":"KILLED"})");
    CHECK(content_type == "application/json");
  }
  CHECK(yarn.kill(kKilledId));                                   // killed already
  CHECK(yarn.kill("application_1_0009"));                        // refused, but it has ended: fine
  const livy::Status refused = yarn.kill("application_1_0010");  // refused while it runs
  REQUIRE_FALSE(refused);
  CHECK(refused.code() == livy::ErrorCode::kUnavailable);
  CHECK_THAT(refused.message(), Catch::Contains("403") && Catch::Contains("no"));
  const livy::Status unknown = yarn.kill("application_1_0404");
  CHECK(unknown.code() == livy::ErrorCode::kNotFound);
  CHECK(yarn.kill("application_1_2/../x").code() == livy::ErrorCode::kInvalidArgument);
}

TEST_CASE("an RM that does not answer, answers slowly, too much or garbage: a clear error in bounded time", "[yarn]") {
  SECTION("nobody listens") {
    int port = 0;
    {
      FakeRm gone;
      port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
    }
    livy::YarnOptions o;
    o.resourcemanager_url = "http://127.0.0.1:" + std::to_string(port);
    livy::YarnClusterManager yarn(o);
    auto found = yarn.lookup("t", std::nullopt);
    REQUIRE_FALSE(found);
    CHECK(found.status().code() == livy::ErrorCode::kUnavailable);
    CHECK_THAT(found.status().message(), Catch::Contains("cannot connect") && Catch::Contains(o.resourcemanager_url));
  }
  SECTION("too slow") {
    FakeRm rm;
    rm.server().Get("/ws/v1/cluster/apps", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      answer_json(res, 200, R"({"apps":{}})");
    });
    const auto started = std::chrono::steady_clock::now();
    auto found = rm.manager(std::chrono::milliseconds(200)).lookup("t", std::nullopt);
    REQUIRE_FALSE(found);
    CHECK(found.status().code() == livy::ErrorCode::kUnavailable);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1400));
  }
  SECTION("too much") {
    FakeRm rm;
    rm.server().Get("/ws/v1/cluster/apps", [](const httplib::Request&, httplib::Response& res) {
      answer_json(res, 200, R"({"apps":{"app":[)" + std::string(100000, ' ') + "]}}");
    });
    auto found = rm.manager(std::chrono::seconds(5), 10000).lookup("t", std::nullopt);
    REQUIRE_FALSE(found);
    CHECK_THAT(found.status().message(), Catch::Contains("yarn.max-response-bytes"));
  }
  SECTION("an HTML error page") {
    FakeRm rm;
    rm.server().Get("/ws/v1/cluster/apps", [](const httplib::Request&, httplib::Response& res) {
      res.status = 500;
      res.set_content("<html>oops</html>", "text/html");
    });
    auto found = rm.manager().lookup("t", std::nullopt);
    REQUIRE_FALSE(found);
    CHECK_THAT(found.status().message(), Catch::Contains("500"));
  }
  SECTION("not JSON with 200") {
    FakeRm rm;
    rm.server().Get("/ws/v1/cluster/apps", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<html>hello</html>", "text/html");
    });
    auto found = rm.manager().lookup("t", std::nullopt);
    REQUIRE_FALSE(found);
    CHECK_THAT(found.status().message(), Catch::Contains("not a JSON object"));
  }
}

TEST_CASE("make_cluster_manager gives master yarn its manager, with the configured RM", "[yarn]") {
  livy::Config config;
  config.yarn_resourcemanager_url = "http://rm.example:8088/";
  config.yarn_request_timeout = std::chrono::seconds(3);
  auto made = livy::make_cluster_manager(config, "yarn");
  REQUIRE(made);
  REQUIRE(*made);
  CHECK((*made)->name() == "yarn");
  const auto* yarn = dynamic_cast<const livy::YarnClusterManager*>(made->get());
  REQUIRE(yarn != nullptr);
  CHECK(yarn->options().resourcemanager_url == "http://rm.example:8088");
  CHECK(yarn->options().request_timeout == std::chrono::seconds(3));

  config.yarn_resourcemanager_url = "rm.example:8088";
  auto bad = livy::make_cluster_manager(config, "yarn");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.status().message(), Catch::Contains("yarn.resourcemanager-url"));

  auto local = livy::make_cluster_manager(livy::Config{}, "local[2]");
  REQUIRE(local);
  CHECK_FALSE(*local);
}

TEST_CASE("RM HA: a standby or unreachable RM sends the request to the next; the active one is asked first after",
          "[yarn]") {
  FakeRm standby;
  FakeRm active;
  std::atomic<int> standby_hits{0};
  std::atomic<int> active_hits{0};
  const auto answer_apps = [&](httplib::Response& res) {
    ++active_hits;
    answer_json(res, 200, recorded("apps-by-tag-running.json"));
  };
  SECTION("Hadoop 3's standby answers 307 to the active RM") {
    standby.server().Get("/ws/v1/cluster/apps", [&](const httplib::Request&, httplib::Response& res) {
      ++standby_hits;
      res.status = 307;
      res.set_header("Location", active.url() + "/ws/v1/cluster/apps");
    });
  }
  SECTION("an older standby answers 200 with a text") {
    standby.server().Get("/ws/v1/cluster/apps", [&](const httplib::Request&, httplib::Response& res) {
      ++standby_hits;
      res.set_content("This is standby RM. Redirecting to the current active RM: " + active.url(), "text/plain");
    });
  }
  active.server().Get("/ws/v1/cluster/apps", [&](const httplib::Request&, httplib::Response& res) { answer_apps(res); });
  livy::YarnOptions o;
  o.resourcemanager_url = standby.url() + "," + active.url() + "/";
  livy::YarnClusterManager yarn(o);
  for (int i = 0; i < 3; ++i) {
    auto found = yarn.lookup("livyd-rec-ok", std::nullopt);
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->app_id == kRunningId);
  }
  CHECK(standby_hits == 1);  // once: then the active RM is asked first
  CHECK(active_hits == 3);
}

TEST_CASE("RM HA: an RM that is down is passed over; none active is a clear error naming them", "[yarn]") {
  std::string down_url;
  {
    FakeRm gone;
    down_url = gone.url();
  }
  FakeRm active;
  active.server().Get("/ws/v1/cluster/apps", [&](const httplib::Request&, httplib::Response& res) {
    answer_json(res, 200, recorded("apps-by-tag-running.json"));
  });
  livy::YarnOptions o;
  o.resourcemanager_url = down_url + "," + active.url();
  o.connect_timeout = std::chrono::milliseconds(500);
  livy::YarnClusterManager yarn(o);
  auto found = yarn.lookup("livyd-rec-ok", std::nullopt);
  REQUIRE(found);
  CHECK(*found);
  livy::YarnOptions both_down;
  both_down.resourcemanager_url = down_url + "," + down_url;
  both_down.connect_timeout = std::chrono::milliseconds(500);
  auto none = livy::YarnClusterManager(both_down).lookup("livyd-rec-ok", std::nullopt);
  REQUIRE_FALSE(none);
  CHECK(none.status().code() == livy::ErrorCode::kUnavailable);
  CHECK_THAT(none.status().message(), Catch::Contains("no active YARN ResourceManager among") &&
                                          Catch::Contains("cannot connect"));
}
