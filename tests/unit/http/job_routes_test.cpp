// The job API's routes in-process, driven through livy::Client: a real httplib
// server over a runtime on fakes, with a FakeDriver playing the session's driver.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <set>

#include "base/base64.h"
#include "livy/client.h"
#include "livy/livy.h"
#include "support/eventually.h"
#include "support/fake_driver.h"
#include "support/http_harness.h"
#include "support/test_runtime.h"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using livy::ErrorCode;
using livy::JobState;
using livy::ResourceKind;
using livy_test::eventually;
using livy_test::FakeDriver;
using livy_test::HttpHarness;
using livy_test::TestRuntime;

namespace {

std::set<std::string> keys_of(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  REQUIRE(doc.IsObject());
  std::set<std::string> keys;
  for (const auto& m : doc.GetObject()) keys.insert(m.name.GetString());
  return keys;
}

std::unique_ptr<FakeDriver> driver_of(TestRuntime& t, std::int64_t id) {
  for (const auto& spec : t.launcher().launched()) {
    const auto env = livy_test::driver_env(spec);
    if (env && env->session_id == id) return std::make_unique<FakeDriver>(*env);
  }
  FAIL("session " << id << " was never launched");
  return nullptr;
}

struct Fixture {
  explicit Fixture(std::size_t upload_max = 1 << 20) {
    t.config().upload_max_bytes = upload_max;
    t.config().request_max_bytes = 4096;
    t.open();
    http = std::make_unique<HttpHarness>(t.runtime());
    client = std::make_unique<livy::Client>("http://127.0.0.1:" + std::to_string(http->port()));
    livy::SessionRequest r;
    r.kind = livy::SessionKind::kPySpark;
    auto s = client->create_session(r);
    REQUIRE(s.has_value());
    sid = s->id;
  }
  TestRuntime t;
  std::unique_ptr<HttpHarness> http;
  std::unique_ptr<livy::Client> client;
  std::int64_t sid = 0;
};

}  // namespace

