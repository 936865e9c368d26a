// KubernetesClusterManager against a stand-in API server (an httplib server on loopback,
// plain HTTP and HTTPS with a throwaway CA) that replays hand-written API answers
// (tests/unit/clusters/kubernetes_responses/README.md: not recorded from a live cluster),
// plus the k8s:// spark-submit conf, pod names and the answers read defensively.
#include "clusters/kubernetes_cluster_manager.h"

#include <httplib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "clusters/cluster_managers.h"
#include "clusters/kubernetes_json.h"
#include "spark/spark_submit.h"
#include "support/eventually.h"
#include "support/temp_dir.h"
#include "support/test_runtime.h"
#include "support/test_pki.h"

using Catch::Contains;
using livy::ClusterAppPhase;

namespace {

std::string recorded(const std::string& name) {
  std::ifstream in(std::string(LIVY_SOURCE_DIR) + "/tests/unit/clusters/kubernetes_responses/" + name);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

constexpr const char* kTag = "livy-batch-7-k2m9q4xa";
constexpr const char* kAppId = "spark-3c5a7f0e2b9d4e1f8a6b0c2d4e6f8a0b";
constexpr const char* kPod = "livy-batch-7-k2m9q4xa-driver";
constexpr const char* kPodsPath = "/api/v1/namespaces/spark-jobs/pods";

// What the stand-in server saw.
struct Seen {
  std::mutex mu;
  std::vector<std::string> requests;  // "GET /path?query"
  std::vector<std::string> auth;      // Authorization headers
  void add(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    std::string query;
    for (const auto& [k, v] : req.params) query += (query.empty() ? "?" : "&") + k + "=" + v;
    requests.push_back(req.method + " " + req.path + query);
    auth.push_back(req.get_header_value("Authorization"));
  }
};

// A stand-in API server on 127.0.0.1, any free port, plain or TLS.
template <typename Server>
class FakeApi {
 public:
  template <typename... Args>
  explicit FakeApi(Args&&... args) : server_(std::forward<Args>(args)...) {
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeApi() {
    server_.stop();
    thread_.join();
  }
  Server& server() { return server_; }
  int port() const { return port_; }

 private:
  Server server_;
  int port_ = -1;
  std::thread thread_;
};

using PlainApi = FakeApi<httplib::Server>;

livy::KubernetesOptions options_for(const std::string& url) {
  livy::KubernetesOptions o;
  o.api_url = url;
  o.namespace_ = "spark-jobs";
  o.connect_timeout = std::chrono::seconds(2);
  o.request_timeout = std::chrono::seconds(5);
  return o;
}

std::string plain_url(const PlainApi& api) { return "http://127.0.0.1:" + std::to_string(api.port()); }

void answer_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

// Serves `file` to every pod list.
void serve_list(PlainApi& api, Seen& seen, const std::string& file, int status = 200) {
  api.server().Get(kPodsPath, [&seen, file, status](const httplib::Request& req, httplib::Response& res) {
    seen.add(req);
    answer_json(res, status, recorded(file));
  });
}

}  // namespace

TEST_CASE("k8s:// spark-submit conf: namespace, image, service account, pod name", "[kubernetes]") {
  livy::Config config;
  config.spark_master = "k8s://https://k8s.example:6443";
  config.kubernetes_container_image = "registry.example/spark:4.0.1";
  config.kubernetes_namespace = "spark-jobs";
  config.kubernetes_service_account = "spark-driver";
  livy::SparkEnvironment spark;
  spark.spark_submit = "/opt/spark/bin/spark-submit";
  spark.master = config.spark_master;
  spark.deploy_mode = "cluster";
  spark.k8s_image = config.kubernetes_container_image;
  spark.k8s_namespace = config.kubernetes_namespace;
  spark.k8s_service_account = config.kubernetes_service_account;

  livy::KubernetesClusterManager k8s(options_for("https://k8s.example:6443"));
  livy::BatchRequest r;
  r.file = "local:///opt/app.jar";
  r.class_name = "org.example.Main";
  r.name = "Nightly ETL_job #3";
  r.resources.conf = {{"spark.kubernetes.namespace", "elsewhere"}, {"spark.kubernetes.container.image", "mine:1"}};
  k8s.tag_submission(kTag, r.resources.conf);
  CHECK(r.resources.conf.at("spark.kubernetes.driver.label.livy-tag") == kTag);
  CHECK(std::string(livy::kKubernetesTagConf) ==
        std::string("spark.kubernetes.driver.label.") + livy::kKubernetesTagLabel);

  const auto argv = livy::batch_submit_command(spark, r, livy::Redactor(), "/x/p").argv;
  const std::vector<std::string> expected = {
      "/opt/spark/bin/spark-submit", "--master", "k8s://https://k8s.example:6443", "--deploy-mode", "cluster",
      "--name", "Nightly ETL_job #3", "--class", "org.example.Main",
      "--conf", "spark.kubernetes.authenticate.driver.serviceAccountName=spark-driver",
      "--conf", "spark.kubernetes.container.image=mine:1",  // the request's own wins
      "--conf", "spark.kubernetes.driver.label.livy-tag=livy-batch-7-k2m9q4xa",
      "--conf", "spark.kubernetes.driver.pod.name=nightly-etl-job-3-livy-batch-7-k2m9q4xa-driver",
      "--conf", "spark.kubernetes.namespace=spark-jobs",  // always livyd's
      "local:///opt/app.jar"};
  CHECK(argv == expected);

  // Sessions too, from the session's name; the image from livyd when the request has none.
  livy::SessionLaunch launch;
  launch.name = "livy-session-12";
  launch.driver_script = "/opt/livyd/driver.py";
  k8s.tag_submission("livy-session-12-abcdefgh", launch.resources.conf);
  const auto sargv = livy::session_submit_command(spark, launch, livy::Redactor(), "/x/p").argv;
  const auto has = [&sargv](const std::string& arg) {
    return std::find(sargv.begin(), sargv.end(), arg) != sargv.end();
  };
  CHECK(has("spark.kubernetes.container.image=registry.example/spark:4.0.1"));
  CHECK(has("spark.kubernetes.namespace=spark-jobs"));
  CHECK(has("spark.kubernetes.driver.pod.name=livy-session-12-abcdefgh-driver"));

  // Other masters get none of it.
  spark.master = "yarn";
  std::map<std::string, std::string> conf = {{livy::kKubernetesTagConf, kTag}};
  livy::add_kubernetes_conf(spark, "x", conf);
  CHECK(conf.size() == 1);
}

TEST_CASE("driver pod names are DNS-1123 labels of at most 63, unique by the tag", "[kubernetes]") {
  CHECK(livy::driver_pod_name("etl", "livy-batch-1-aaaaaaaa") == "etl-livy-batch-1-aaaaaaaa-driver");
  CHECK(livy::driver_pod_name("", "livy-batch-1-aaaaaaaa") == "livy-batch-1-aaaaaaaa-driver");
  CHECK(livy::driver_pod_name("livy-batch-1", "livy-batch-1-aaaaaaaa") == "livy-batch-1-aaaaaaaa-driver");
  CHECK(livy::driver_pod_name("---Ünïcode---", "livy-batch-1-aaaaaaaa") == "n-code-livy-batch-1-aaaaaaaa-driver");
  for (const std::string& name : {std::string(200, 'x'), std::string("a-") + std::string(100, '-') + "b",
                                 std::string("..."), std::string("A_B.C d/e\n")}) {
    const std::string pod = livy::driver_pod_name(name, "livy-session-123456789-abcdefgh");
    INFO(pod);
    CHECK(livy::is_dns1123_label(pod));
    CHECK((pod.ends_with("-livy-session-123456789-abcdefgh-driver") ||
           pod == "livy-session-123456789-abcdefgh-driver"));
  }
  CHECK(livy::is_dns1123_label(livy::driver_pod_name("x", std::string(100, 'a'))));
}

TEST_CASE("pod phases and container states map to application phases", "[kubernetes]") {
  const auto phase_of = [](const std::string& file) {
    auto pods = livy::parse_kubernetes_pod_list(recorded(file));
    REQUIRE(pods);
    REQUIRE(pods->size() == 1);
    auto phase = livy::kubernetes_phase(pods->front());
    REQUIRE(phase);
    return std::pair(*phase, livy::kubernetes_diagnostics(pods->front()));
  };
  CHECK(phase_of("pods_pending.json").first == ClusterAppPhase::kPending);
  CHECK(phase_of("pods_pending.json").second.empty());  // ContainerCreating is no trouble
  const auto pull = phase_of("pods_pending_image_pull.json");
  CHECK(pull.first == ClusterAppPhase::kPending);
  CHECK_THAT(pull.second, Contains("ErrImagePull") && Contains("4.0.9"));
  CHECK(phase_of("pods_running.json").first == ClusterAppPhase::kRunning);
  CHECK(phase_of("pods_succeeded.json").first == ClusterAppPhase::kSucceeded);
  const auto failed = phase_of("pods_failed.json");
  CHECK(failed.first == ClusterAppPhase::kFailed);
  CHECK_THAT(failed.second, Contains("Error (exit code 1)") && Contains("IllegalStateException: boom"));
  const auto evicted = phase_of("pods_evicted.json");
  CHECK(evicted.first == ClusterAppPhase::kFailed);
  CHECK_THAT(evicted.second, Contains("pod Evicted") && Contains("low on resource") && Contains("137"));
  CHECK(phase_of("pods_unknown.json").first == ClusterAppPhase::kRunning);
  CHECK(phase_of("pods_deleting.json").first == ClusterAppPhase::kKilled);

  livy::KubernetesPod odd;
  odd.name = "p";
  odd.phase = "Exploded";
  CHECK(livy::kubernetes_phase(odd).status().code() == livy::ErrorCode::kUnavailable);
}

TEST_CASE("the API server's answers are read defensively", "[kubernetes]") {
  for (const char* bad : {"", "[]", "null", "{\"items\":{}}", "{\"items\":[1]}", "{\"items\":[{}]}",
                          "{\"items\":[{\"metadata\":{\"name\":5}}]}",
                          "{\"items\":[{\"metadata\":{\"name\":\"../../etc\"}}]}",
                          "{\"kind\":\"Status\",\"items\":[]}", "{\"items\":[{\"metadata\":[]}]}",
                          "{\"items\":[{\"metadata\":{\"name\":\"a\",\"namespace\":\"UP\"}}]}"}) {
    INFO(bad);
    auto pods = livy::parse_kubernetes_pod_list(bad);
    REQUIRE_FALSE(pods);
    CHECK(pods.status().code() == livy::ErrorCode::kUnavailable);
  }
  // Optional fields of the wrong type are taken as absent; no status yet is Pending.
  auto odd = livy::parse_kubernetes_pod_list(
      R"({"items":[{"metadata":{"name":"a","labels":{"spark-app-selector":7,"spark-role":"driver"}},"status":[1]}]})");
  REQUIRE(odd);
  REQUIRE(odd->size() == 1);
  CHECK_FALSE(odd->front().app_id);
  CHECK(odd->front().phase == "Pending");
  auto none = livy::parse_kubernetes_pod_list(R"({"kind":"PodList","items":null})");
  REQUIRE(none);
  CHECK(none->empty());
  CHECK(livy::parse_kubernetes_pod(recorded("pod_deleted.json"))->deleting);
  CHECK(livy::parse_kubernetes_status_message(recorded("status_403.json")).starts_with("pods is forbidden"));
  CHECK(livy::parse_kubernetes_status_message(std::string(1000, '{')).empty());
  CHECK(livy::parse_kubernetes_status_message(R"({"message":")" + std::string(5000, 'm') + "\"}").size() < 400);
}

TEST_CASE("lookup by tag and by app id, in each phase, through the label selector", "[kubernetes]") {
  PlainApi api;
  Seen seen;
  std::string file = "pods_pending.json";
  std::mutex file_mu;
  api.server().Get(kPodsPath, [&](const httplib::Request& req, httplib::Response& res) {
    seen.add(req);
    std::lock_guard<std::mutex> lock(file_mu);
    answer_json(res, 200, recorded(file));
  });
  auto o = options_for(plain_url(api));
  o.driver_log_url = "https://logs.example/{namespace}/{pod}?app={app-id}";
  livy::KubernetesClusterManager k8s(o);

  const struct {
    const char* file;
    ClusterAppPhase phase;
  } cases[] = {{"pods_pending.json", ClusterAppPhase::kPending},   {"pods_running.json", ClusterAppPhase::kRunning},
               {"pods_succeeded.json", ClusterAppPhase::kSucceeded}, {"pods_failed.json", ClusterAppPhase::kFailed},
               {"pods_unknown.json", ClusterAppPhase::kRunning},    {"pods_deleting.json", ClusterAppPhase::kKilled}};
  for (const auto& c : cases) {
    INFO(c.file);
    {
      std::lock_guard<std::mutex> lock(file_mu);
      file = c.file;
    }
    auto found = k8s.lookup(kTag, std::nullopt);
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->app_id == kAppId);
    CHECK((*found)->phase == c.phase);
    CHECK((*found)->driver_log_url ==
          std::string("https://logs.example/spark-jobs/") + kPod + "?app=" + kAppId);
    CHECK_FALSE((*found)->spark_ui_url);
  }
  {
    std::lock_guard<std::mutex> lock(seen.mu);
    REQUIRE_FALSE(seen.requests.empty());
    CHECK(seen.requests.front() ==
          std::string("GET ") + kPodsPath + "?labelSelector=livy-tag=" + kTag + ",spark-role=driver");
    CHECK(seen.auth.front().empty());  // no token file: no token
  }

