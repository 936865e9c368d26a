// livy::Client against an in-process fake Livy: canned replies as Apache Livy
// and livyd write them (quirks included), and the requests the client sent.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "livy/client.h"

using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

// What the fake server received.
struct Seen {
  std::string method;
  std::string path;    // decoded
  std::string target;  // as sent: "/sessions/nb%201?size=5"
  std::string query;   // "size=5" as sent, "" for none
  std::string body;
  httplib::Headers headers;
};

// A scripted HTTP server on 127.0.0.1, any free port. `reply` answers every
// request (set it before the client sends any); `seen()` lists what came in.
class FakeLivy {
 public:
  using Reply = std::function<void(const Seen&, httplib::Response&)>;

  explicit FakeLivy(Reply reply, const std::function<void(httplib::Server&)>& setup = {}) : reply_(std::move(reply)) {
    if (setup) setup(server_);
    const auto handle = [this](const httplib::Request& req, httplib::Response& res) {
      Seen seen{req.method, req.path, req.target, query_of(req.target), req.body, req.headers};
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen_.push_back(seen);
      }
      reply_(seen, res);
    };
    server_.Get(".*", handle);
    server_.Post(".*", handle);
    server_.Delete(".*", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ < 0) throw std::runtime_error("cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  }
  ~FakeLivy() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  Seen last() const {
    auto all = seen();
    REQUIRE_FALSE(all.empty());
    return all.back();
  }

 private:
  static std::string query_of(const std::string& target) {
    const auto q = target.find('?');
    return q == std::string::npos ? "" : target.substr(q + 1);
  }

  Reply reply_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Seen> seen_;
};

// Answers every request with `status` and `body`.
FakeLivy::Reply canned(int status, std::string body, std::string type = "application/json") {
  return [=](const Seen&, httplib::Response& res) {
    res.status = status;
    res.set_content(body, type.c_str());
  };
}

void reply_json(httplib::Response& res, const std::string& body, int status = 200) {
  res.status = status;
  res.set_content(body, "application/json");
}

livy::ClientOptions fast_options() {
  livy::ClientOptions options;
  options.connect_timeout = 2s;
  options.request_timeout = 5s;
  options.poll_interval = 10ms;
  return options;
}

// Objects as Apache Livy 0.8 writes them, with an extra field a newer server might add.
const char* const kLivySession =
    R"({"id":2,"name":null,"appId":null,"owner":null,"proxyUser":null,"state":"starting","kind":"pyspark",)"
    R"("appInfo":{"driverLogUrl":null,"sparkUiUrl":null,"executorLogUrls":null},"log":["stdout: ","\nstderr: "],)"
    R"("ttl":null,"idleTimeout":null,"driverMemory":null,"driverCores":0,"executorMemory":null,"executorCores":0,)"
    R"("conf":{},"archives":[],"files":[],"heartbeatTimeoutInSecond":0,"jars":[],"numExecutors":0,"pyFiles":[],)"
    R"("queue":null,"sparkVersion":"3.5.1"})";
const char* const kLivyBatch =
    R"({"id":3,"name":null,"owner":null,"proxyUser":null,"state":"running","appId":null,)"
    R"("appInfo":{"driverLogUrl":null,"sparkUiUrl":null},"log":["line 1","line 2"]})";

// A socket that accepts connections (through the kernel's backlog) and never answers.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace

TEST_CASE("version decodes Livy's /version and livyd's extra field", "[client]") {
  FakeLivy livy(canned(200, R"({"version":"0.9.0","user":"spark","revision":"abc","branch":"main",)"
                            R"("date":"2024-01-01","url":"livyd","livydVersion":"0.1.0"})"));
  livy::Client client(livy.url(), fast_options());
  const auto v = client.version();
  REQUIRE(v);
  CHECK(v->version == "0.9.0");
  CHECK(v->user == "spark");
  CHECK(v->livyd_version == "0.1.0");
  CHECK(livy.last().method == "GET");
  CHECK(livy.last().path == "/version");
}

TEST_CASE("submit sends Livy's batch fields and decodes the 201 reply", "[client]") {
  FakeLivy livy(canned(201, kLivyBatch));
  livy::Client client(livy.url(), fast_options());
  livy::BatchRequest request;
  request.file = "local:/apps/pi.py";
  request.class_name = "org.example.Main";
  request.args = {"10", "a \"b\""};
  request.name = "nightly";
  request.proxy_user = "alice";
  request.resources.jars = {"a.jar"};
  request.resources.driver_memory = "1g";
  request.resources.executor_cores = 2;
  request.resources.conf = {{"spark.x", "1"}};
  const auto batch = client.submit(request);
  REQUIRE(batch);
  CHECK(livy.last().method == "POST");
  CHECK(livy.last().path == "/batches");
  CHECK(livy.last().body ==
        R"({"file":"local:/apps/pi.py","className":"org.example.Main","args":["10","a \"b\""],"name":"nightly",)"
        R"("proxyUser":"alice","jars":["a.jar"],"driverMemory":"1g","executorCores":2,"conf":{"spark.x":"1"}})");
  CHECK(livy.last().headers.find("Content-Type")->second == "application/json");
  CHECK(batch->id == 3);
  CHECK(batch->state == livy::BatchState::kRunning);
  CHECK_FALSE(batch->app_id);
  CHECK_FALSE(batch->name);
  CHECK(batch->log == std::vector<std::string>{"line 1", "line 2"});
}

