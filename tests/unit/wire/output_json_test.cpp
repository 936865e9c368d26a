#include "wire/output_json.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "wire/request_json.h"

using Catch::Matchers::Contains;
using livy::wire::decode_output;
using livy::wire::encode_output;

TEST_CASE("decode_output and encode_output round-trip ok and error outputs", "[wire]") {
  const auto ok = decode_output(R"({"status": "ok", "execution_count": 3,
                                   "data": {"text/plain": "2", "application/json": {"a": [1, null, true]}}})");
  REQUIRE(ok.has_value());
  CHECK(ok->ok);
  CHECK(ok->execution_count == 3);
  CHECK(ok->text() == "2");
  CHECK(ok->data.at("application/json") == R"({"a":[1,null,true]})");
  const auto again = decode_output(encode_output(*ok));
  REQUIRE(again.has_value());
  CHECK(again->data == ok->data);

  const auto error = decode_output(R"({"status": "error", "execution_count": 1, "ename": "NameError",
                                      "evalue": "x", "traceback": ["line 1", "line 2"]})");
  REQUIRE(error.has_value());
  CHECK_FALSE(error->ok);
  CHECK(error->ename == "NameError");
  CHECK(error->traceback == std::vector<std::string>{"line 1", "line 2"});
  CHECK_FALSE(decode_output(R"({"execution_count": 1})").has_value());
  CHECK_FALSE(decode_output(R"({"status": "maybe", "execution_count": 1})").has_value());
  CHECK_FALSE(decode_output(R"({"status": "OK"})").has_value());
}

// livyd's reader of a driver's output skipped members of the wrong type while livy::Client's
// reader of the same object in a reply failed on them: one decoder now, strict for both.
TEST_CASE("decode_output names a member of the wrong type; null is not given", "[wire]") {
  const struct {
    const char* json;
    const char* message;
  } bad[] = {
      {R"({"status": "error", "traceback": ["line 1", 2]})", "output.traceback must be a list of strings"},
      {R"({"status": "error", "ename": 3})", "output.ename must be a string"},
      {R"({"status": "ok", "execution_count": "3"})", "output.execution_count must be an integer"},
      {R"({"status": "ok", "data": []})", "output.data must be an object"},
      {R"({"status": true})", "output.status must be"},
      {R"([])", "output must be an object"},
  };
  for (const auto& b : bad) {
    INFO(b.json);
    const auto o = decode_output(b.json);
    REQUIRE_FALSE(o.has_value());
    CHECK_THAT(o.status().message(), Contains(b.message));
  }
  // Livy's REPL writes e.getMessage(), which may be null, as evalue.
  const auto nulls = decode_output(R"({"status": "error", "execution_count": null, "ename": "E", "evalue": null,
                                       "traceback": null})");
  REQUIRE(nulls.has_value());
  CHECK(nulls->ename == "E");
  CHECK(nulls->evalue.empty());
  CHECK(nulls->traceback.empty());
}

// Numbers were parsed with RapidJSON's fast, inexact path, so a number from a driver could
// come out as another number. The round-trip check of tests/fuzz/fuzz_driver_message fails on it.
// (RapidJSON's writer may pick other digits for the same double: values are compared, not text.)
TEST_CASE("numbers in outputs and request conf are kept exactly", "[wire]") {
  for (const double value : {0.30000000000000004, 0.1, 1.2345678901234567e-300, 2.2250738585072011e-308, 5e-324}) {
    char json[64];
    std::snprintf(json, sizeof json, "%.17g", value);
    INFO(json);
    const auto o = decode_output(std::string(R"({"status": "ok", "data": {"application/json": )") + json + "}}");
    REQUIRE(o.has_value());
    CHECK(std::strtod(o->data.at("application/json").c_str(), nullptr) == value);

    const auto r = livy::wire::decode_batch_request(std::string(R"({"file": "a.py", "conf": {"spark.x": )") + json +
                                                     "}}");
    REQUIRE(r.has_value());
    CHECK(std::strtod(r->resources.conf.at("spark.x").c_str(), nullptr) == value);
  }

  // RapidJSON's own exact mode has undefined behaviour on all-zero digits: livyd converts numbers itself.
  const auto zeros = decode_output(R"({"status": "ok", "data": {"application/json": [0e300, -0e-30, 0.000e-400]}})");
  REQUIRE(zeros.has_value());
  CHECK(zeros->data.at("application/json") == "[0.0,-0.0,0.0]");
  const auto ints = decode_output(R"({"status": "ok", "execution_count": -0,
                                      "data": {"a": [-9223372036854775808, 18446744073709551615]}})");
  REQUIRE(ints.has_value());
  CHECK(ints->data.at("a") == "[-9223372036854775808,18446744073709551615]");
  CHECK_FALSE(decode_output(R"({"status": "ok", "data": {"a": 1e400}})").has_value());
}

// Writing a parsed value back recurses per level: a deep value from a driver
// overflowed the stack of the thread reading it (ASan reports it in the fuzz target).
TEST_CASE("an output nested too deeply is an error, not a stack overflow", "[wire]") {
  const std::size_t depth = 200'000;
  const std::string deep =
      R"({"status": "ok", "data": {"text/plain": )" + std::string(depth, '[') + std::string(depth, ']') + "}}";
  const auto o = decode_output(deep);
  REQUIRE_FALSE(o.has_value());
  CHECK(o.status().code() == livy::ErrorCode::kInvalidArgument);
  CHECK_THAT(o.status().message(), Contains("output.data.text/plain nests deeper than"));

  const std::string fine =
      R"({"status": "ok", "data": {"application/json": )" + std::string(100, '[') + std::string(100, ']') + "}}";
  CHECK(decode_output(fine).has_value());
}

TEST_CASE("StatementOutput::text reads a deep non-string text/plain without recursion", "[wire]") {
  livy::StatementOutput o;
  o.data["text/plain"] = std::string(200'000, '[') + std::string(200'000, ']');
  CHECK(o.text() == o.data["text/plain"]);
}

TEST_CASE("limit_output cuts text/plain on a character boundary and says so", "[wire]") {
  livy::StatementOutput o;
  o.data["text/plain"] = livy::wire::json_string_literal("\xc3\xa9\xc3\xa9\xc3\xa9");  // "ééé", 6 bytes
  o.data["text/html"] = "\"<b>x</b>\"";
  livy::wire::limit_output(o, 3);
  REQUIRE(o.data.size() == 1);
  CHECK(o.text().rfind("\xc3\xa9\n[livyd: output truncated:", 0) == 0);
}