  // By app id once known; a failure carries the container's words.
  {
    std::lock_guard<std::mutex> lock(file_mu);
    file = "pods_failed.json";
  }
  auto by_id = k8s.lookup(kTag, std::string(kAppId));
  REQUIRE(by_id);
  REQUIRE(*by_id);
  CHECK((*by_id)->phase == ClusterAppPhase::kFailed);
  CHECK_THAT((*by_id)->diagnostics, Contains("exit code 1"));
  {
    std::lock_guard<std::mutex> lock(seen.mu);
    CHECK(seen.requests.back() ==
          std::string("GET ") + kPodsPath + "?labelSelector=spark-app-selector=" + kAppId + ",spark-role=driver");
  }

  // Not there yet by tag: unknown; gone once its app id is known: deleted, so killed.
  {
    std::lock_guard<std::mutex> lock(file_mu);
    file = "pods_empty.json";
  }
  auto not_yet = k8s.lookup(kTag, std::nullopt);
  REQUIRE(not_yet);
  CHECK_FALSE(*not_yet);
  auto gone = k8s.lookup(kTag, std::string(kAppId));
  REQUIRE(gone);
  REQUIRE(*gone);
  CHECK((*gone)->phase == ClusterAppPhase::kKilled);
  CHECK_THAT((*gone)->diagnostics, Contains("deleted"));

