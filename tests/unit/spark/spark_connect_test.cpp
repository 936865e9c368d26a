// Spark Connect on a session's driver: the conf that asks for it (refused before Spark 4.0,
// taken out of what spark-submit sees), the connection string, and connect-info's JSON.
#include "spark/spark_connect.h"

#include <catch2/catch.hpp>

#include "livy/connect_info.h"
#include "wire/connect_json.h"

using Catch::Matchers::Contains;
using livy::ConnectInfo;
using livy::ErrorCode;

namespace {

livy::SparkEnvironment spark_of(const std::string& version) {
  livy::SparkEnvironment spark;
  spark.version = version;
  return spark;
}

}  // namespace

TEST_CASE("livy.connect.enabled: true or false; true needs Spark 4", "[spark_connect]") {
  using Conf = std::map<std::string, std::string>;
  CHECK(livy::check_connect_request({}, spark_of("3.5.7")).is_ok());
  CHECK(livy::check_connect_request(Conf{{"livy.connect.enabled", "false"}}, spark_of("3.5.7")).is_ok());
  CHECK(livy::check_connect_request(Conf{{"livy.connect.enabled", "true"}}, spark_of("4.0.1")).is_ok());
  CHECK(livy::check_connect_request(Conf{{"livy.connect.enabled", "true"}}, spark_of("10.0.0")).is_ok());
  CHECK(livy::check_connect_request(Conf{{"livy.connect.enabled", "true"}}, spark_of("")).is_ok());  // unknown
  const auto old = livy::check_connect_request(Conf{{"livy.connect.enabled", "true"}}, spark_of("3.5.7"));
  CHECK(old.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(old.message(), Contains("Spark 4.0") && Contains("3.5.7") && Contains("livy.spark.version"));
  for (const char* value : {"yes", "TRUE", "1", ""}) {
    INFO(value);
    const auto bad = livy::check_connect_request(Conf{{"livy.connect.enabled", value}}, spark_of("4.0.1"));
    CHECK(bad.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(bad.message(), Contains("livy.connect.enabled must be true or false"));
  }
}

TEST_CASE("livy.connect.enabled reaches the driver as spark.livy.driver.connect, never spark-submit as is",
          "[spark_connect]") {
  const auto on = livy::with_connect_for_driver({{"livy.connect.enabled", "true"}, {"spark.x", "1"}});
  CHECK(on == std::map<std::string, std::string>{{"spark.livy.driver.connect", "true"}, {"spark.x", "1"}});
  const auto off = livy::with_connect_for_driver({{"livy.connect.enabled", "false"}, {"spark.x", "1"}});
  CHECK(off == std::map<std::string, std::string>{{"spark.x", "1"}});
  CHECK(livy::with_connect_for_driver({}).empty());
  // Only livy.connect.enabled asks for it (and is checked against the Spark version).
  CHECK(livy::with_connect_for_driver({{"spark.livy.driver.connect", "true"}}).empty());
}

TEST_CASE("connect_url: pyspark's connection string; loopback is written localhost", "[spark_connect]") {
  ConnectInfo info{"127.0.0.1", 15002, "tok", "3f1c0b7e-0000-4000-8000-000000000001", "livy"};
  CHECK(livy::connect_url(info) ==
        "sc://localhost:15002/;token=tok;session_id=3f1c0b7e-0000-4000-8000-000000000001;user_id=livy");
  info.host = "::1";
  CHECK(livy::connect_url(info).rfind("sc://localhost:15002/", 0) == 0);
  info.host = "10.1.2.3";
  info.session_id.clear();
  CHECK(livy::connect_url(info) == "sc://10.1.2.3:15002/;token=tok");
  info.host = "fe80::1";
  CHECK(livy::connect_url(info) == "sc://[fe80::1]:15002/;token=tok");
}

TEST_CASE("connect-info JSON: round trip, and what a client needs is required", "[spark_connect][wire]") {
  for (const ConnectInfo& info : {ConnectInfo{"127.0.0.1", 4242, "t0k", "3f1c0b7e-0000-4000-8000-000000000001", "livy"},
                                  ConnectInfo{"driver-7.cluster", 1, "x", "", ""}}) {
    const std::string body = livy::wire::encode_connect_info(7, info);
    INFO(body);
    CHECK_THAT(body, Contains("\"url\":\"" + livy::connect_url(info) + "\""));
    CHECK_THAT(body, Contains(info.session_id.empty() ? "\"shared\":false" : "\"shared\":true"));
    const auto back = livy::wire::decode_connect_info(body);
    REQUIRE(back.has_value());
    CHECK(*back == info);
  }
  CHECK_FALSE(livy::wire::decode_connect_info(R"({"host":"h","port":1})").has_value());
  CHECK_FALSE(livy::wire::decode_connect_info(R"({"host":"h","port":0,"token":"t"})").has_value());
  CHECK_FALSE(livy::wire::decode_connect_info("[]").has_value());
}
