// The REST routes in-process: a real httplib server on 127.0.0.1 and a
// runtime over the scripted launcher.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <functional>
#include <set>

#include "base/utf8.h"
#include "wire/reply_json.h"
#include "livy/http.h"
#include "livy/version.h"
#include "support/http_harness.h"
#include "support/test_runtime.h"

using Catch::Matchers::Contains;
using livy_test::HttpHarness;
using livy_test::TestRuntime;

namespace {

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  INFO(body);
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

std::set<std::string> keys_of(const rapidjson::Value& v) {
  REQUIRE(v.IsObject());
  std::set<std::string> keys;
  for (const auto& m : v.GetObject()) keys.insert(m.name.GetString());
  return keys;
}

std::string msg_of_body(const std::string& body) {
  const auto doc = parse(body);
  REQUIRE(doc.IsObject());
  REQUIRE(doc.HasMember("msg"));
  REQUIRE(doc["msg"].IsString());
  return doc["msg"].GetString();
}

std::string msg_of(const httplib::Result& res) { return msg_of_body(res->body); }

// "X.Y.Z..." as pylivy requires of /version.
bool looks_like_x_y_z(const std::string& v) {
  std::size_t i = 0;
  for (int part = 0; part < 3; ++part) {
    const std::size_t start = i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
    if (i == start) return false;
    if (part < 2 && (i >= v.size() || v[i++] != '.')) return false;
  }
  return true;
}

bool is_json(const httplib::Result& res) {
  return res->get_header_value("Content-Type").rfind("application/json", 0) == 0;
}

// Checks the exact field set of a Batch object and returns its id.
std::int64_t check_batch_object(const rapidjson::Value& b) {
  CHECK(keys_of(b) == std::set<std::string>{"id", "name", "owner", "proxyUser", "state", "appId", "appInfo", "log"});
  REQUIRE(b["id"].IsInt64());
  CHECK(b["state"].IsString());
  CHECK((b["appId"].IsNull() || b["appId"].IsString()));
  CHECK((b["proxyUser"].IsNull() || b["proxyUser"].IsString()));
  CHECK(b["log"].IsArray());
  CHECK(keys_of(b["appInfo"]) == std::set<std::string>{"driverLogUrl", "sparkUiUrl", "executorLogUrls"});
  return b["id"].GetInt64();
}

struct Fixture {
  TestRuntime t;
  std::unique_ptr<HttpHarness> http;

  explicit Fixture(std::function<void(livy::Config&)> configure = {}) {
    if (configure) configure(t.config());
    t.open();
    http = std::make_unique<HttpHarness>(t.runtime(), livy::http::RouteOptions{"tester"});
  }
  ~Fixture() { http.reset(); }  // the server goes before the runtime

  httplib::Client& client() { return http->client(); }
  std::string body_for_job() const { return R"({"file": ")" + t.job_file() + R"("})"; }
  httplib::Result post_batch(const std::string& path = "/batches") {
    return client().Post(path.c_str(), body_for_job(), "application/json");
  }
};

}  // namespace

TEST_CASE("POST /batches: 201, Location and a `starting` Batch", "[http]") {
  Fixture f;
  const auto res = f.post_batch();
  REQUIRE(res);
  CHECK(res->status == 201);
  CHECK(res->get_header_value("Location") == "/batches/0");
  CHECK(is_json(res));
  const auto doc = parse(res->body);
  CHECK(check_batch_object(doc) == 0);
  CHECK(std::string(doc["state"].GetString()) == "starting");
  CHECK(doc["appId"].IsNull());
  CHECK(doc["name"].IsNull());
  CHECK(f.t.launcher().launched().size() == 1);
}

TEST_CASE("POST with a trailing or doubled slash works like POST /batches", "[http]") {
  Fixture f;
  for (const char* path : {"/batches/", "//batches", "//batches/"}) {
    INFO(path);
    const auto res = f.post_batch(path);
    REQUIRE(res);
    CHECK(res->status == 201);
  }
  CHECK(f.t.launcher().launched().size() == 3);
  const auto got = f.client().Get("//batches/2/");
  REQUIRE(got);
  CHECK(got->status == 200);
}

