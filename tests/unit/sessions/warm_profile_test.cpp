// The warm pool's profiles: their configuration (YAML and text forms) and which requests fit them.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include "livy/config.h"
#include "model/warm_profiles.h"
#include "sessions/warm_profile.h"
#include "support/temp_dir.h"
#include "wire/warm_messages.h"

using livy::SessionKind;
using livy::SessionRequest;
using livy::WarmPoolProfile;

namespace {

WarmPoolProfile small() {
  WarmPoolProfile p;
  p.name = "small";
  p.kinds = {"pyspark", "sql", "shared"};
  p.driver_memory = "1g";
  p.conf = {{"spark.ui.enabled", "false"}};
  return p;
}

SessionRequest pyspark() {
  SessionRequest r;
  r.kind = SessionKind::kPySpark;
  return r;
}

}  // namespace

TEST_CASE("a plain request of a served kind fits; its name and timeouts do not matter", "[warm]") {
  SessionRequest r = pyspark();
  r.name = "nightly";
  r.heartbeat_timeout_s = 60;
  CHECK(livy::why_not_warm(small(), r, "").empty());
  r.kind.reset();  // shared
  CHECK(livy::why_not_warm(small(), r, "").empty());
  r.kind = SessionKind::kSql;
  CHECK(livy::why_not_warm(small(), r, "").empty());
}

TEST_CASE("a kind the profile does not serve does not fit", "[warm]") {
  SessionRequest r = pyspark();
  r.kind = SessionKind::kSpark;
  CHECK_THAT(livy::why_not_warm(small(), r, ""), Catch::Contains("kind spark"));
  r.kind = SessionKind::kSparkR;
  CHECK_FALSE(livy::why_not_warm(small(), r, "").empty());
}

TEST_CASE("a proxy user never fits: warm drivers run as livyd's user", "[warm]") {
  SessionRequest r = pyspark();
  r.proxy_user = "alice";
  CHECK_THAT(livy::why_not_warm(small(), r, ""), Catch::Contains("proxy user"));
}

TEST_CASE("sizes fit when absent or the profile's own", "[warm]") {
  SessionRequest r = pyspark();
  r.resources.driver_memory = "1g";
  CHECK(livy::why_not_warm(small(), r, "").empty());
  r.resources.driver_memory = "2g";
  CHECK_FALSE(livy::why_not_warm(small(), r, "").empty());
  r.resources.driver_memory.reset();
  r.resources.executor_cores = 2;  // the profile sets none: Spark's default is not a promise of 2
  CHECK_FALSE(livy::why_not_warm(small(), r, "").empty());
  WarmPoolProfile p = small();
  p.executor_cores = 2;
  CHECK(livy::why_not_warm(p, r, "").empty());
}

TEST_CASE("files, jars, archives and a queue never fit", "[warm]") {
  for (int i = 0; i < 5; ++i) {
    SessionRequest r = pyspark();
    if (i == 0) r.resources.jars = {"a.jar"};
    if (i == 1) r.resources.py_files = {"a.py"};
    if (i == 2) r.resources.files = {"a.txt"};
    if (i == 3) r.resources.archives = {"a.zip"};
    if (i == 4) r.resources.queue = "default";
    INFO(i);
    CHECK_FALSE(livy::why_not_warm(small(), r, "").empty());
  }
}

TEST_CASE("conf fits when it is runtime SQL conf or the profile's own value", "[warm]") {
  SessionRequest r = pyspark();
  r.resources.conf = {{"spark.sql.shuffle.partitions", "4"}, {"spark.ui.enabled", "false"}};
  CHECK(livy::why_not_warm(small(), r, "").empty());
  r.resources.conf["spark.ui.enabled"] = "true";  // the profile started with false
  CHECK_THAT(livy::why_not_warm(small(), r, ""), Catch::Contains("spark.ui.enabled"));
  r.resources.conf = {{"spark.executor.memory", "2g"}};
  CHECK_FALSE(livy::why_not_warm(small(), r, "").empty());
  r.resources.conf = {{"spark.sql.warehouse.dir", "/tmp/w"}};  // static SQL conf
  CHECK_FALSE(livy::why_not_warm(small(), r, "").empty());
  r.resources.conf = {{"livy.other.opt-in", "true"}};  // livyd's own keys other than the version
  CHECK_FALSE(livy::why_not_warm(small(), r, "").empty());
}

TEST_CASE("is_runtime_conf: spark.sql keys except Spark's static ones", "[warm]") {
  CHECK(livy::is_runtime_conf("spark.sql.shuffle.partitions"));
  CHECK(livy::is_runtime_conf("spark.sql.session.timeZone"));
  CHECK(livy::is_runtime_conf("spark.sql.adaptive.enabled"));
  CHECK_FALSE(livy::is_runtime_conf("spark.sql."));
  CHECK_FALSE(livy::is_runtime_conf("spark.sql.warehouse.dir"));
  CHECK_FALSE(livy::is_runtime_conf("spark.sql.catalogImplementation"));
  CHECK_FALSE(livy::is_runtime_conf("spark.sql.extensions"));
  CHECK_FALSE(livy::is_runtime_conf("spark.sql.hive.metastore.version"));
  CHECK_FALSE(livy::is_runtime_conf("spark.sql.catalog.my_cat"));
  CHECK_FALSE(livy::is_runtime_conf("spark.executor.memory"));
  CHECK_FALSE(livy::is_runtime_conf("spark.app.name"));
}