TEST_CASE("a minimal batch request sends only its file", "[client]") {
  FakeLivy livy(canned(201, kLivyBatch));
  livy::Client client(livy.url(), fast_options());
  livy::BatchRequest request;
  request.file = "/x.py";
  REQUIRE(client.submit(request));
  CHECK(livy.last().body == R"({"file":"/x.py"})");
}

TEST_CASE("batch reads: get, list (under \"sessions\"), log, delete", "[client]") {
  FakeLivy livy([batch = std::string(kLivyBatch)](const Seen& s, httplib::Response& res) {
    if (s.method == "DELETE") reply_json(res, R"({"msg":"deleted"})");
    else if (s.path == "/batches") reply_json(res, R"({"from":1,"total":5,"sessions":[)" + batch + "]}");
    else if (s.path == "/batches/3/log") reply_json(res, R"({"id":3,"from":0,"total":2,"log":["a","b"]})");
    else reply_json(res, R"({"id":3,"state":"success","appId":"app-1",)"
                         R"("appInfo":{"driverLogUrl":null,"sparkUiUrl":"http://ui","executorLogUrls":"executor-1#http://nm/1"},)"
                         R"("log":[]})");
  });
  livy::Client client(livy.url(), fast_options());

  const auto batch = client.get_batch(3);
  REQUIRE(batch);
  CHECK(livy.last().path == "/batches/3");
  CHECK(batch->state == livy::BatchState::kSuccess);
  CHECK(batch->app_id == "app-1");
  CHECK(batch->app_info.spark_ui_url == "http://ui");
  CHECK(batch->app_info.executor_log_urls == "executor-1#http://nm/1");

  const auto page = client.list_batches(1, 2);
  REQUIRE(page);
  CHECK(livy.last().query == "from=1&size=2");
  CHECK(page->from == 1);
  CHECK(page->total == 5);
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].id == 3);

  const auto log = client.batch_log(3, std::nullopt, -1);
  REQUIRE(log);
  CHECK(livy.last().query == "size=-1");
  CHECK(log->lines == std::vector<std::string>{"a", "b"});
  CHECK(log->total == 2);
  REQUIRE(client.batch_log(3, 10, 5));
  CHECK(livy.last().query == "size=5&from=10");

  CHECK(client.delete_batch(3));
  CHECK(livy.last().method == "DELETE");
  CHECK(livy.last().path == "/batches/3");
}

TEST_CASE("create_session sends Livy's field names, durations as text", "[client]") {
  FakeLivy livy(canned(201, kLivySession));
  livy::Client client(livy.url(), fast_options());
  livy::SessionRequest request;
  request.kind = livy::SessionKind::kPySpark;
  request.name = "nb";
  request.proxy_user = "bob";
  request.resources.py_files = {"dep.py"};
  request.resources.files = {"f.txt"};
  request.resources.archives = {"env.tgz"};
  request.resources.driver_memory = "2g";
  request.resources.driver_cores = 1;
  request.resources.executor_memory = "4g";
  request.resources.num_executors = 3;
  request.resources.queue = "default";
  request.heartbeat_timeout_s = 60;
  request.ttl = 30s;
  request.idle_timeout = 10min;
  REQUIRE(client.create_session(request));
  CHECK(livy.last().path == "/sessions");
  CHECK(livy.last().body ==
        R"({"kind":"pyspark","name":"nb","proxyUser":"bob","pyFiles":["dep.py"],"files":["f.txt"],)"
        R"("archives":["env.tgz"],"driverMemory":"2g","driverCores":1,"executorMemory":"4g","numExecutors":3,)"
        R"("queue":"default","heartbeatTimeoutInSecond":60,"ttl":"30s","idleTimeout":"10m"})");

  REQUIRE(client.create_session({}));
  CHECK(livy.last().body == "{}");
}