TEST_CASE("server.csrf-protection: off by default; on, a change without X-Requested-By is 400", "[http]") {
  SECTION("off: most clients never send the header") {
    Fixture f;
    const auto res = f.post_batch();
    REQUIRE(res);
    CHECK(res->status == 201);
  }
  SECTION("on") {
    Fixture f([](livy::Config& c) { c.csrf_protection = true; });
    const auto refused = f.post_batch();
    REQUIRE(refused);
    CHECK(refused->status == 400);
    CHECK(is_json(refused));
    CHECK(msg_of(refused) == "Missing Required Header for CSRF protection.");
    const auto deleted = f.client().Delete("/batches/0");
    REQUIRE(deleted);
    CHECK(deleted->status == 400);
    CHECK(f.t.launcher().launched().empty());

    // Any value will do; reads need none.
    const httplib::Headers with_header{{"X-Requested-By", "ambari"}};
    const auto created = f.client().Post("/batches", with_header, f.body_for_job(), "application/json");
    REQUIRE(created);
    CHECK(created->status == 201);
    const auto read = f.client().Get("/batches/0");
    REQUIRE(read);
    CHECK(read->status == 200);
    const auto version = f.client().Get("/version");
    REQUIRE(version);
    CHECK(version->status == 200);
  }
}

TEST_CASE("GET /batches/{id}, /state, by name", "[http]") {
  Fixture f;
  const auto created =
      f.client().Post("/batches", R"({"file": ")" + f.t.job_file() + R"(", "name": "etl", "proxyUser": "bob"})",
                      "application/json");
  REQUIRE(created);
  REQUIRE(created->status == 201);

  for (const char* path : {"/batches/0", "/batches/etl"}) {
    INFO(path);
    const auto res = f.client().Get(path);
    REQUIRE(res);
    CHECK(res->status == 200);
    const auto doc = parse(res->body);
    CHECK(check_batch_object(doc) == 0);
    CHECK(std::string(doc["name"].GetString()) == "etl");
    CHECK(std::string(doc["proxyUser"].GetString()) == "bob");
  }
  const auto state = f.client().Get("/batches/etl/state");
  REQUIRE(state);
  CHECK(state->status == 200);
  CHECK(state->body == R"({"id":0,"state":"starting"})");
}

TEST_CASE("an unknown batch is a 404 with Livy's message", "[http]") {
  Fixture f;
  for (const char* path : {"/batches/9", "/batches/9/state", "/batches/9/log"}) {
    INFO(path);
    const auto res = f.client().Get(path);
    REQUIRE(res);
    CHECK(res->status == 404);
    CHECK(is_json(res));
    CHECK(res->body == R"({"msg":"Session '9' not found."})");
  }
  const auto del = f.client().Delete("/batches/9");
  REQUIRE(del);
  CHECK(del->status == 404);
  CHECK(msg_of(del) == "Session '9' not found.");
}