  // A resubmission: the newest pod.
  {
    std::lock_guard<std::mutex> lock(file_mu);
    file = "pods_resubmitted.json";
  }
  auto newest = k8s.lookup(kTag, std::nullopt);
  REQUIRE(newest);
  REQUIRE(*newest);
  CHECK((*newest)->app_id == kAppId);
  CHECK((*newest)->phase == ClusterAppPhase::kRunning);

  // A server that ignores the selector: pods without livyd's label are not taken.
  auto other = k8s.lookup("livy-batch-8-zzzzzzzz", std::nullopt);
  REQUIRE(other);
  CHECK_FALSE(*other);

  // What cannot go in a selector is refused before any request.
  CHECK(k8s.lookup("bad tag,x=y", std::nullopt).status().code() == livy::ErrorCode::kInvalidArgument);
  CHECK(k8s.lookup(kTag, std::string("spark-1,spark-role=executor")).status().code() ==
        livy::ErrorCode::kInvalidArgument);
}

TEST_CASE("kill deletes the driver pod by name, found by app id; a pod gone already is fine", "[kubernetes]") {
  PlainApi api;
  Seen seen;
  serve_list(api, seen, "pods_running.json");
  const std::string pod_path = std::string(kPodsPath) + "/" + kPod;
  api.server().Delete(pod_path, [&seen](const httplib::Request& req, httplib::Response& res) {
    seen.add(req);
    answer_json(res, 200, recorded("pod_deleted.json"));
  });
  livy_test::TempDir dir;
  livy_test::write_file(dir.path() / "token", "eyJhbGciOiJSUzI1NiJ9.test-token\n");
  auto o = options_for(plain_url(api));
  o.token_file = (dir.path() / "token").string();
  livy::KubernetesClusterManager k8s(o);
  REQUIRE(k8s.kill(kAppId).is_ok());
  {
    std::lock_guard<std::mutex> lock(seen.mu);
    REQUIRE(seen.requests.size() == 2);
    CHECK(seen.requests[1] == std::string("DELETE ") + kPodsPath + "/" + kPod);
    CHECK(seen.auth[0] == "Bearer eyJhbGciOiJSUzI1NiJ9.test-token");
    CHECK(seen.auth[1] == "Bearer eyJhbGciOiJSUzI1NiJ9.test-token");
  }
  CHECK(k8s.kill("not an id/..").code() == livy::ErrorCode::kInvalidArgument);

  // A token file with a line break inside would end the header: refused, nothing sent.
  livy_test::write_file(dir.path() / "token", "abc\r\nX-Evil: 1\n");
  const auto before = seen.requests.size();
  CHECK_THAT(k8s.kill(kAppId).message(), Contains("not a token"));
  CHECK(seen.requests.size() == before);
}