TEST_CASE("a real Livy session object decodes, nulls and zeros as unset", "[client]") {
  FakeLivy livy(canned(200, kLivySession));
  livy::Client client(livy.url(), fast_options());
  const auto s = client.get_session(2);
  REQUIRE(s);
  CHECK(livy.last().path == "/sessions/2");
  CHECK(s->id == 2);
  CHECK(s->kind == livy::SessionKind::kPySpark);
  CHECK(s->state == livy::SessionState::kStarting);
  CHECK_FALSE(s->app_id);
  CHECK_FALSE(s->proxy_user);
  CHECK_FALSE(s->app_info.driver_log_url);
  CHECK_FALSE(s->app_info.executor_log_urls);
  CHECK(s->log.size() == 2);
  CHECK_FALSE(s->request.resources.driver_cores);
  CHECK_FALSE(s->request.resources.num_executors);
  CHECK_FALSE(s->request.ttl);
  CHECK(s->request.heartbeat_timeout_s == 0);
}

TEST_CASE("a session echoing its resources decodes them", "[client]") {
  FakeLivy livy(canned(200, R"({"id":0,"state":"idle","kind":"shared","proxyUser":"bob","driverCores":2,)"
                            R"("numExecutors":4,"conf":{"spark.a":"x","spark.b":3},"jars":["j.jar"],)"
                            R"("heartbeatTimeoutInSecond":60,"ttl":"1h","idleTimeout":"15m","log":[]})"));
  livy::Client client(livy.url(), fast_options());
  const auto s = client.get_session(0);
  REQUIRE(s);
  CHECK(s->kind == livy::SessionKind::kShared);
  CHECK(s->proxy_user == "bob");
  CHECK(s->request.resources.driver_cores == 2);
  CHECK(s->request.resources.num_executors == 4);
  CHECK(s->request.resources.conf == std::map<std::string, std::string>{{"spark.a", "x"}, {"spark.b", "3"}});
  CHECK(s->request.resources.jars == std::vector<std::string>{"j.jar"});
  CHECK(s->request.heartbeat_timeout_s == 60);
  CHECK(s->request.ttl == std::chrono::milliseconds(3'600'000));
  CHECK(s->request.idle_timeout == std::chrono::milliseconds(900'000));
}

TEST_CASE("session list, state and log", "[client]") {
  FakeLivy livy([session = std::string(kLivySession)](const Seen& s, httplib::Response& res) {
    if (s.path == "/sessions") reply_json(res, R"({"from":0,"total":1,"sessions":[)" + session + "]}");
    else if (s.path == "/sessions/2/state") reply_json(res, R"({"id":2,"state":"busy"})");
    else reply_json(res, R"({"id":2,"from":3,"total":9,"log":["x"]})");
  });
  livy::Client client(livy.url(), fast_options());
  const auto page = client.list_sessions();
  REQUIRE(page);
  CHECK(livy.last().query == "from=0&size=100");
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].kind == livy::SessionKind::kPySpark);
  const auto state = client.session_state(2);
  REQUIRE(state);
  CHECK(*state == livy::SessionState::kBusy);
  const auto log = client.session_log(2, 3, 1);
  REQUIRE(log);
  CHECK(livy.last().path == "/sessions/2/log");
  CHECK(log->from == 3);
  CHECK(log->lines == std::vector<std::string>{"x"});
}