TEST_CASE("jobs over HTTP: SENT from the POST, Livy's four fields, the result in base64 once more", "[http][jobs]") {
  Fixture f;
  livy::JobRequest request;
  request.job = "\x80\x05pickled";
  auto sent = f.client->submit_job(f.sid, request);
  REQUIRE(sent.has_value());
  CHECK(sent->state == JobState::kSent);
  CHECK(sent->id == 0);

  auto polled = f.http->client().Get("/sessions/" + std::to_string(f.sid) + "/jobs/0");
  REQUIRE(polled);
  CHECK(polled->status == 200);
  CHECK(keys_of(polled->body) == std::set<std::string>{"id", "state", "result", "error"});
  CHECK_THAT(polled->body, Contains("\"QUEUED\""));

  auto driver = driver_of(f.t, f.sid);
  REQUIRE(driver->attach());
  const auto job = driver->next(5s);
  REQUIRE(job.has_value());
  CHECK(job->type == "job");
  CHECK(livy::base64_decode(job->job) == "\x80\x05pickled");
  driver->job_started(0);
  driver->job_result(0, std::string("gAVLKi4="), std::nullopt);
  REQUIRE(eventually([&] {
    auto j = f.client->get_job(f.sid, 0);
    return j && j->state == JobState::kSucceeded;
  }));
  // The wire carries base64 of the driver's base64 text; the client decodes the outer layer.
  polled = f.http->client().Get("/sessions/" + std::to_string(f.sid) + "/jobs/0");
  REQUIRE(polled);
  CHECK_THAT(polled->body, Contains("\"result\":\"" + livy::base64_encode("gAVLKi4=") + "\""));
  CHECK(f.client->get_job(f.sid, 0)->result == "gAVLKi4=");

  // run-job answers alike; cancel of a queued one; unknown jobs are 404.
  request.run_now = true;
  auto again = f.client->submit_job(f.sid, request);
  REQUIRE(again.has_value());
  CHECK(again->id == 1);
  CHECK(f.client->cancel_job(f.sid, 1).is_ok());
  CHECK(f.client->get_job(f.sid, 7).status().code() == ErrorCode::kNotFound);
  CHECK(f.client->cancel_job(f.sid, 7).code() == ErrorCode::kNotFound);
  auto by_text = f.http->client().Get("/sessions/" + std::to_string(f.sid) + "/jobs/x1");
  REQUIRE(by_text);
  CHECK(by_text->status == 404);
  CHECK_THAT(by_text->body, Contains("Job 'x1' not found."));

  request.type = livy::JobType::kSpark;
  const auto java = f.client->submit_job(f.sid, request);
  CHECK(java.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(java.status().message(), Contains("not supported"));
}

TEST_CASE("uploads over HTTP: multipart part `jar` or `file`, stored, limited, one per name", "[http][jobs]") {
  Fixture f(64);
  auto& c = *f.client;
  REQUIRE(c.upload_resource(f.sid, ResourceKind::kPyFile, "dir/helpers.py", "X = 1\n").is_ok());
  REQUIRE(c.upload_resource(f.sid, ResourceKind::kJar, "udf.jar", "PK").is_ok());
  const auto uploads = f.t.data_dir() / "sessions" / std::to_string(f.sid) / "uploads";
  CHECK(livy_test::read_file(uploads / "helpers.py") == "X = 1\n");
  CHECK(livy_test::read_file(uploads / "udf.jar") == "PK");
  CHECK(c.upload_resource(f.sid, ResourceKind::kFile, "helpers.py", "again").code() == ErrorCode::kConflict);

  const auto big = c.upload_resource(f.sid, ResourceKind::kFile, "big.bin", std::string(65, 'x'));
  CHECK(big.code() == ErrorCode::kTooLarge);
  CHECK_THAT(big.message(), Contains("sessions.max-upload-bytes"));
  CHECK_FALSE(std::filesystem::exists(uploads / "big.bin"));
  CHECK(c.upload_resource(99, ResourceKind::kFile, "x.txt", "x").code() == ErrorCode::kNotFound);

  // Not multipart, or without the part Livy names: 400.
  const std::string path = "/sessions/" + std::to_string(f.sid) + "/upload-jar";
  auto raw = f.http->client().Post(path.c_str(), "PK", "application/octet-stream");
  REQUIRE(raw);
  CHECK(raw->status == 400);
  CHECK_THAT(raw->body, Contains("multipart"));
  f.http->client().set_keep_alive(false);
  const httplib::MultipartFormDataItems wrong{{"file", "PK", "x.jar", "application/java-archive"}};
  raw = f.http->client().Post(path.c_str(), wrong);
  REQUIRE(raw);
  CHECK(raw->status == 400);
  CHECK_THAT(raw->body, Contains("'jar'"));

  // Both reach the driver, in order, once it is ready.
  auto driver = driver_of(f.t, f.sid);
  REQUIRE(driver->attach());
  const auto first = driver->next(5s);
  REQUIRE(first.has_value());
  CHECK(first->type == "add-resource");
  CHECK(first->kind == "pyfile");
  CHECK(first->uri == (uploads / "helpers.py").string());
  const auto second = driver->next(5s);
  REQUIRE(second.has_value());
  CHECK(second->kind == "jar");
}

TEST_CASE("add-* over HTTP: whitelist, and the driver's answer", "[http][jobs]") {
  Fixture f;
  auto& c = *f.client;
  const auto st = c.add_resource(f.sid, ResourceKind::kJar, "/etc/hosts");
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("cannot be added to user sessions"));
  auto driver = driver_of(f.t, f.sid);
  REQUIRE(driver->attach());
  REQUIRE(eventually([&] { return f.t.runtime().sessions().get(f.sid)->state == livy::SessionState::kIdle; }));
  auto added = std::async(std::launch::async, [&] { return c.add_resource(f.sid, ResourceKind::kFile, "s3a://b/x"); });
  const auto message = driver->next(5s);
  REQUIRE(message.has_value());
  CHECK(message->type == "add-resource");
  CHECK(message->kind == "file");
  CHECK(message->uri == "s3a://b/x");
  driver->resource_added(message->rid);
  CHECK(added.get().is_ok());
}

TEST_CASE("a Content-Length over server.request-max-bytes is refused before the route reads it", "[http][jobs]") {
  Fixture f;
  const std::string answer = livy_test::raw_exchange(
      f.http->port(), "POST /sessions/" + std::to_string(f.sid) +
                          "/jobs/0/cancel HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n");
  CHECK_THAT(answer, Contains("413"));
  CHECK_THAT(answer, Contains("request body is larger than 4096 bytes"));
  CHECK_THAT(answer, Contains("Connection: close"));
}