TEST_CASE("kill: pod deleted meanwhile (404) or no pod left is OK; a refusal is an error", "[kubernetes]") {
  PlainApi api;
  Seen seen;
  serve_list(api, seen, "pods_running.json");
  std::atomic<int> delete_status = 404;
  api.server().Delete(std::string(kPodsPath) + "/" + kPod, [&](const httplib::Request& req, httplib::Response& res) {
    seen.add(req);
    const int status = delete_status;
    answer_json(res, status, recorded(status == 404 ? "status_404_pod.json" : "status_403.json"));
  });
  livy::KubernetesClusterManager k8s(options_for(plain_url(api)));
  CHECK(k8s.kill(kAppId).is_ok());
  delete_status = 403;
  const auto refused = k8s.kill(kAppId);
  CHECK(refused.code() == livy::ErrorCode::kUnavailable);
  CHECK_THAT(refused.message(), Contains("403") && Contains("delete on pods") && Contains("forbidden"));

  PlainApi empty;
  Seen seen2;
  serve_list(empty, seen2, "pods_empty.json");
  livy::KubernetesClusterManager k8s2(options_for(plain_url(empty)));
  CHECK(k8s2.kill(kAppId).is_ok());
  CHECK(seen2.requests.size() == 1);  // nothing to delete
}