TEST_CASE("the Spark version must be the profile's, defaults resolved on both sides", "[warm]") {
  WarmPoolProfile p = small();
  SessionRequest r = pyspark();
  CHECK(livy::why_not_warm(p, r, "4.0").empty());
  r.resources.conf = {{"livy.spark.version", "4.0"}};
  CHECK(livy::why_not_warm(p, r, "4.0").empty());  // the default, named
  r.resources.conf = {{"livy.spark.version", "3.5"}};
  CHECK_THAT(livy::why_not_warm(p, r, "4.0"), Catch::Contains("Spark version"));
  p.spark_version = "3.5";
  CHECK(livy::why_not_warm(p, r, "4.0").empty());
  r.resources.conf.clear();
  CHECK_FALSE(livy::why_not_warm(p, r, "4.0").empty());
}

TEST_CASE("profiles read from YAML, and their text form reads back the same", "[warm][config]") {
  livy_test::TempDir dir;
  const std::string path = dir.str() + "/livyd.yaml";
  livy_test::write_file(path, "sessions:\n"
                         "  warm-pool:\n"
                         "    size: 2\n"
                         "    max-idle: 10m\n"
                         "    profiles:\n"
                         "      small:\n"
                         "        kinds: [python, sql]\n"
                         "        driver-memory: 1g\n"
                         "        num-executors: 2\n"
                         "        conf:\n"
                         "          spark.sql.shuffle.partitions: 4\n"
                         "      scala.big:\n"
                         "        kinds: scala\n"
                         "        size: 1\n");
  livy::Config config;
  std::vector<std::string> warnings;
  REQUIRE(livy::load_config_file(path, config, &warnings).is_ok());
  CHECK(warnings.empty());
  CHECK(config.warm_pool_size == 2);
  CHECK(config.warm_pool_max_idle == std::chrono::minutes(10));
  REQUIRE(config.warm_pool_profiles.size() == 2);
  const auto& s = config.warm_pool_profiles[0];
  CHECK(s.name == "small");
  CHECK(s.kinds == std::vector<std::string>{"pyspark", "sql"});
  CHECK(s.driver_memory == "1g");
  CHECK(s.num_executors == 2);
  CHECK(s.conf.at("spark.sql.shuffle.partitions") == "4");
  CHECK(s.size == -1);
  CHECK(config.warm_pool_profiles[1].kinds == std::vector<std::string>{"spark"});
  CHECK(config.warm_pool_profiles[1].size == 1);

  const std::string text = livy::get_config_value(config, "sessions.warm-pool.profiles");
  livy::Config again;
  REQUIRE(livy::set_config_value(again, "sessions.warm-pool.profiles", text).is_ok());
  CHECK(again.warm_pool_profiles == config.warm_pool_profiles);
}

TEST_CASE("bad profiles are refused with a message naming what is wrong", "[warm][config]") {
  auto error = [](const std::string& text) {
    livy::Config c;
    return livy::set_config_value(c, "sessions.warm-pool.profiles", text).message();
  };
  CHECK_THAT(error(R"({"a": {"kinds": ["cobol"]}})"), Catch::Contains("cobol"));
  CHECK_THAT(error(R"({"a": {"driver-memroy": "1g"}})"), Catch::Contains("driver-memroy"));
  CHECK_THAT(error(R"({"a": {"size": "-3"}})"), Catch::Contains("size"));
  CHECK_THAT(error(R"({"a b": {}})"), Catch::Contains("profile names"));
  CHECK_THAT(error(R"([1, 2])"), Catch::Contains("mapping"));
  CHECK_THAT(error(R"({"a": {}, "a": {}})"), Catch::Contains("twice"));
  livy::Config c;
  CHECK(livy::set_config_value(c, "sessions.warm-pool.profiles", "").is_ok());
  CHECK(c.warm_pool_profiles.empty());
}

TEST_CASE("the claim message: one JSON line with the session, its conf and its reconnect grace", "[warm][wire]") {
  const std::string line = livy::claim_message(12, {{"spark.sql.shuffle.partitions", "3"}, {"k\"\n", "v"}}, 300.0);
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  rapidjson::Document doc;
  doc.Parse(line.c_str(), line.size() - 1);
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["type"].GetString()) == "claim");
  CHECK(doc["session"].GetInt64() == 12);
  CHECK(std::string(doc["conf"]["spark.sql.shuffle.partitions"].GetString()) == "3");
  CHECK(std::string(doc["conf"]["k\"\n"].GetString()) == "v");
  CHECK(doc["reconnectTimeout"].GetDouble() == 300.0);
}
