// ?detailed=true (livyd's monitoring member, wire/detail_json.h) over HTTP, in-process: a
// runtime on fakes and a manual clock, a FakeDriver as the session's driver. Default replies
// must stay exactly Livy's objects; the opt-in adds one member, "detailed", and nothing else.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "livy/livy.h"
#include "support/eventually.h"
#include "support/fake_driver.h"
#include "support/http_harness.h"
#include "support/test_runtime.h"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using livy_test::eventually;
using livy_test::FakeDriver;
using livy_test::HttpHarness;
using livy_test::TestRuntime;

namespace {

const std::set<std::string> kLivySessionKeys = {
    "id",       "name",        "appId",        "owner",          "proxyUser",     "state",
    "kind",     "appInfo",     "log",          "ttl",            "idleTimeout",   "driverMemory",
    "driverCores", "executorMemory", "executorCores", "conf",   "archives",      "files",
    "heartbeatTimeoutInSecond", "jars", "numExecutors", "pyFiles", "queue"};
const std::set<std::string> kLivyBatchKeys = {"id", "name", "owner", "proxyUser", "state", "appId", "appInfo", "log"};
const std::set<std::string> kLivyStatementKeys = {"id", "code", "state", "output", "progress", "started", "completed"};

std::set<std::string> keys_of(const rapidjson::Value& v) {
  REQUIRE(v.IsObject());
  std::set<std::string> keys;
  for (const auto& m : v.GetObject()) keys.insert(m.name.GetString());
  return keys;
}

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

// The objects of a reply: the reply itself, or the items of its list.
std::vector<const rapidjson::Value*> objects_of(const rapidjson::Value& reply) {
  for (const char* list : {"sessions", "statements"}) {
    if (reply.HasMember(list)) {
      std::vector<const rapidjson::Value*> out;
      for (const auto& item : reply[list].GetArray()) out.push_back(&item);
      return out;
    }
  }
  return {&reply};
}

struct Fixture {
  TestRuntime t;
  std::unique_ptr<HttpHarness> http;
  std::unique_ptr<FakeDriver> driver;

  // A session made idle 1.5 s after its POST, with one statement that waited 200 ms and ran
  // 300 ms, and a batch.
  Fixture() {
    t.open();
    http = std::make_unique<HttpHarness>(t.runtime());
    const auto created = http->client().Post("/sessions", R"({"kind":"pyspark"})", "application/json");
    REQUIRE(created);
    REQUIRE(created->status == 201);
    for (const auto& spec : t.launcher().launched()) {
      if (const auto env = livy_test::driver_env(spec)) driver = std::make_unique<FakeDriver>(*env);
    }
    REQUIRE(driver);
    t.clock().advance(1500ms);
    REQUIRE(driver->attach());
    REQUIRE(eventually([&] { return t.runtime().sessions().get("0")->state == livy::SessionState::kIdle; }));
    const auto posted = http->client().Post("/sessions/0/statements", R"({"code":"1 + 1"})", "application/json");
    REQUIRE(posted);
    REQUIRE(posted->status == 201);
    const auto execute = driver->next(5s);
    REQUIRE(execute);
    t.clock().advance(200ms);
    driver->started(0);
    REQUIRE(eventually([&] { return get("/sessions/0/statements/0").find("\"running\"") != std::string::npos; }));
    t.clock().advance(300ms);
    driver->result_ok(0, 0, "2");
    REQUIRE(eventually([&] { return get("/sessions/0/statements/0").find("\"available\"") != std::string::npos; }));
    const auto batch =
        http->client().Post("/batches", R"({"file":")" + t.job_file() + R"("})", "application/json");
    REQUIRE(batch);
    REQUIRE(batch->status == 201);
  }
  ~Fixture() {
    driver.reset();
    http.reset();
  }

  std::string get(const std::string& path, int status = 200) {
    const auto res = http->client().Get(path);
    REQUIRE(res);
    CHECK(res->status == status);
    return res->body;
  }
};

}  // namespace