TEST_CASE("an API server that refuses, is slow, says too much or garbage: a clear error in bounded time",
          "[kubernetes]") {
  SECTION("403 and 401") {
    PlainApi api;
    Seen seen;
    serve_list(api, seen, "status_403.json", 403);
    auto found = livy::KubernetesClusterManager(options_for(plain_url(api))).lookup(kTag, std::nullopt);
    REQUIRE_FALSE(found);
    CHECK(found.status().code() == livy::ErrorCode::kUnavailable);
    CHECK_THAT(found.status().message(),
               Contains("403") && Contains("system:serviceaccount:livy:livyd") && Contains("service account"));
    PlainApi api2;
    serve_list(api2, seen, "status_401.json", 401);
    auto unauth = livy::KubernetesClusterManager(options_for(plain_url(api2))).lookup(kTag, std::nullopt);
    CHECK_THAT(unauth.status().message(), Contains("401") && Contains("kubernetes.token-file"));
  }
  SECTION("404: no such namespace") {
    PlainApi api;
    Seen seen;
    serve_list(api, seen, "status_404_namespace.json", 404);
    auto found = livy::KubernetesClusterManager(options_for(plain_url(api))).lookup(kTag, std::nullopt);
    REQUIRE_FALSE(found);
    CHECK_THAT(found.status().message(), Contains("404") && Contains("namespaces \"spark-jobs\" not found"));
  }
  SECTION("nobody listens") {
    int port = 0;
    {
      PlainApi gone;
      port = gone.port();
    }
    auto found = livy::KubernetesClusterManager(options_for("http://127.0.0.1:" + std::to_string(port)))
                     .lookup(kTag, std::nullopt);
    REQUIRE_FALSE(found);
    CHECK_THAT(found.status().message(), Contains("cannot connect"));
  }
  SECTION("too slow") {
    PlainApi api;
    api.server().Get(kPodsPath, [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      answer_json(res, 200, recorded("pods_empty.json"));
    });
    auto o = options_for(plain_url(api));
    o.request_timeout = std::chrono::milliseconds(200);
    const auto started = std::chrono::steady_clock::now();
    auto found = livy::KubernetesClusterManager(o).lookup(kTag, std::nullopt);
    REQUIRE_FALSE(found);
    CHECK(found.status().code() == livy::ErrorCode::kUnavailable);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1400));
  }
  SECTION("too much") {
    PlainApi api;
    api.server().Get(kPodsPath, [](const httplib::Request&, httplib::Response& res) {
      answer_json(res, 200, R"({"kind":"PodList","items":[)" + std::string(100000, ' ') + "]}");
    });
    auto o = options_for(plain_url(api));
    o.max_response_bytes = 10000;
    auto found = livy::KubernetesClusterManager(o).lookup(kTag, std::nullopt);
    REQUIRE_FALSE(found);
    CHECK_THAT(found.status().message(), Contains("kubernetes.max-response-bytes"));
  }
  SECTION("garbage with 200") {
    PlainApi api;
    api.server().Get(kPodsPath, [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<html>hello</html>", "text/html");
    });
    auto found = livy::KubernetesClusterManager(options_for(plain_url(api))).lookup(kTag, std::nullopt);
    REQUIRE_FALSE(found);
    CHECK_THAT(found.status().message(), Contains("not a JSON object"));
  }
}