TEST_CASE("statements: submit, get with wait, list, cancel, complete", "[client]") {
  FakeLivy livy([](const Seen& s, httplib::Response& res) {
    if (s.path == "/sessions/2/statements" && s.method == "POST") {
      reply_json(res, R"({"id":0,"code":"1 + 1","state":"waiting","output":null,"progress":0.0,"started":0,)"
                      R"("completed":0})", 201);
    } else if (s.path == "/sessions/2/statements") {
      reply_json(res, R"({"total_statements":4,"statements":[{"id":3,"code":"x","state":"running","output":null,)"
                      R"("progress":0.5}]})");
    } else if (s.path == "/sessions/2/statements/0") {
      reply_json(res, R"({"id":0,"code":"1 + 1","state":"available","output":{"status":"ok","execution_count":0,)"
                      R"("data":{"text/plain":"2","application/json":{"a":[1,2]}}},"progress":1,)"
                      R"("started":1700000000000,"completed":1700000000042})");
    } else if (s.path == "/sessions/2/statements/0/cancel") {
      reply_json(res, R"({"msg":"canceled"})");
    } else {
      reply_json(res, R"({"candidates":["print","printf"]})");
    }
  });
  livy::Client client(livy.url(), fast_options());

  const auto submitted = client.submit_statement(2, {"1 + 1", livy::SessionKind::kPySpark});
  REQUIRE(submitted);
  CHECK(livy.last().body == R"({"code":"1 + 1","kind":"pyspark"})");
  CHECK(submitted->state == livy::StatementState::kWaiting);
  CHECK_FALSE(submitted->output);
  REQUIRE(client.submit_statement(2, {"x = 1", std::nullopt}));
  CHECK(livy.last().body == R"({"code":"x = 1"})");

  const auto done = client.get_statement(2, 0, 7s);
  REQUIRE(done);
  CHECK(livy.last().query == "wait=7");
  CHECK(done->state == livy::StatementState::kAvailable);
  CHECK(done->progress == 1.0);
  CHECK(done->completed_ms == 1700000000042);
  REQUIRE(done->output);
  CHECK(done->output->ok);
  CHECK(done->output->data.at("text/plain") == R"("2")");
  CHECK(done->output->data.at("application/json") == R"({"a":[1,2]})");
  CHECK(done->output->text() == "2");
  REQUIRE(client.get_statement(2, 0));
  CHECK(livy.last().query.empty());

  const auto page = client.list_statements(2, 3, 1);
  REQUIRE(page);
  CHECK(livy.last().query == "from=3&size=1");
  CHECK(page->from == 3);
  CHECK(page->total == 4);
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].progress == 0.5);

  CHECK(client.cancel_statement(2, 0));
  CHECK(livy.last().method == "POST");
  CHECK(livy.last().path == "/sessions/2/statements/0/cancel");

  const auto candidates = client.complete(2, "pri", livy::SessionKind::kPySpark, 3);
  REQUIRE(candidates);
  CHECK(livy.last().path == "/sessions/2/completion");
  CHECK(livy.last().body == R"({"code":"pri","kind":"pyspark","cursor":3})");
  CHECK(*candidates == std::vector<std::string>{"print", "printf"});
}

TEST_CASE("an error in user code is an available statement with an error output", "[client]") {
  FakeLivy livy(canned(200, R"({"id":1,"code":"x","state":"available","output":{"status":"error",)"
                            R"("execution_count":1,"ename":"NameError","evalue":"name 'x' is not defined",)"
                            R"("traceback":["Traceback...","NameError: name 'x' is not defined"]},"progress":1.0})"));
  livy::Client client(livy.url(), fast_options());
  const auto st = client.get_statement(0, 1);
  REQUIRE(st);
  REQUIRE(st->output);
  CHECK_FALSE(st->output->ok);
  CHECK(st->output->execution_count == 1);
  CHECK(st->output->ename == "NameError");
  CHECK(st->output->traceback.size() == 2);
  CHECK(st->output->text().empty());
}

