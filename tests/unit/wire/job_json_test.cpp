// The job API's request bodies, and base64 as Livy's clients use it.
#include <catch2/catch.hpp>

#include "wire/job_json.h"
#include "base/base64.h"

using Catch::Matchers::Contains;
using livy::JobType;

TEST_CASE("base64: round trips every length and byte, padded as Python and Java write it", "[wire][jobs]") {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    const auto encoded = livy::base64_encode(bytes);
    CHECK(encoded.size() % 4 == 0);
    const auto decoded = livy::base64_decode(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes);
    bytes.push_back(static_cast<char>(i * 37));
  }
  CHECK(livy::base64_encode("") == "");
  CHECK(livy::base64_encode("f") == "Zg==");
  CHECK(livy::base64_encode("fo") == "Zm8=");
  CHECK(livy::base64_encode("foo") == "Zm9v");
  CHECK(livy::base64_encode("\xff\xfe") == "//4=");
  CHECK(livy::base64_decode("Zm8") == "fo");  // padding may be left out
}

TEST_CASE("base64: anything but the standard alphabet is refused", "[wire][jobs]") {
  for (const char* bad : {"Zg=", "Z", "Zm9v!", "Zm 9v", "Zm9v\n", "Z===", "Zg==Zg==", "-_8=", "=Zg="}) {
    INFO(bad);
    CHECK_FALSE(livy::base64_decode(bad).has_value());
  }
}

TEST_CASE("decode_job_request: job in base64 and jobType", "[wire][jobs]") {
  const auto r = livy::wire::decode_job_request(R"({"job": "gAWVAQ==", "jobType": "pyspark"})");
  REQUIRE(r.has_value());
  CHECK(r->job == std::string("\x80\x05\x95\x01", 4));
  CHECK(r->type == JobType::kPySpark);
  CHECK_FALSE(r->run_now);

  // Livy reads a job without jobType as a Java one.
  const auto java = livy::wire::decode_job_request(R"({"job": "rO0ABQ=="})");
  REQUIRE(java.has_value());
  CHECK(java->type == JobType::kSpark);
  const auto spark = livy::wire::decode_job_request(R"({"job": "rO0ABQ==", "jobType": "spark"})");
  REQUIRE(spark.has_value());
  CHECK(spark->type == JobType::kSpark);
}

TEST_CASE("decode_job_request: bad bodies are invalid_argument naming the problem", "[wire][jobs]") {
  const std::pair<const char*, const char*> cases[] = {
      {R"({})", "job is required"},
      {R"({"job": ""})", "job is required"},
      {R"({"job": null, "jobType": "pyspark"})", "job is required"},
      {R"({"job": 12})", "job must be a string"},
      {R"({"job": "%%%", "jobType": "pyspark"})", "base64"},
      {R"({"job": "AAAA", "jobType": "java"})", "jobType must be"},
      {R"({"job": "AAAA", "jobType": 1})", "jobType must be a string"},
      {R"({"job": "AAAA", "kind": "pyspark"})", "unknown field 'kind'"},
      {R"([1])", "JSON object"},
      {R"({"job": )", "malformed JSON"},
  };
  for (const auto& [body, words] : cases) {
    INFO(body);
    const auto r = livy::wire::decode_job_request(body);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.status().code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Contains(words));
  }
}

TEST_CASE("decode_resource_request: {\"uri\"} only", "[wire][jobs]") {
  const auto r = livy::wire::decode_resource_request(R"({"uri": "hdfs:///libs/a.py"})");
  REQUIRE(r.has_value());
  CHECK(*r == "hdfs:///libs/a.py");
  for (const char* bad : {R"({})", R"({"uri": ""})", R"({"uri": 3})", R"({"uri": "x", "file": "y"})", "[]"}) {
    INFO(bad);
    CHECK_FALSE(livy::wire::decode_resource_request(bad).has_value());
  }
}