TEST_CASE("HTTPS: the API server's certificate is verified with kubernetes.ca-file", "[kubernetes]") {
  const auto& pki = livy_test::TestPki::shared();
  FakeApi<httplib::SSLServer> api(pki.path("server.pem").c_str(), pki.path("server.key").c_str());
  api.server().Get(kPodsPath, [](const httplib::Request&, httplib::Response& res) {
    answer_json(res, 200, recorded("pods_running.json"));
  });
  auto o = options_for("https://127.0.0.1:" + std::to_string(api.port()));
  o.ca_file = pki.path("ca.pem");
  auto found = livy::KubernetesClusterManager(o).lookup(kTag, std::nullopt);
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->phase == ClusterAppPhase::kRunning);

  o.ca_file = pki.path("other-ca.pem");
  auto untrusted = livy::KubernetesClusterManager(o).lookup(kTag, std::nullopt);
  REQUIRE_FALSE(untrusted);
  CHECK_THAT(untrusted.status().message(), Contains("TLS") && Contains("kubernetes.ca-file"));
}

TEST_CASE("make_cluster_manager gives k8s:// masters their manager", "[kubernetes]") {
  livy::Config config;
  config.spark_deploy_mode = "client";  // the driver is spark-submit on livyd's host: no pod to follow
  auto client = livy::make_cluster_manager(config, "k8s://https://k8s.example:6443");
  REQUIRE(client);
  CHECK_FALSE(*client);
  config.spark_deploy_mode = "cluster";
  config.kubernetes_namespace = "spark-jobs";
  config.kubernetes_request_timeout = std::chrono::seconds(3);
  auto made = livy::make_cluster_manager(config, "k8s://https://k8s.example:6443/");
  REQUIRE(made);
  REQUIRE(*made);
  CHECK((*made)->name() == "k8s");
  const auto* k8s = dynamic_cast<const livy::KubernetesClusterManager*>(made->get());
  REQUIRE(k8s != nullptr);
  CHECK(k8s->options().api_url == "https://k8s.example:6443");
  CHECK(k8s->options().namespace_ == "spark-jobs");
  CHECK(k8s->options().request_timeout == std::chrono::seconds(3));
  CHECK(k8s->options().token_file == "/var/run/secrets/kubernetes.io/serviceaccount/token");

  CHECK(*livy::kubernetes_api_url(config, "k8s://10.0.0.1:443") == "https://10.0.0.1:443");
  config.kubernetes_api_url = "http://127.0.0.1:8001";
  CHECK(*livy::kubernetes_api_url(config, "k8s://https://k8s.example:6443") == "http://127.0.0.1:8001");
  config.kubernetes_api_url = "https://k8s.example/some/path";
  CHECK_THAT(livy::kubernetes_api_url(config, "k8s://x").status().message(), Contains("kubernetes.api-url"));
  config.kubernetes_api_url.clear();
  config.kubernetes_namespace = "Spark_Jobs";
  auto bad = livy::make_cluster_manager(config, "k8s://https://k8s.example:6443");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.status().message(), Contains("kubernetes.namespace"));
}