TEST_CASE("HTTP errors map to Status codes with the server's message", "[client]") {
  struct Case {
    int status;
    std::string body, type;
    livy::ErrorCode code;
    std::string msg;
  };
  const std::vector<Case> cases = {
      {400, R"("Rejected, too many sessions are being created!")", "application/json",
       livy::ErrorCode::kInvalidArgument, "Rejected, too many sessions are being created!"},
      {400, R"({"msg":"unknown field 'foo'"})", "application/json", livy::ErrorCode::kInvalidArgument,
       "unknown field 'foo'"},
      {400, "<html><body>Missing Required Header for CSRF protection.</body></html>", "text/html",
       livy::ErrorCode::kInvalidArgument, "<html><body>Missing Required Header for CSRF protection.</body></html>"},
      {403, "", "text/plain", livy::ErrorCode::kForbidden, "HTTP 403"},
      {404, R"({"msg":"Session '7' not found."})", "application/json", livy::ErrorCode::kNotFound,
       "Session '7' not found."},
      {409, R"({"msg":"busy"})", "application/json", livy::ErrorCode::kConflict, "busy"},
      {413, R"({"msg":"too big"})", "application/json", livy::ErrorCode::kTooLarge, "too big"},
      {500, R"({"msg":"boom"})", "application/json", livy::ErrorCode::kInternal, "boom"},
      {503, R"({"msg":"store down"})", "application/json", livy::ErrorCode::kUnavailable, "store down"},
  };
  for (const auto& c : cases) {
    INFO(c.status << " " << c.body);
    FakeLivy livy(canned(c.status, c.body, c.type));
    livy::Client client(livy.url(), fast_options());
    const auto s = client.get_session(7);
    REQUIRE_FALSE(s);
    CHECK(s.status().code() == c.code);
    CHECK(s.status().message() == c.msg);
    CHECK(client.delete_session(7).code() == c.code);
  }
}

