// The store's record form of requests: round trips, and what a reader refuses.
#include "store/request_record.h"

#include <catch2/catch.hpp>
#include <chrono>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

livy::SparkResources full_resources() {
  livy::SparkResources r;
  r.jars = {"a.jar", "b.jar"};
  r.py_files = {"p.py"};
  r.files = {"f.txt"};
  r.archives = {"env.tgz#env"};
  r.driver_memory = "1g";
  r.driver_cores = 1;
  r.executor_memory = "2g";
  r.executor_cores = 4;
  r.num_executors = 7;
  r.queue = "q";
  r.conf = {{"spark.a", "1"}, {"spark.b", "\"two\"\n"}};
  return r;
}

void check_same(const livy::SparkResources& a, const livy::SparkResources& b) {
  CHECK(a.jars == b.jars);
  CHECK(a.py_files == b.py_files);
  CHECK(a.files == b.files);
  CHECK(a.archives == b.archives);
  CHECK(a.driver_memory == b.driver_memory);
  CHECK(a.driver_cores == b.driver_cores);
  CHECK(a.executor_memory == b.executor_memory);
  CHECK(a.executor_cores == b.executor_cores);
  CHECK(a.num_executors == b.num_executors);
  CHECK(a.queue == b.queue);
  CHECK(a.conf == b.conf);
}

}  // namespace

TEST_CASE("a batch request survives its record, full and bare", "[store]") {
  livy::BatchRequest full;
  full.file = "hdfs:///x.jar";
  full.class_name = "Main";
  full.args = {"1", "", "ü"};
  full.name = "n";
  full.proxy_user = "u";
  full.resources = full_resources();
  auto back = livy::record::decode_batch_request(livy::record::encode_batch_request(full));
  REQUIRE(back.has_value());
  CHECK(back->file == full.file);
  CHECK(back->class_name == full.class_name);
  CHECK(back->args == full.args);
  CHECK(back->name == full.name);
  CHECK(back->proxy_user == full.proxy_user);
  check_same(back->resources, full.resources);

  livy::BatchRequest bare;
  bare.file = "/y.py";
  auto bare_back = livy::record::decode_batch_request(livy::record::encode_batch_request(bare));
  REQUIRE(bare_back.has_value());
  CHECK(bare_back->file == "/y.py");
  CHECK_FALSE(bare_back->class_name);
  CHECK_FALSE(bare_back->name);
  check_same(bare_back->resources, bare.resources);
}

TEST_CASE("a session request survives its record, every kind and none", "[store]") {
  for (auto kind : {std::optional<livy::SessionKind>(livy::SessionKind::kSpark),
                    {livy::SessionKind::kPySpark},
                    {livy::SessionKind::kSparkR},
                    {livy::SessionKind::kSql},
                    {livy::SessionKind::kShared},
                    std::optional<livy::SessionKind>()}) {
    livy::SessionRequest req;
    req.kind = kind;
    req.name = "s";
    req.proxy_user = "p";
    req.resources = full_resources();
    req.heartbeat_timeout_s = 30;
    req.ttl = 1h;
    req.idle_timeout = 1500ms;
    auto back = livy::record::decode_session_request(livy::record::encode_session_request(req));
    REQUIRE(back.has_value());
    CHECK(back->kind == kind);
    CHECK(back->name == "s");
    CHECK(back->proxy_user == "p");
    check_same(back->resources, req.resources);
    CHECK(back->heartbeat_timeout_s == 30);
    CHECK(back->ttl == req.ttl);
    CHECK(back->idle_timeout == req.idle_timeout);
  }
  auto bare = livy::record::decode_session_request(livy::record::encode_session_request({}));
  REQUIRE(bare.has_value());
  CHECK_FALSE(bare->kind);
  CHECK_FALSE(bare->ttl);
  CHECK_FALSE(bare->idle_timeout);
  CHECK(bare->heartbeat_timeout_s == 0);
}

TEST_CASE("the record uses livyd's names and a version, not Livy's wire names", "[store]") {
  livy::SessionRequest req;
  req.proxy_user = "p";
  req.resources.py_files = {"x.py"};
  req.ttl = 10min;
  const std::string text = livy::record::encode_session_request(req);
  CHECK_THAT(text, Contains(R"("v":1)"));
  CHECK_THAT(text, Contains(R"("proxy_user":"p")"));
  CHECK_THAT(text, Contains(R"("py_files":["x.py"])"));
  CHECK_THAT(text, Contains(R"("ttl_ms":600000)"));
  CHECK_THAT(text, !Contains("proxyUser") && !Contains("heartbeatTimeoutInSecond"));
}

TEST_CASE("a record this livyd cannot read is refused with a reason", "[store]") {
  const auto refused = [](const std::string& text, const std::string& why) {
    INFO(text);
    auto b = livy::record::decode_batch_request(text);
    REQUIRE_FALSE(b.has_value());
    CHECK(b.status().code() == livy::ErrorCode::kUnavailable);
    CHECK_THAT(b.status().message(), Contains(why));
  };
  refused("", "not a JSON object");
  refused("[1]", "not a JSON object");
  refused(R"({"file":"/x.py"})", "no record version");  // schema 4's REST body
  refused(R"({"v":2,"file":"/x.py"})", "version 2");
  refused(R"({"v":0,"file":"/x.py"})", "version 0");
  refused(R"({"v":1})", "no file");
  refused(R"({"v":1,"file":7})", "file");
  refused(R"({"v":1,"file":"/x","args":["a",1]})", "args");
  refused(R"({"v":1,"file":"/x","resources":{"driver_cores":"2"}})", "driver_cores");
  refused(R"({"v":1,"file":"/x","resources":{"conf":{"a":1}}})", "conf.a");
  refused(R"({"v":1,"file":"/x","className":"Main"})", "unknown field className");

  auto s = livy::record::decode_session_request(R"({"v":1,"kind":"python"})");  // an alias is not a record's kind
  REQUIRE_FALSE(s.has_value());
  CHECK_THAT(s.status().message(), Contains("python"));
  CHECK_FALSE(livy::record::decode_session_request(R"({"v":1,"heartbeat_timeout_s":-1})").has_value());
  CHECK_FALSE(livy::record::decode_session_request(R"({"v":1,"ttl_ms":"1h"})").has_value());
}