TEST_CASE("a batch under k8s:// in cluster mode: tagged submission, found, followed and killed through the API",
          "[kubernetes]") {
  using namespace std::chrono_literals;
  PlainApi api;
  Seen seen;
  std::atomic<bool> deleted = false;
  // Answers for whatever tag livyd asks about: the recorded running pod, relabelled.
  api.server().Get(kPodsPath, [&](const httplib::Request& req, httplib::Response& res) {
    seen.add(req);
    const std::string selector = req.get_param_value("labelSelector");
    std::string body = recorded(deleted ? "pods_deleting.json" : "pods_running.json");
    if (selector.rfind("livy-tag=", 0) == 0) {
      const std::string tag = selector.substr(9, selector.find(',') - 9);
      for (std::size_t at; (at = body.find(kTag)) != std::string::npos;) {
        body.replace(at, std::string(kTag).size(), tag);
      }
    }
    answer_json(res, 200, body);
  });
  api.server().Delete(std::string(kPodsPath) + "/" + kPod, [&](const httplib::Request& req, httplib::Response& res) {
    seen.add(req);
    deleted = true;
    answer_json(res, 200, recorded("pod_deleted.json"));
  });

  livy_test::TestRuntime t;
  t.config().spark_master = "k8s://" + plain_url(api);
  t.config().spark_deploy_mode = "cluster";
  t.config().kubernetes_namespace = "spark-jobs";
  t.config().kubernetes_container_image = "registry.example/spark:4.0.1";
  t.config().cluster_app_lookup_timeout = 10s;
  auto made = livy::make_cluster_manager(t.config(), t.config().spark_master);
  REQUIRE(made);
  REQUIRE(*made);
  t.set_cluster_manager(*made);
  t.open();

  livy::BatchRequest r;
  r.file = t.job_file();
  r.name = "etl";
  REQUIRE(t.batches().submit(r).has_value());
  const auto argv = t.launcher().spec_of(livy_test::ScriptedLauncher::kFirstPid).argv;
  const auto label = std::find_if(argv.begin(), argv.end(), [](const std::string& a) {
    return a.rfind(livy::kKubernetesTagConf, 0) == 0;
  });
  REQUIRE(label != argv.end());
  const std::string tag = label->substr(std::string(livy::kKubernetesTagConf).size() + 1);
  CHECK(tag.rfind("livy-batch-0-", 0) == 0);
  const auto has = [&argv](const std::string& arg) {
    return std::find(argv.begin(), argv.end(), arg) != argv.end();
  };
  CHECK(has("spark.kubernetes.driver.pod.name=etl-" + tag + "-driver"));
  CHECK(has("spark.kubernetes.namespace=spark-jobs"));
  CHECK(has("spark.kubernetes.container.image=registry.example/spark:4.0.1"));

  // Found by its label: running, with the pod's app id.
  const auto batch = [&t] { return *t.batches().get("0"); };
  REQUIRE(livy_test::eventually([&] {
    t.clock().advance(1s);
    return batch().state == livy::BatchState::kRunning;
  }));
  CHECK(batch().app_id == kAppId);
  {
    std::lock_guard<std::mutex> lock(seen.mu);
    CHECK(seen.requests.front() ==
          std::string("GET ") + kPodsPath + "?labelSelector=livy-tag=" + tag + ",spark-role=driver");
  }

  // DELETE /batches/0: the driver pod is deleted through the API; the batch ends killed.
  REQUIRE(t.batches().kill("0").is_ok());
  REQUIRE(livy_test::eventually([&] {
    t.clock().advance(1s);
    return deleted.load();
  }));
  REQUIRE(livy_test::eventually([&] {
    t.clock().advance(1s);
    return batch().state == livy::BatchState::kKilled;
  }));
}