TEST_CASE("replies of the wrong shape are internal errors naming the field", "[client]") {
  struct Case {
    std::string body, msg;
  };
  const std::vector<Case> cases = {
      {R"({"id":"2","state":"idle"})", "session.id must be an integer"},
      {R"({"id":2,"state":7})", "session.state must be a string"},
      {R"({"id":2,"state":"sleeping"})", "session.state 'sleeping' is not a known state"},
      {R"({"id":2,"state":"idle","kind":"cobol"})", "session.kind 'cobol' is not a known kind"},
      {R"({"id":2,"state":"idle","log":"x"})", "session.log must be a list of strings"},
      {R"({"id":2,"state":"idle","appInfo":{"sparkUiUrl":1}})", "session.appInfo.sparkUiUrl must be a string"},
      {R"({"id":2,"state":"idle","appInfo":{"executorLogUrls":[]}})", "session.appInfo.executorLogUrls must be a string"},
      {R"({"state":"idle"})", "session.id is missing"},
      {R"([1,2])", "not a JSON object"},
      {R"(<html>)", "malformed JSON"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    FakeLivy livy(canned(200, c.body));
    livy::Client client(livy.url(), fast_options());
    const auto s = client.get_session(2);
    REQUIRE_FALSE(s);
    CHECK(s.status().code() == livy::ErrorCode::kInternal);
    CHECK_THAT(s.status().message(), Contains(c.msg));
  }
  FakeLivy livy(canned(200, R"({"id":0,"state":"available","output":{"status":"ok","data":[1]}})"));
  livy::Client client(livy.url(), fast_options());
  const auto st = client.get_statement(0, 0);
  REQUIRE_FALSE(st);
  CHECK_THAT(st.status().message(), Contains("statement.output.data must be an object"));
}

TEST_CASE("connection failures and silent servers are unavailable", "[client]") {
  int closed_port = 0;
  {
    FakeLivy gone(canned(200, "{}"));
    closed_port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
  }
  livy::Client refused("http://127.0.0.1:" + std::to_string(closed_port), fast_options());
  const auto v = refused.version();
  REQUIRE_FALSE(v);
  CHECK(v.status().code() == livy::ErrorCode::kUnavailable);
  CHECK_THAT(v.status().message(), Contains("GET http://127.0.0.1:"));

  SilentServer silent;
  auto options = fast_options();
  options.request_timeout = 200ms;
  livy::Client client(silent.url(), options);
  const auto start = std::chrono::steady_clock::now();
  const auto s = client.create_session({});
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(s);
  CHECK(s.status().code() == livy::ErrorCode::kUnavailable);
  CHECK(took >= 150ms);
  CHECK(took < 3s);
}

TEST_CASE("a long-poll gets its wait on top of the request timeout", "[client]") {
  FakeLivy livy([](const Seen&, httplib::Response& res) {
    std::this_thread::sleep_for(1200ms);  // a server holding the long-poll
    reply_json(res, R"({"id":0,"code":"","state":"running","output":null})");
  });
  auto options = fast_options();
  options.request_timeout = 500ms;
  livy::Client client(livy.url(), options);
  CHECK(client.get_statement(0, 0, 1s));
}

TEST_CASE("headers, basic auth and a path prefix are sent", "[client]") {
  FakeLivy livy(canned(200, R"({"version":"0.8.0-incubating"})"));
  auto options = fast_options();
  options.headers["X-Custom"] = "yes";
  options.basic_auth = livy::BasicAuth{"alice", "secret"};
  livy::Client client(livy.url() + "/gateway/livy/", options);
  REQUIRE(client.version());
  const auto seen = livy.last();
  CHECK(seen.path == "/gateway/livy/version");
  CHECK(seen.headers.find("X-Requested-By")->second == "livy");
  CHECK(seen.headers.find("X-Custom")->second == "yes");
  CHECK(seen.headers.find("Authorization")->second == "Basic YWxpY2U6c2VjcmV0");
}

TEST_CASE("sessions and batches may be named, escaped in the path", "[client]") {
  FakeLivy livy(canned(200, kLivySession));
  livy::Client client(livy.url(), fast_options());
  REQUIRE(client.get_session("nb 1/ü"));
  CHECK(livy.last().target == "/sessions/nb%201%2F%C3%BC");
  CHECK(livy.last().path == "/sessions/nb 1/ü");
  CHECK(client.delete_batch("nightly-etl_2.x~"));
  CHECK(livy.last().target == "/batches/nightly-etl_2.x~");
  REQUIRE(client.session_log(std::int64_t{12}, 0, 10));
  CHECK(livy.last().target == "/sessions/12/log?size=10&from=0");
}

TEST_CASE("a malformed base URL fails every call", "[client]") {
  for (const char* url : {"127.0.0.1:8998", "ftp://h", "http://", "http://h:99999", "http://h:x", "http://h?q"}) {
    INFO(url);
    livy::Client client(url);
    CHECK(client.version().status().code() == livy::ErrorCode::kInvalidArgument);
  }
  livy::Client ipv6("http://[::1]:1");
  CHECK(ipv6.version().status().code() == livy::ErrorCode::kUnavailable);
}

TEST_CASE("wait_session_idle polls until idle, a final state or the timeout", "[client]") {
  std::atomic<int> polls{0};
  std::string final_state = "idle";
  FakeLivy livy([&](const Seen&, httplib::Response& res) {
    const char* state = ++polls < 3 ? "starting" : final_state.c_str();
    reply_json(res, std::string(R"({"id":4,"state":")") + state + R"(","log":["boom"]})");
  });
  livy::Client client(livy.url(), fast_options());

  const auto idle = client.wait_session_idle(4, 5s);
  REQUIRE(idle);
  CHECK(idle->state == livy::SessionState::kIdle);
  CHECK(polls == 3);

  polls = 0;
  final_state = "dead";
  const auto dead = client.wait_session_idle(4, 5s);
  REQUIRE_FALSE(dead);
  CHECK(dead.status().code() == livy::ErrorCode::kConflict);
  CHECK(dead.status().message() == "session 4 ended dead; last log line: boom");

  polls = -1'000'000;
  const auto late = client.wait_session_idle(4, 50ms);
  REQUIRE_FALSE(late);
  CHECK(late.status().code() == livy::ErrorCode::kUnavailable);
  CHECK(late.status().message() == "session 4 is still starting after 50ms");
}

TEST_CASE("run long-polls a server that supports it", "[client]") {
  FakeLivy livy([](const Seen& s, httplib::Response& res) {
    if (s.method == "POST") {
      reply_json(res, R"({"id":5,"code":"1 + 1","state":"waiting","output":null})", 201);
    } else {
      reply_json(res, R"({"id":5,"code":"1 + 1","state":"available","output":{"status":"ok","execution_count":5,)"
                      R"("data":{"text/plain":"2"}}})");
    }
  });
  livy::Client client(livy.url(), fast_options());
  const auto st = client.run(1, "1 + 1", std::nullopt, 1min);
  REQUIRE(st);
  CHECK(st->output->text() == "2");
  const auto seen = livy.seen();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].body == R"({"code":"1 + 1"})");
  CHECK(seen[1].path == "/sessions/1/statements/5");
  CHECK(seen[1].query == "wait=10");
}

