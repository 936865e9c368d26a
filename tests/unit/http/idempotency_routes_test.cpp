// Idempotency-Key on POST /batches and POST /sessions, in-process: a real httplib server and a
// runtime over the scripted launcher.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include "livy/http.h"
#include "support/http_harness.h"
#include "support/test_runtime.h"

using Catch::Matchers::Contains;
using livy_test::HttpHarness;
using livy_test::TestRuntime;

namespace {

using namespace std::chrono_literals;

struct Fixture {
  TestRuntime t;
  std::unique_ptr<HttpHarness> http;

  Fixture() {
    t.config().idempotency_max_key_bytes = 40;
    start();
  }
  ~Fixture() { http.reset(); }  // the server goes before the runtime

  void start() {
    t.open();
    http = std::make_unique<HttpHarness>(t.runtime(), livy::http::RouteOptions{"tester"});
  }
  // As livyd killed and started again: the children belong to the old process.
  void restart() {
    http.reset();
    t.close_and_forget_children();
    start();
  }

  httplib::Result post(const std::string& path, const std::string& body, const std::string& key) {
    httplib::Headers headers;
    headers.emplace("Idempotency-Key", key);
    return http->client().Post(path.c_str(), headers, body, "application/json");
  }
  std::string job() const { return R"({"file": ")" + t.job_file() + R"(", "args": ["a"]})"; }
  // The same request, written differently.
  std::string job_reformatted() const {
    return "{ \"args\" : [ \"\\u0061\" ] ,\n \"file\" : \"" + t.job_file() + "\" }";
  }
};

std::int64_t id_of(const httplib::Result& res) {
  rapidjson::Document doc;
  doc.Parse(res->body.c_str());
  REQUIRE(doc.IsObject());
  REQUIRE(doc["id"].IsInt64());
  return doc["id"].GetInt64();
}

std::string msg_of(const httplib::Result& res) {
  rapidjson::Document doc;
  doc.Parse(res->body.c_str());
  REQUIRE(doc.IsObject());
  REQUIRE(doc["msg"].IsString());
  return doc["msg"].GetString();
}

}  // namespace

TEST_CASE("POST /batches with an Idempotency-Key: 201, then 200 with the same batch, 409 for another body",
          "[http][idempotency]") {
  Fixture f;
  const auto first = f.post("/batches", f.job(), "airflow-run-1");
  REQUIRE(first);
  CHECK(first->status == 201);
  CHECK(first->get_header_value("Location") == "/batches/0");

  const auto retry = f.post("/batches", f.job_reformatted(), "airflow-run-1");
  REQUIRE(retry);
  CHECK(retry->status == 200);
  CHECK(retry->get_header_value("Location") == "/batches/0");
  CHECK(id_of(retry) == 0);
  CHECK(f.t.launcher().launched().size() == 1);  // one spark-submit

  const auto other = f.post("/batches", R"({"file": ")" + f.t.job_file() + R"(", "args": ["b"]})", "airflow-run-1");
  REQUIRE(other);
  CHECK(other->status == 409);
  CHECK_THAT(msg_of(other), Contains("different request"));

  const auto session_under_it = f.post("/sessions", R"({"kind": "pyspark"})", "airflow-run-1");
  REQUIRE(session_under_it);
  CHECK(session_under_it->status == 409);
  CHECK_THAT(msg_of(session_under_it), Contains("to create a batch, not a session"));

  // Without a key, nothing changes: each POST is a new batch.
  CHECK(f.http->client().Post("/batches", f.job(), "application/json")->status == 201);
  CHECK(f.http->client().Post("/batches", f.job(), "application/json")->status == 201);
  CHECK(f.t.launcher().launched().size() == 3);
}

TEST_CASE("POST /sessions with an Idempotency-Key: 201, then 200 with the same session", "[http][idempotency]") {
  Fixture f;
  const auto first = f.post("/sessions", R"({"kind": "pyspark", "conf": {"spark.a": "1"}})", "nb-1");
  REQUIRE(first);
  CHECK(first->status == 201);
  const auto retry = f.post("/sessions", R"({"conf": {"spark.a": "1"}, "kind": "python"})", "nb-1");
  REQUIRE(retry);
  CHECK(retry->status == 200);
  CHECK(id_of(retry) == id_of(first));
  CHECK(f.t.launcher().launched().size() == 1);
  const auto other = f.post("/sessions", R"({"kind": "spark"})", "nb-1");
  REQUIRE(other);
  CHECK(other->status == 409);
}

TEST_CASE("a bad Idempotency-Key is a 400 with a JSON message, and creates nothing", "[http][idempotency]") {
  Fixture f;
  // httplib's client leaves out a header with an empty value: sent raw.
  const std::string body = f.job();
  const std::string empty = livy_test::raw_exchange(
      f.http->port(), "POST /batches HTTP/1.1\r\nHost: x\r\nConnection: close\r\nIdempotency-Key:  \r\n"
                      "Content-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(empty.rfind("HTTP/1.1 400", 0) == 0);
  CHECK_THAT(empty, Contains("Idempotency-Key must not be empty"));

  const auto too_long = f.post("/batches", f.job(), std::string(41, 'k'));
  REQUIRE(too_long);
  CHECK(too_long->status == 400);
  CHECK_THAT(msg_of(too_long), Contains("longer than 40 bytes (requests.idempotency-max-key-bytes)"));

  httplib::Headers twice{{"Idempotency-Key", "a"}, {"Idempotency-Key", "b"}};
  const auto two = f.http->client().Post("/batches", twice, f.job(), "application/json");
  REQUIRE(two);
  CHECK(two->status == 400);
  CHECK_THAT(msg_of(two), Contains("must be sent once"));

  const auto non_ascii = f.post("/sessions", "{}", "cl\xc3\xa9");
  REQUIRE(non_ascii);
  CHECK(non_ascii->status == 400);
  CHECK_THAT(msg_of(non_ascii), Contains("printable ASCII"));
  CHECK(f.t.launcher().launched().empty());
}

TEST_CASE("Idempotency-Keys outlive a restart of livyd, and expire after requests.idempotency-retention",
          "[http][idempotency]") {
  Fixture f;
  const auto first = f.post("/batches", f.job(), "nightly-2026-12-07");
  REQUIRE(first);
  REQUIRE(first->status == 201);
  f.restart();
  const auto retry = f.post("/batches", f.job(), "nightly-2026-12-07");
  REQUIRE(retry);
  CHECK(retry->status == 200);
  CHECK(id_of(retry) == id_of(first));
  CHECK(f.post("/batches", R"({"file": ")" + f.t.job_file() + R"("})", "nightly-2026-12-07")->status == 409);

  f.t.clock().advance(24h);  // the default retention
  const auto later = f.post("/batches", f.job(), "nightly-2026-12-07");
  REQUIRE(later);
  CHECK(later->status == 201);
  CHECK(id_of(later) != id_of(first));
}
