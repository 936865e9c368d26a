// Request ids, the request log, the security headers and the audit line of routed requests,
// in-process (a real server on 127.0.0.1, a runtime over the scripted launcher).
#include "http/request_log.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "livy/http.h"
#include "support/http_harness.h"
#include "support/test_runtime.h"

using livy::http::new_request_id;
using livy::http::route_template;
using livy::http::sane_request_id;

namespace {

rapidjson::Document parse(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse(line.c_str(), line.size());
  INFO(line);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

std::string str(const rapidjson::Value& v) { return v.IsString() ? v.GetString() : "<not a string>"; }

// The JSON log lines of `event` (and, if given, whose `key` is `value`).
std::vector<rapidjson::Document> entries(livy_test::TestRuntime& t, const std::string& event) {
  std::vector<rapidjson::Document> out;
  for (const auto& line : t.log_lines()) {
    auto doc = parse(line);
    if (str(doc["event"]) == event) out.push_back(std::move(doc));
  }
  return out;
}

struct Fixture {
  livy_test::TestRuntime t;
  std::unique_ptr<livy_test::HttpHarness> http;

  explicit Fixture(const std::string& audit_file = "", int threads = 0, std::size_t buffered_body_bytes = 0) {
    t.config().log_format = "json";
    t.config().audit_file = audit_file;
    t.open();
    auto options = livy::http::server_options(t.config());
    if (threads > 0) options.threads = threads;
    if (buffered_body_bytes > 0) options.max_buffered_body_bytes = buffered_body_bytes;
    http = std::make_unique<livy_test::HttpHarness>(t.runtime(), livy::http::RouteOptions{}, options);
  }
  ~Fixture() { http.reset(); }
  httplib::Client& client() { return http->client(); }
};

bool is_new_id(const std::string& id) {
  if (id.size() != 32) return false;
  for (const char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void check_security_headers(const httplib::Result& res) {
  CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
  CHECK(res->get_header_value("X-Frame-Options") == "SAMEORIGIN");
  CHECK(res->get_header_value("X-XSS-Protection") == "1; mode=block");
  CHECK(res->get_header_value("Content-Security-Policy") == "default-src 'none'; frame-ancestors 'self'");
  CHECK(res->get_header_value("Content-Type") == "application/json;charset=utf-8");
}

}  // namespace

TEST_CASE("request id: a client's id is taken when short and of safe characters only", "[http][request-log]") {
  const std::vector<std::string> good{"abc", "0f8fad5b-d9cb-469f-a165-70867728950e", "trace.1:span_2",
                                      std::string(128, 'a')};
  for (const std::string& id : good) {
    CHECK(sane_request_id(id) == id);
  }
  const std::vector<std::string> bad{"",       std::string(129, 'a'), "has space",      "a\r\nX-Evil: 1", "quote\"",
                                     "semi;colon", "slash/",            "caf\xC3\xA9", "tab\t",            "<script>"};
  for (const std::string& id : bad) {
    INFO(id);
    CHECK_FALSE(sane_request_id(id));
  }
}

TEST_CASE("request id: new ids are 32 hex digits, and differ", "[http][request-log]") {
  const std::string a = new_request_id();
  const std::string b = new_request_id();
  CHECK(is_new_id(a));
  CHECK(is_new_id(b));
  CHECK(a != b);
  CHECK(sane_request_id(a) == a);
}

TEST_CASE("route template: the metrics' templates (docs/openapi.yaml's paths), few and bounded", "[http][request-log]") {
  CHECK(route_template("/version") == "/version");
  CHECK(route_template("/sessions") == "/sessions");
  CHECK(route_template("//sessions/12/") == "/sessions/{id}");
  CHECK(route_template("/sessions/name-x/statements/3/cancel") == "/sessions/{id}/statements/{sid}/cancel");
  CHECK(route_template("/batches/7/log") == "/batches/{id}/log");
  CHECK(route_template("/sessions/1/upload-jar") == "/sessions/{id}/upload-jar");
  CHECK(route_template("/") == "other");
  CHECK(route_template("/sessions/1/whatever") == "other");
  CHECK(route_template("/nope/1/2") == "other");
  CHECK(route_template("/sessions/1/statements/2/3/4") == "other");
}

TEST_CASE("request log: the client's X-Request-Id comes back and is in the request's log line", "[http][request-log]") {
  Fixture f;
  const auto res = f.client().Get("/batches", {{"X-Request-Id", "client-id-1"}});
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("X-Request-Id") == "client-id-1");
  check_security_headers(res);
  const auto requests = entries(f.t, "request");
  REQUIRE(requests.size() == 1);
  const auto& line = requests[0];
  CHECK(str(line["level"]) == "info");
  CHECK(str(line["request_id"]) == "client-id-1");
  CHECK(str(line["method"]) == "GET");
  CHECK(str(line["route"]) == "/batches");
  CHECK(str(line["path"]) == "/batches");
  CHECK(line["status"].GetInt64() == 200);
  REQUIRE(line["latency_ms"].IsNumber());
  CHECK(line["latency_ms"].GetDouble() >= 0);
  REQUIRE(line["queued_ms"].IsNumber());
  CHECK(line["queued_ms"].GetDouble() >= 0);
  CHECK(line["user"].IsNull());  // no authentication
  CHECK(str(line["remote"]) == "127.0.0.1");
}

TEST_CASE("request log: queued_ms is a request's wait for a free worker", "[http][request-log]") {
  // One worker, and bodies over 16 bytes read by it: a POST whose body is still coming holds it.
  Fixture f("", 1, 16);
  const int fd = livy_test::connect_loopback(f.http->port());
  const std::string body(100, 'x');
  REQUIRE(livy_test::send_all(fd, "POST /batches HTTP/1.1\r\nHost: t\r\nX-Requested-By: t\r\n"
                                  "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n" +
                                      body.substr(0, 20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the worker is reading the rest
  auto get = std::async(std::launch::async, [&f] {
    const auto res = f.client().Get("/batches", {{"X-Request-Id", "waited-1"}});
    return res ? res->status : -1;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  REQUIRE(livy_test::send_all(fd, body.substr(20)));  // the POST ends (400: not JSON), the worker is free
  CHECK(get.get() == 200);
  ::close(fd);
  bool found = false;
  for (const auto& line : entries(f.t, "request")) {
    if (str(line["request_id"]) != "waited-1") continue;
    found = true;
    REQUIRE(line["queued_ms"].IsNumber());
    CHECK(line["queued_ms"].GetDouble() >= 350);
    CHECK(line["latency_ms"].GetDouble() < line["queued_ms"].GetDouble());
  }
  CHECK(found);
}

TEST_CASE("request log: an unsafe X-Request-Id is replaced by a new one", "[http][request-log]") {
  Fixture f;
  const auto res = f.client().Get("/batches", {{"X-Request-Id", "not safe;" + std::string(10, 'x')}});
  REQUIRE(res);
  const std::string id = res->get_header_value("X-Request-Id");
  CHECK(is_new_id(id));
  const auto requests = entries(f.t, "request");
  REQUIRE(requests.size() == 1);
  CHECK(str(requests[0]["request_id"]) == id);
}

TEST_CASE("security headers: on a 404 and an error too; a route's own CSP is kept", "[http][request-log]") {
  Fixture f;
  f.http->server().router().Get("/own-csp", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy", "default-src 'self'");
    res.set_content("<p>page</p>", "text/html");
  });
  const auto missing = f.client().Get("/no/such/thing");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  check_security_headers(missing);
  CHECK(is_new_id(missing->get_header_value("X-Request-Id")));
  const auto bad = f.client().Post("/batches", "{not json", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  check_security_headers(bad);
  const auto page = f.client().Get("/own-csp");
  REQUIRE(page);
  CHECK(page->get_header_value("Content-Security-Policy") == "default-src 'self'");
  CHECK(page->get_header_value("X-Frame-Options") == "SAMEORIGIN");
  CHECK(page->get_header_value("Content-Type") == "text/html");
}

TEST_CASE("request log: a batch's state changes are logged as events", "[http][request-log]") {
  Fixture f;
  const auto res = f.client().Post("/batches", R"({"file": ")" + f.t.job_file() + R"("})", "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 201);
  const auto states = entries(f.t, "state");
  REQUIRE(!states.empty());
  CHECK(str(states[0]["object"]) == "batch");
  CHECK(states[0]["id"].GetInt64() == 0);
  CHECK(states[0]["from"].IsNull());
  CHECK(str(states[0]["to"]) == "starting");
  CHECK(states[0]["app_id"].IsNull());
  const auto killed = f.client().Delete("/batches/0");
  REQUIRE(killed);
  bool saw_killed = false;
  for (const auto& s : entries(f.t, "state")) {
    saw_killed = saw_killed ||
                 (str(s["object"]) == "batch" && str(s["from"]) == "starting" && str(s["to"]) == "killed");
  }
  CHECK(saw_killed);
}

TEST_CASE("audit: create and delete are recorded before the reply, with the outcome", "[http][audit]") {
  livy_test::TempDir dir;
  const auto path = dir / "audit.log";
  Fixture f(path.string());
  const auto created = f.client().Post("/batches?doAs=carol", {{"X-Request-Id", "create-1"}},
                                       R"({"file": ")" + f.t.job_file() + R"("})", "application/json");
  REQUIRE(created);
  REQUIRE(created->status == 201);
  // Written before the reply was: in the file as soon as the client has its answer.
  std::string text = livy_test::read_file(path);
  REQUIRE(text.find('\n') == text.size() - 1);
  auto line = parse(text);
  CHECK(str(line["event"]) == "audit");
  CHECK(str(line["request_id"]) == "create-1");
  CHECK(str(line["action"]) == "create");
  CHECK(str(line["object"]) == "batch");
  CHECK(str(line["id"]) == "0");
  CHECK(line["user"].IsNull());
  CHECK(str(line["proxy_user"]) == "carol");
  CHECK(str(line["remote"]) == "127.0.0.1");
  CHECK(line["status"].GetInt64() == 201);
  const auto missing = f.client().Delete("/batches/41");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(f.client().Get("/batches/0"));  // a read: not audited
  text = livy_test::read_file(path);
  const auto second = text.substr(text.find('\n') + 1);
  line = parse(second);
  CHECK(str(line["action"]) == "delete");
  CHECK(str(line["id"]) == "41");
  CHECK(line["status"].GetInt64() == 404);
  CHECK(second.find('\n') == second.size() - 1);  // two lines in all
}

TEST_CASE("audit: a file that cannot be opened refuses what it would record with 503", "[http][audit]") {
  livy_test::TempDir dir;
  Fixture f((dir / "no-such-dir" / "audit.log").string());
  const auto refused = f.client().Post("/batches", R"({"file": ")" + f.t.job_file() + R"("})", "application/json");
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(f.t.launcher().launched().empty());
  const auto read = f.client().Get("/batches");
  REQUIRE(read);
  CHECK(read->status == 200);
}