TEST_CASE("default replies are Livy's objects, byte for byte; ?detailed=true adds one member", "[http][detailed]") {
  Fixture f;
  const std::vector<std::pair<std::string, std::set<std::string>>> routes = {
      {"/sessions", kLivySessionKeys},           {"/sessions/0", kLivySessionKeys},
      {"/batches", kLivyBatchKeys},              {"/batches/0", kLivyBatchKeys},
      {"/sessions/0/statements", kLivyStatementKeys}, {"/sessions/0/statements/0", kLivyStatementKeys}};
  for (const auto& [path, keys] : routes) {
    CAPTURE(path);
    const std::string plain = f.get(path);
    CHECK(plain.find("detailed") == std::string::npos);
    CHECK(f.get(path + "?detailed=false") == plain);  // byte for byte
    CHECK(f.get(path + "?detailed=FALSE") == plain);
    const auto plain_doc = parse(plain);
    for (const auto* object : objects_of(plain_doc)) CHECK(keys_of(*object) == keys);

    auto detailed_doc = parse(f.get(path + "?detailed=true"));
    std::set<std::string> with = keys;
    with.insert("detailed");
    auto objects = objects_of(detailed_doc);
    REQUIRE(objects.size() == objects_of(plain_doc).size());
    for (const auto* object : objects) {
      CHECK(keys_of(*object) == with);
      CHECK((*object)["detailed"].IsObject());
      const_cast<rapidjson::Value*>(object)->RemoveMember("detailed");
    }
    CHECK(detailed_doc == plain_doc);  // nothing else differs
  }
}

TEST_CASE("?detailed=true: a session's, a statement's and a batch's times and durations", "[http][detailed]") {
  Fixture f;
  const auto session = parse(f.get("/sessions/0?detailed=true"));
  const auto& s = session["detailed"];
  CHECK(keys_of(s) == std::set<std::string>{"createdAt", "startedAt", "idleAt", "endedAt", "queuedMs",
                                            "statementsRun"});
  REQUIRE(s["createdAt"].IsInt64());
  REQUIRE(s["startedAt"].IsInt64());
  REQUIRE(s["idleAt"].IsInt64());
  CHECK(s["createdAt"].GetInt64() > 0);
  CHECK(s["startedAt"].GetInt64() >= s["createdAt"].GetInt64());
  CHECK(s["idleAt"].GetInt64() - s["createdAt"].GetInt64() == 1500);
  CHECK(s["queuedMs"].GetInt64() == 1500);
  CHECK(s["endedAt"].IsNull());
  CHECK(s["statementsRun"].GetInt64() == 1);

  const auto statement = parse(f.get("/sessions/0/statements/0?detailed=true"));
  const auto& st = statement["detailed"];
  CHECK(keys_of(st) == std::set<std::string>{"submittedAt", "queuedMs", "runningMs"});
  CHECK(st["submittedAt"].GetInt64() == s["idleAt"].GetInt64());
  CHECK(st["queuedMs"].GetInt64() == 200);
  CHECK(st["runningMs"].GetInt64() == 300);
  CHECK(statement["started"].GetInt64() - st["submittedAt"].GetInt64() == 200);

  const auto batch = parse(f.get("/batches/0?detailed=true"));
  const auto& b = batch["detailed"];
  CHECK(keys_of(b) == std::set<std::string>{"createdAt", "startedAt", "runningAt", "endedAt", "queuedMs"});
  CHECK(b["createdAt"].GetInt64() > 0);
  CHECK(b["startedAt"].GetInt64() >= b["createdAt"].GetInt64());

  // A session that ends: its end time; its wait and the statements it ran stay.
  f.t.clock().advance(10ms);
  const auto stopped = f.http->client().Post("/sessions/0/stop", "", "application/json");
  REQUIRE(stopped);
  REQUIRE(eventually([&] { return f.get("/sessions/0").find("\"killed\"") != std::string::npos; }));
  const auto ended = parse(f.get("/sessions?detailed=true"));
  const auto& e = ended["sessions"][0]["detailed"];
  CHECK(e["endedAt"].GetInt64() - e["createdAt"].GetInt64() == 2010);
  CHECK(e["queuedMs"].GetInt64() == 1500);
  CHECK(e["statementsRun"].GetInt64() == 1);
}

TEST_CASE("?detailed= takes true or false only", "[http][detailed]") {
  Fixture f;
  for (const std::string path : {"/sessions", "/sessions/0", "/batches", "/batches/0", "/sessions/0/statements",
                                 "/sessions/0/statements/0"}) {
    CAPTURE(path);
    const std::string body = f.get(path + "?detailed=yes", 400);
    CHECK_THAT(body, Contains("query parameter 'detailed' must be true or false"));
  }
}