TEST_CASE("bad POST bodies are 400 with a message", "[http]") {
  Fixture f;
  struct Case {
    std::string body;
    std::string in_msg;
  };
  const std::vector<Case> cases = {
      {"{not json", "JSON"},
      {"[1, 2]", "object"},
      {R"({"file": "/x.py", "kind": "pyspark"})", "kind"},
      {R"({"file": 42})", "file"},
      {R"({"className": "Main"})", "file"},
      {R"({"file": "/etc/passwd"})", "file"},
      {R"({"file": "hdfs://nn/app.py", "driverMemory": "lots"})", "driverMemory"},
      {R"({"file": "hdfs://nn/app.py", "conf": {"spark.master": "yarn"}})", "spark.master"},
      {R"({"file": "hdfs://nn/app.py", "name": "123"})", "name"},
      {"", "JSON"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    const auto res = f.client().Post("/batches", c.body, "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(is_json(res));
    CHECK_THAT(msg_of(res), Contains(c.in_msg));
  }
  CHECK(f.t.launcher().launched().empty());
}

TEST_CASE("a duplicate name and max-creation are 400s", "[http]") {
  Fixture f([](livy::Config& c) { c.max_creation = 2; });
  const std::string named = R"({"file": ")" + f.t.job_file() + R"(", "name": "etl"})";
  REQUIRE(f.client().Post("/batches", named, "application/json")->status == 201);
  const auto dup = f.client().Post("/batches", named, "application/json");
  REQUIRE(dup);
  CHECK(dup->status == 400);
  CHECK_THAT(msg_of(dup), Contains("etl"));

  REQUIRE(f.post_batch()->status == 201);
  const auto full = f.post_batch();
  REQUIRE(full);
  CHECK(full->status == 400);
  CHECK(msg_of(full) == "Rejected, too many sessions are being created!");
}

TEST_CASE("a body over server.request-max-bytes is a 413 with a JSON message", "[http]") {
  Fixture f([](livy::Config& c) { c.request_max_bytes = 1024; });
  const std::string big = R"({"file": "hdfs://nn/app.py", "args": [")" + std::string(2000, 'a') + R"("]})";
  // Sent in one write: the server may answer before reading the body, and
  // httplib::Client gives up on a request it could not finish sending.
  const std::string answer = livy_test::raw_exchange(
      f.http->port(), "POST /batches HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      "Connection: close\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big);
  CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 413"));
  CHECK_THAT(answer, Contains("Content-Type: application/json"));
  const auto body_at = answer.find("\r\n\r\n");
  REQUIRE(body_at != std::string::npos);
  CHECK_FALSE(msg_of_body(answer.substr(body_at + 4)).empty());
  CHECK(f.t.launcher().launched().empty());
  // A body under the limit still works.
  CHECK(f.post_batch()->status == 201);
}

TEST_CASE("a chunked body is bounded by server.request-max-bytes too", "[http]") {
  Fixture f([](livy::Config& c) { c.request_max_bytes = 1024; });
  // POST /batches with Transfer-Encoding: chunked (no Content-Length), 100 bytes a chunk.
  auto chunked_post = [](const std::string& body) {
    std::string req =
        "POST /batches HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    for (std::size_t at = 0; at < body.size(); at += 100) {
      const std::string chunk = body.substr(at, 100);
      char size[16];
      std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
      req += size + chunk + "\r\n";
    }
    return req + "0\r\n\r\n";
  };
  const int port = f.http->port();
  const std::string small = livy_test::raw_exchange(port, chunked_post(f.body_for_job()));
  CHECK_THAT(small, Catch::StartsWith("HTTP/1.1 201"));

  const std::string big = livy_test::raw_exchange(
      port, chunked_post(R"({"file": "hdfs://nn/app.py", "args": [")" + std::string(3000, 'a') + R"("]})"));
  CHECK_THAT(big, Catch::StartsWith("HTTP/1.1 413"));
  const auto body_at = big.find("\r\n\r\n");
  REQUIRE(body_at != std::string::npos);
  CHECK_FALSE(msg_of_body(big.substr(body_at + 4)).empty());
  CHECK(f.t.launcher().launched().size() == 1);
}

TEST_CASE("DELETE /batches/{id} answers {\"msg\":\"deleted\"}", "[http]") {
  Fixture f;
  REQUIRE(f.post_batch()->status == 201);
  const auto del = f.client().Delete("/batches/0");
  REQUIRE(del);
  CHECK(del->status == 200);
  CHECK(is_json(del));
  CHECK(del->body == R"({"msg":"deleted"})");
  CHECK(f.client().Get("/batches/0/state")->body == R"({"id":0,"state":"killed"})");
}

TEST_CASE("GET /version", "[http]") {
  Fixture f;
  const auto res = f.client().Get("/version");
  REQUIRE(res);
  CHECK(res->status == 200);
  const auto doc = parse(res->body);
  for (const char* field : {"version", "user", "revision", "branch", "date", "url"}) {
    INFO(field);
    REQUIRE(doc.HasMember(field));
    CHECK(doc[field].IsString());
  }
  const std::string version = doc["version"].GetString();
  CHECK(version == livy::kLivyApiVersion);
  CHECK(looks_like_x_y_z(version));
  CHECK(std::string(doc["user"].GetString()) == "tester");
}

TEST_CASE("GET /batches: {from, total, sessions} and paging", "[http]") {
  Fixture f;
  for (int i = 0; i < 3; ++i) REQUIRE(f.post_batch()->status == 201);

  const auto all = f.client().Get("/batches");
  REQUIRE(all);
  CHECK(all->status == 200);
  auto doc = parse(all->body);
  CHECK(keys_of(doc) == std::set<std::string>{"from", "total", "sessions"});
  CHECK(doc["from"].GetInt64() == 0);
  CHECK(doc["total"].GetInt64() == 3);
  REQUIRE(doc["sessions"].IsArray());
  REQUIRE(doc["sessions"].Size() == 3);
  for (const auto& b : doc["sessions"].GetArray()) check_batch_object(b);

  const auto page = f.client().Get("/batches?from=1&size=1");
  REQUIRE(page);
  doc = parse(page->body);
  CHECK(doc["from"].GetInt64() == 1);
  CHECK(doc["total"].GetInt64() == 3);
  REQUIRE(doc["sessions"].Size() == 1);
  CHECK(doc["sessions"][0]["id"].GetInt64() == 1);

  for (const char* bad : {"/batches?from=abc", "/batches?size=1.5", "/batches?from=-1"}) {
    INFO(bad);
    const auto res = f.client().Get(bad);
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK_FALSE(msg_of(res).empty());
  }
  CHECK_THAT(msg_of(f.client().Get("/batches?from=abc")), Contains("from"));
}

TEST_CASE("GET /batches/{id}/log", "[http]") {
  Fixture f;
  REQUIRE(f.post_batch()->status == 201);
  f.t.launcher().print(livy_test::ScriptedLauncher::kFirstPid, "a\nb\nc\n");
  f.t.launcher().exit(livy_test::ScriptedLauncher::kFirstPid, 0);
  REQUIRE(f.t.batches().wait("0", std::chrono::seconds(5))->state == livy::BatchState::kSuccess);

  const auto res = f.client().Get("/batches/0/log?size=2");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == R"({"id":0,"from":1,"total":3,"log":["b","c"]})");
  CHECK(f.client().Get("/batches/0/log?from=0&size=1")->body == R"({"id":0,"from":0,"total":3,"log":["a"]})");
  CHECK(f.client().Get("/batches/0/log?size=-1")->body == R"({"id":0,"from":0,"total":3,"log":["a","b","c"]})");
  CHECK(f.client().Get("/batches/0/log?size=x")->status == 400);
  CHECK(f.client().Get("/batches/0/log?from=-2")->status == 400);
}

TEST_CASE("an unknown route is a JSON 404", "[http]") {
  Fixture f;
  for (const char* path : {"/nope", "/batches/0/nope", "/sessionz"}) {
    INFO(path);
    const auto res = f.client().Get(path);
    REQUIRE(res);
    CHECK(res->status == 404);
    CHECK(is_json(res));
    CHECK_FALSE(msg_of(res).empty());
  }
}

TEST_CASE("http_status maps every error code", "[http]") {
  using livy::ErrorCode;
  CHECK(livy::http::http_status(ErrorCode::kOk) == 200);
  CHECK(livy::http::http_status(ErrorCode::kInvalidArgument) == 400);
  CHECK(livy::http::http_status(ErrorCode::kResourceExhausted) == 400);
  CHECK(livy::http::http_status(ErrorCode::kNotFound) == 404);
  CHECK(livy::http::http_status(ErrorCode::kForbidden) == 403);
  CHECK(livy::http::http_status(ErrorCode::kConflict) == 409);
  CHECK(livy::http::http_status(ErrorCode::kTooLarge) == 413);
  CHECK(livy::http::http_status(ErrorCode::kUnavailable) == 503);
  CHECK(livy::http::http_status(ErrorCode::kInternal) == 500);
}

TEST_CASE("wire: a Batch's JSON, field for field", "[http]") {
  livy::Batch b;
  b.id = 7;
  b.name = "etl";
  b.state = livy::BatchState::kRunning;
  b.app_id = "local-1700000000000";
  b.app_info.spark_ui_url = "http://127.0.0.1:4040";
  b.log = {"a \"quoted\" line", "caf\xc3\xa9"};
  CHECK(livy::wire::encode_batch(b) ==
        R"({"id":7,"name":"etl","owner":null,"proxyUser":null,"state":"running","appId":"local-1700000000000",)"
        R"("appInfo":{"driverLogUrl":null,"sparkUiUrl":"http://127.0.0.1:4040","executorLogUrls":null},)"
        R"("log":["a \"quoted\" line","caf)" "\xc3\xa9" R"("]})");
  CHECK(livy::wire::encode_message("it's \"x\"") == R"({"msg":"it's \"x\""})");
}

// Issue 9, F2 and F11: text that is not UTF-8 is refused at the edge, on every
// route, and no reply ever carries it.
TEST_CASE("bodies, names and paths that are not UTF-8 are 400; replies stay UTF-8", "[http]") {
  Fixture f;
  const std::string bad_name = R"({"file": "x.py", "name": "b)" "\xff\xfe" R"("})";
  for (const char* path : {"/batches", "/sessions", "/sessions/0/statements", "/sessions/0/completion",
                           "/sessions/0/submit-job", "/sessions/0/add-file", "/sessions/0/connect",
                           "/sessions/0/stop", "/sessions/0/interrupt", "/sessions/0/statements/0/cancel",
                           "/sessions/0/jobs/0/cancel"}) {
    INFO(path);
    const auto res = f.client().Post(path, bad_name, "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK_THAT(msg_of(res), Contains("UTF-8"));
  }
  for (const char* path : {"/batches/0", "/sessions/0"}) {
    INFO(path);
    const auto res = f.client().Delete(path, bad_name, "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
  }
  // "\udc80", a lone surrogate, decodes to bytes that are not UTF-8.
  const auto escaped = f.client().Post("/batches", R"({"file": "x.py", "name": "a\udc80"})", "application/json");
  REQUIRE(escaped);
  CHECK(escaped->status == 400);
  CHECK_THAT(msg_of(escaped), Contains("UTF-8"));
  CHECK(f.t.launcher().launched().empty());

  for (const char* path : {"/batches/%FF", "/batches?from=%FE", "/nope/%C0%AF"}) {
    INFO(path);
    const auto res = f.client().Get(path);
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(livy::is_valid_utf8(res->body));
  }
}

TEST_CASE("a log line that is not UTF-8 is served repaired, as valid JSON", "[http]") {
  Fixture f;
  REQUIRE(f.post_batch()->status == 201);
  f.t.launcher().print(livy_test::ScriptedLauncher::kFirstPid, "caf\xc3\xa9 \xff\xfe end\n");
  f.t.launcher().exit(livy_test::ScriptedLauncher::kFirstPid, 0);
  REQUIRE(f.t.batches().wait("0", std::chrono::seconds(5))->state == livy::BatchState::kSuccess);
  for (const char* path : {"/batches/0/log", "/batches/0", "/batches"}) {
    INFO(path);
    const auto res = f.client().Get(path);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(livy::is_valid_utf8(res->body));
    CHECK_THAT(res->body, Contains("caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end"));
  }
}

TEST_CASE("a POST without Content-Length has no body, as HTTP/1.1 says, and is answered at once", "[http]") {
  Fixture f;
  const auto start = std::chrono::steady_clock::now();
  const std::string answer = livy_test::raw_exchange(f.http->port(),
                                                     "POST /sessions/7/stop HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(answer.rfind("HTTP/1.1 404", 0) == 0);
  CHECK_THAT(answer, Contains("Session '7' not found."));
  const std::string batch = livy_test::raw_exchange(f.http->port(),
                                                    "POST /batches HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(batch.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("Expect with a body over server.request-max-bytes is a 413 at once, without a 100", "[http]") {
  Fixture f;
  const auto start = std::chrono::steady_clock::now();
  const std::string answer = livy_test::raw_exchange(
      f.http->port(), "POST /batches HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Type: application/json\r\n"
                      "Content-Length: 5000000000\r\n\r\n");
  CHECK(answer.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(answer.find("100 Continue") == std::string::npos);
  CHECK_THAT(answer, Contains("request body is larger than"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}
