// StandaloneClusterManager against replies recorded from a real Spark 4.0.1 master
// (tests/clusters/recorded/README.md says how), served by a stand-in master on loopback;
// and, with the tag [.standalone_live], against the real master of tests/clusters.
#include "clusters/standalone.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "clusters/cluster_managers.h"
#include "spark/app_watch.h"
#include "wire/standalone_json.h"

namespace {

using livy::ClusterAppPhase;

std::string recorded(const std::string& name) {
  std::ifstream in(std::filesystem::path(LIVY_SOURCE_DIR) / "tests" / "clusters" / "recorded" / name);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

livy::wire::StandaloneReply decoded(const std::string& name) {
  auto reply = livy::wire::decode_standalone_reply(recorded(name));
  REQUIRE(reply.has_value());
  return *reply;
}

// A stand-in master's REST server: answers each status and kill path with the body set
// for it (404 otherwise) and counts the requests.
class FakeMaster {
 public:
  FakeMaster() {
    server_.Get(R"(/v1/submissions/status/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      answer("GET " + req.path, res);
    });
    server_.Post(R"(/v1/submissions/kill/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      answer("POST " + req.path, res);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Listening since bind; wait for the accept loop so that stop() finds it running.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeMaster() {
    server_.stop();
    thread_.join();
  }
  void on(const std::string& request, std::string body, int status = 200) {
    std::lock_guard lock(mu_);
    replies_[request] = {status, std::move(body)};
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void answer(const std::string& request, httplib::Response& res) {
    std::lock_guard lock(mu_);
    seen_.push_back(request);
    const auto it = replies_.find(request);
    if (it == replies_.end()) {
      res.status = 404;
      return;
    }
    res.status = it->second.first;
    res.set_content(it->second.second, "application/json;charset=utf-8");
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;  // replies_ and seen_, between the test and the server's threads
  std::map<std::string, std::pair<int, std::string>> replies_;
  std::vector<std::string> seen_;
};

}  // namespace

TEST_CASE("standalone: each recorded driver state maps to its phase", "[standalone]") {
  const std::string id = "driver-20261207042644-0000";
  const std::vector<std::pair<std::string, ClusterAppPhase>> cases = {
      {"status-submitted.json", ClusterAppPhase::kPending}, {"status-running.json", ClusterAppPhase::kRunning},
      {"status-finished.json", ClusterAppPhase::kSucceeded}, {"status-failed.json", ClusterAppPhase::kFailed},
      {"status-error.json", ClusterAppPhase::kFailed},       {"status-killed.json", ClusterAppPhase::kKilled}};
  for (const auto& [file, phase] : cases) {
    INFO(file);
    const auto report = livy::standalone_report(id, decoded(file));
    REQUIRE(report.has_value());
    CHECK(report->app_id == id);
    CHECK(report->phase == phase);
    CHECK_FALSE(report->spark_ui_url);
  }
  // ERROR: the worker could not start the driver, and the master says why.
  const auto error = livy::standalone_report(id, decoded("status-error.json"));
  CHECK(error->diagnostics.find("NoSuchFileException: /tmp/sa-exp/nonexistent.jar") != std::string::npos);
  CHECK(livy::standalone_report(id, decoded("status-failed.json"))->diagnostics.find("FAILED") != std::string::npos);
  // A driver the master never gave: not known (success false, no state).
  CHECK_FALSE(livy::standalone_report("driver-20261207000000-9999", decoded("status-unknown.json")));
}

TEST_CASE("standalone: replies that are not the REST server's are not read as one", "[standalone]") {
  for (const char* body : {"", "[]", "{}", "not json", "{\"action\": 3}", "<html>Bad gateway</html>"}) {
    INFO(body);
    CHECK_FALSE(livy::wire::decode_standalone_reply(body));
  }
  // Wrong types read as absent: no state, so no report.
  const auto odd = livy::wire::decode_standalone_reply(R"({"action":"SubmissionStatusResponse","success":"yes",
                                                           "driverState":7})");
  REQUIRE(odd.has_value());
  CHECK_FALSE(odd->success);
  CHECK_FALSE(livy::standalone_report("driver-20261207000000-0001", *odd));
}

TEST_CASE("standalone: lookup asks the master for the driver id's status", "[standalone]") {
  FakeMaster master;
  livy::StandaloneClusterManager manager(master.url(), std::chrono::seconds(5));
  master.on("GET /v1/submissions/status/driver-20261207042910-0004", recorded("status-running.json"));
  master.on("GET /v1/submissions/status/driver-20261207000000-9999", recorded("status-unknown.json"));

  const auto running = manager.lookup("livy-batch-1", std::string("driver-20261207042910-0004"));
  REQUIRE(running.has_value());
  REQUIRE(running->has_value());
  CHECK((*running)->phase == ClusterAppPhase::kRunning);
  CHECK((*running)->app_id == "driver-20261207042910-0004");

  const auto unknown = manager.lookup("livy-batch-2", std::string("driver-20261207000000-9999"));
  REQUIRE(unknown.has_value());
  CHECK_FALSE(unknown->has_value());

  // Without a driver id (or with another kind of id) there is nothing to ask: tags are not kept by the master.
  const auto before = master.requests().size();
  CHECK_FALSE(manager.lookup("livy-batch-3", std::nullopt)->has_value());
  CHECK_FALSE(manager.lookup("livy-batch-3", std::string("app-20261207042910-0004"))->has_value());
  CHECK_FALSE(manager.lookup("livy-batch-3", std::string("driver-1/../../kill/x"))->has_value());
  CHECK(master.requests().size() == before);

  std::map<std::string, std::string> conf{{"spark.app.name", "x"}};
  manager.tag_submission("livy-batch-3", conf);
  CHECK(conf == std::map<std::string, std::string>{{"spark.app.name", "x"}});
}

TEST_CASE("standalone: kill is done when the master accepts it or the driver has ended", "[standalone]") {
  FakeMaster master;
  livy::StandaloneClusterManager manager(master.url(), std::chrono::seconds(5));
  const std::string running = "driver-20261207042910-0004";
  master.on("POST /v1/submissions/kill/" + running, recorded("kill-running.json"));
  CHECK(manager.kill(running).is_ok());

  // "has already finished or does not exist": the state says it ended, so the kill is done.
  const std::string ended = "driver-20261207042811-0003";
  master.on("POST /v1/submissions/kill/" + ended, recorded("kill-finished.json"));
  master.on("GET /v1/submissions/status/" + ended, recorded("status-error.json"));
  CHECK(manager.kill(ended).is_ok());

  // Refused while the driver still runs (a master that is not the leader): an error.
  const std::string stuck = "driver-20261207042718-0001";
  master.on("POST /v1/submissions/kill/" + stuck, recorded("kill-finished.json"));
  master.on("GET /v1/submissions/status/" + stuck, recorded("status-running.json"));
  const auto st = manager.kill(stuck);
  CHECK(st.code() == livy::ErrorCode::kUnavailable);
  CHECK(st.message().find("did not kill " + stuck) != std::string::npos);

  CHECK(manager.kill("application_1700000000123_0042").code() == livy::ErrorCode::kInvalidArgument);
}

TEST_CASE("standalone: a master that does not answer, or answers nonsense, is an error", "[standalone]") {
  FakeMaster master;
  master.on("GET /v1/submissions/status/driver-20261207042910-0004", "<html>proxy error</html>", 502);
  master.on("GET /v1/submissions/status/driver-20261207042910-0005",
            R"({"action":"ErrorResponse","message":"Malformed path","success":false})", 400);
  // A reply past 1 MiB is not read whole.
  master.on("GET /v1/submissions/status/driver-20261207042910-0006",
            R"({"action":"SubmissionStatusResponse","success":true,"driverState":"RUNNING","message":")" +
                std::string(2 << 20, 'x') + "\"}");
  livy::StandaloneClusterManager manager(master.url(), std::chrono::seconds(5));
  const auto huge = manager.lookup("", std::string("driver-20261207042910-0006"));
  CHECK(huge.status().code() == livy::ErrorCode::kUnavailable);
  const auto nonsense = manager.lookup("", std::string("driver-20261207042910-0004"));
  CHECK(nonsense.status().code() == livy::ErrorCode::kUnavailable);
  const auto refused = manager.lookup("", std::string("driver-20261207042910-0005"));
  CHECK(refused.status().code() == livy::ErrorCode::kUnavailable);
  CHECK(refused.status().message().find("Malformed path") != std::string::npos);

  // Nobody listens on this port (the stand-in master's, after it stopped).
  std::string gone_url;
  {
    FakeMaster gone;
    gone_url = gone.url();
  }
  livy::StandaloneClusterManager nobody(gone_url, std::chrono::milliseconds(500));
  const auto down = nobody.lookup("", std::string("driver-20261207042910-0004"));
  CHECK(down.status().code() == livy::ErrorCode::kUnavailable);
  CHECK(down.status().message().find(gone_url) != std::string::npos);
}

TEST_CASE("standalone: the REST URL and make_cluster_manager", "[standalone]") {
  livy::Config c;
  CHECK(*livy::standalone_rest_url(c, "spark://master.example:7077") == "http://master.example:6066");
  CHECK(*livy::standalone_rest_url(c, "spark://m1:7077,m2:7077") == "http://m1:6066");
  CHECK(*livy::standalone_rest_url(c, "spark://[::1]:7077") == "http://[::1]:6066");
  CHECK_FALSE(livy::standalone_rest_url(c, "spark://").has_value());
  c.standalone_rest_url = "http://rest.example:16066/";
  CHECK(*livy::standalone_rest_url(c, "spark://m:7077") == "http://rest.example:16066");
  c.standalone_rest_url = "rest.example:16066";
  CHECK(livy::standalone_rest_url(c, "spark://m:7077").status().code() == livy::ErrorCode::kInvalidArgument);

  livy::Config cluster;
  cluster.spark_deploy_mode = "cluster";
  const auto manager = livy::make_cluster_manager(cluster, "spark://m:7077");
  REQUIRE(manager.has_value());
  REQUIRE(*manager != nullptr);
  CHECK((*manager)->name() == "standalone");
  // Client deploy mode: spark-submit's process is the driver, watched as in local mode.
  livy::Config client;
  const auto none = livy::make_cluster_manager(client, "spark://m:7077");
  REQUIRE(none.has_value());
  CHECK(*none == nullptr);
}

// Run by tests/clusters/test_standalone.py with the fixture's master and a driver it
// submitted (ClusterJob sleep): the state of a real running driver, its kill, and then
// its KILLED state; an id the master never gave is not known.
TEST_CASE("standalone live: state and kill of a real driver", "[.standalone_live]") {
  const char* url = std::getenv("LIVY_TEST_STANDALONE_REST_URL");
  const char* driver = std::getenv("LIVY_TEST_STANDALONE_DRIVER");
  REQUIRE(url != nullptr);
  REQUIRE(driver != nullptr);
  livy::StandaloneClusterManager manager(url, std::chrono::seconds(10));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  const auto phase_now = [&] {
    const auto r = manager.lookup("", std::string(driver));
    REQUIRE(r.has_value());
    REQUIRE(r->has_value());
    return (*r)->phase;
  };
  while (phase_now() == ClusterAppPhase::kPending && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  CHECK(phase_now() == ClusterAppPhase::kRunning);
  CHECK(manager.kill(driver).is_ok());
  while (phase_now() == ClusterAppPhase::kRunning && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  CHECK(phase_now() == ClusterAppPhase::kKilled);
  CHECK(manager.kill(driver).is_ok());  // again: it has ended, which is fine
  const auto unknown = manager.lookup("", std::string("driver-20000101000000-9999"));
  REQUIRE(unknown.has_value());
  CHECK_FALSE(unknown->has_value());
}