TEST_CASE("run polls a server that ignores wait, and gives up at the timeout", "[client]") {
  std::atomic<int> gets{0};
  std::atomic<int> ready_after{3};
  FakeLivy livy([&](const Seen& s, httplib::Response& res) {
    if (s.method == "POST") {
      return reply_json(res, R"({"id":0,"code":"c","state":"waiting","output":null})", 201);
    }
    const bool ready = ++gets >= ready_after;
    reply_json(res, ready ? R"({"id":0,"code":"c","state":"cancelled","output":null})"
                          : R"({"id":0,"code":"c","state":"running","output":null})");
  });
  auto options = fast_options();
  options.poll_interval = 30ms;
  livy::Client client(livy.url(), options);

  const auto start = std::chrono::steady_clock::now();
  const auto st = client.run(0, "c", livy::SessionKind::kSql, 10s);
  REQUIRE(st);
  CHECK(st->state == livy::StatementState::kCancelled);
  CHECK(gets == 3);
  CHECK(std::chrono::steady_clock::now() - start >= 60ms);  // two pauses between three polls

  ready_after = 1'000'000;
  const auto late = client.run(0, "c", std::nullopt, 100ms);
  REQUIRE_FALSE(late);
  CHECK(late.status().code() == livy::ErrorCode::kUnavailable);
  CHECK(late.status().message() == "statement 0 of session 0 is still running after 100ms");
}

TEST_CASE("a connection the server closed while idle is replaced", "[client]") {
  FakeLivy livy(canned(201, kLivySession), [](httplib::Server& server) { server.set_keep_alive_timeout(1); });
  livy::Client client(livy.url(), fast_options());
  REQUIRE(client.create_session({}));
  std::this_thread::sleep_for(1500ms);
  CHECK(client.create_session({}));
  CHECK(livy.seen().size() == 2);
}

TEST_CASE("small POSTs are not held back by Nagle's algorithm", "[client]") {
  // Headers and body go out in separate writes; with Nagle on, each POST
  // waits for the server's delayed ACK (~40 ms).
  FakeLivy livy(canned(201, kLivySession), [](httplib::Server& server) { server.set_tcp_nodelay(true); });
  livy::Client client(livy.url(), fast_options());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) REQUIRE(client.create_session({}));
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
}

TEST_CASE("create_session_once and submit_once send the Idempotency-Key; 200 is a replay, 201 a new object",
          "[client]") {
  int status = 201;
  FakeLivy livy([&](const Seen& seen, httplib::Response& res) {
    const bool batch = seen.path == "/batches";
    res.status = status;
    res.set_content(status == 409 ? R"({"msg":"the key was used with another body"})" : batch ? kLivyBatch : kLivySession,
                    "application/json");
  });
  livy::Client client(livy.url(), fast_options());
  livy::SessionRequest request;
  request.kind = livy::SessionKind::kPySpark;
  const auto created = client.create_session_once(request, "nb-run-7");
  REQUIRE(created);
  CHECK_FALSE(created->replayed);
  CHECK(created->value.id == 2);
  CHECK(livy.last().path == "/sessions");
  CHECK(livy.last().headers.find("Idempotency-Key")->second == "nb-run-7");
  CHECK(livy.last().body == R"({"kind":"pyspark"})");

  status = 200;
  const auto replayed = client.create_session_once(request, "nb-run-7");
  REQUIRE(replayed);
  CHECK(replayed->replayed);
  CHECK(replayed->value.id == 2);

  livy::BatchRequest batch;
  batch.file = "local:/apps/pi.py";
  const auto again = client.submit_once(batch, "nightly-2026-12-07");
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->value.id == 3);
  CHECK(livy.last().headers.find("Idempotency-Key")->second == "nightly-2026-12-07");

  status = 409;
  const auto conflict = client.submit_once(batch, "nightly-2026-12-07");
  REQUIRE_FALSE(conflict);
  CHECK(conflict.status().code() == livy::ErrorCode::kConflict);
  CHECK_THAT(conflict.status().message(), Contains("another body"));
  // A plain create sends no key.
  status = 201;
  REQUIRE(client.create_session(request));
  CHECK(livy.last().headers.count("Idempotency-Key") == 0);
}
