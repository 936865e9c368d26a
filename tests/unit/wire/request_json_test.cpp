#include "wire/request_json.h"

#include <catch2/catch.hpp>

#include <string>

using Catch::Matchers::Contains;
using livy::wire::decode_batch_request;
using livy::wire::encode_batch_request;

namespace {

livy::Status decode_error(const std::string& json) {
  const auto r = decode_batch_request(json);
  return r.status();
}

}  // namespace

TEST_CASE("decode_batch_request reads every field", "[wire]") {
  const auto r = decode_batch_request(R"({
    "file": "/jobs/app.jar", "className": "com.example.Main", "args": ["--in", "x y", ""],
    "name": "nightly", "proxyUser": "alice",
    "jars": ["/jobs/a.jar", "hdfs://nn/b.jar"], "pyFiles": ["/jobs/dep.py"], "files": ["/jobs/data.csv"],
    "archives": ["/jobs/env.zip#env"], "driverMemory": "2g", "driverCores": 2, "executorMemory": "1g",
    "executorCores": 3, "numExecutors": 4, "queue": "etl",
    "conf": {"spark.a": "x", "spark.b": 5, "spark.c": true, "spark.d": false, "spark.e": 0.5,
             "spark.f": 18446744073709551615}
  })");
  REQUIRE(r.has_value());
  CHECK(r->file == "/jobs/app.jar");
  CHECK(r->class_name == "com.example.Main");
  CHECK(r->args == std::vector<std::string>{"--in", "x y", ""});
  CHECK(r->name == "nightly");
  CHECK(r->proxy_user == "alice");
  const auto& res = r->resources;
  CHECK(res.jars == std::vector<std::string>{"/jobs/a.jar", "hdfs://nn/b.jar"});
  CHECK(res.py_files == std::vector<std::string>{"/jobs/dep.py"});
  CHECK(res.files == std::vector<std::string>{"/jobs/data.csv"});
  CHECK(res.archives == std::vector<std::string>{"/jobs/env.zip#env"});
  CHECK(res.driver_memory == "2g");
  CHECK(res.driver_cores == 2);
  CHECK(res.executor_memory == "1g");
  CHECK(res.executor_cores == 3);
  CHECK(res.num_executors == 4);
  CHECK(res.queue == "etl");
  // Livy's clients send numbers and booleans for Spark properties: Spark reads them as text.
  CHECK(res.conf == std::map<std::string, std::string>{{"spark.a", "x"},
                                                       {"spark.b", "5"},
                                                       {"spark.c", "true"},
                                                       {"spark.d", "false"},
                                                       {"spark.e", "0.5"},
                                                       {"spark.f", "18446744073709551615"}});
}

TEST_CASE("decode_batch_request: only file, everything else absent", "[wire]") {
  const auto r = decode_batch_request(R"({"file": "/jobs/pi.py"})");
  REQUIRE(r.has_value());
  CHECK(r->file == "/jobs/pi.py");
  CHECK_FALSE(r->class_name);
  CHECK(r->args.empty());
  CHECK_FALSE(r->name);
  CHECK_FALSE(r->proxy_user);
  CHECK(r->resources.jars.empty());
  CHECK_FALSE(r->resources.driver_memory);
  CHECK_FALSE(r->resources.num_executors);
  CHECK(r->resources.conf.empty());
}

TEST_CASE("decode_batch_request: null means absent for every field", "[wire]") {
  const auto r = decode_batch_request(R"({
    "file": "/jobs/pi.py", "className": null, "args": null, "name": null, "proxyUser": null,
    "jars": null, "pyFiles": null, "files": null, "archives": null, "driverMemory": null,
    "driverCores": null, "executorMemory": null, "executorCores": null, "numExecutors": null,
    "queue": null, "conf": null})");
  REQUIRE(r.has_value());
  CHECK_FALSE(r->class_name);
  CHECK(r->args.empty());
  CHECK_FALSE(r->name);
  CHECK_FALSE(r->proxy_user);
  CHECK(r->resources.jars.empty());
  CHECK(r->resources.py_files.empty());
  CHECK(r->resources.files.empty());
  CHECK(r->resources.archives.empty());
  CHECK_FALSE(r->resources.driver_memory);
  CHECK_FALSE(r->resources.driver_cores);
  CHECK_FALSE(r->resources.executor_memory);
  CHECK_FALSE(r->resources.executor_cores);
  CHECK_FALSE(r->resources.num_executors);
  CHECK_FALSE(r->resources.queue);
  CHECK(r->resources.conf.empty());

  const auto no_file = decode_batch_request(R"({"file": null})");
  REQUIRE(no_file.has_value());
  CHECK(no_file->file.empty());  // validation, not the codec, says it is required
}

TEST_CASE("decode_batch_request: an unknown field is named", "[wire]") {
  for (const char* field : {"kind", "File", "executor_memory", "heartbeatTimeoutInSecond"}) {
    INFO(field);
    const auto st = decode_error(std::string(R"({"file": "/x.py", ")") + field + R"(": 1})");
    CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains(std::string("'") + field + "'"));
  }
}

// Resource fields were matched with strcmp, so a name with an embedded NUL was read as
// the field before the NUL. The known-fields check of tests/fuzz/fuzz_request_json fails on it.
TEST_CASE("a field name with an embedded NUL is unknown, not the field before the NUL", "[wire]") {
  const auto st = decode_error(R"({"file": "/x.py", "jars\u0000x": ["/evil.jar"]})");
  CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("unknown field"));
  const auto session = livy::wire::decode_session_request(R"({"conf\u0000": {"spark.a": "b"}})");
  REQUIRE_FALSE(session.has_value());
  CHECK_THAT(session.status().message(), Contains("unknown field"));
}

TEST_CASE("decode_batch_request: a wrong type is named, for every field", "[wire]") {
  struct Case {
    const char* field;
    std::vector<const char*> wrong;  // JSON values of the wrong type
  };
  const std::vector<Case> cases = {
      {"file", {"1", "true", "[]", "{}", R"(["/x.py"])"}},
      {"className", {"1", "false", "[]", "{}"}},
      {"name", {"7", "[]", "{}"}},
      {"proxyUser", {"1", "{}"}},
      {"driverMemory", {"1024", "true", "[]"}},
      {"executorMemory", {"2", "{}"}},
      {"queue", {"1", "[]"}},
      {"driverCores", {R"("2")", "1.5", "true", "[]", "{}", "4294967296", "-4294967296"}},
      {"executorCores", {R"("2")", "2.0", "[1]"}},
      {"numExecutors", {R"("3")", "1e3", "{}", "9223372036854775808"}},
      {"args", {R"("a b")", "1", "{}", "[1]", R"(["a", null])", R"([["a"]])"}},
      {"jars", {R"("/a.jar")", "[1]", "{}"}},
      {"pyFiles", {R"("/a.py")", "[true]"}},
      {"files", {"1", "[{}]"}},
      {"archives", {"true", "[[]]"}},
      {"conf", {"[]", R"("spark.a=b")", "1", R"({"spark.a": null})", R"({"spark.a": [1]})",
                R"({"spark.a": {"b": 1}})"}},
  };
  for (const auto& c : cases) {
    for (const char* value : c.wrong) {
      INFO(c.field << " = " << value);
      const std::string body = std::string(c.field) == "file"
                                   ? std::string(R"({"file": )") + value + "}"
                                   : std::string(R"({"file": "/x.py", ")") + c.field + "\": " + value + "}";
      const auto st = decode_error(body);
      CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
      CHECK_THAT(st.message(), Contains(c.field));
    }
  }
}

TEST_CASE("decode_batch_request: malformed and non-object JSON", "[wire]") {
  for (const char* bad : {"", "{", R"({"file": })", R"({"file": "/x.py",})", "{'file': '/x.py'}", "nul",
                          R"({"file": "/x.py"} trailing)", "\xff\xfe"}) {
    INFO(bad);
    const auto st = decode_error(bad);
    CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains("JSON"));
  }
  for (const char* not_object : {"[]", R"(["file"])", "\"/x.py\"", "42", "null", "true"}) {
    INFO(not_object);
    const auto st = decode_error(not_object);
    CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains("object"));
  }
}

TEST_CASE("decode_batch_request: very deep nesting is an error, not a crash", "[wire]") {
  constexpr std::size_t kDepth = 100'000;
  SECTION("arrays") {
    const std::string deep = std::string(kDepth, '[') + std::string(kDepth, ']');
    CHECK(decode_error(deep).code() == livy::ErrorCode::kInvalidArgument);
  }
  SECTION("inside a field") {
    const std::string deep =
        R"({"file": "/x.py", "args": )" + std::string(kDepth, '[') + std::string(kDepth, ']') + "}";
    const auto st = decode_error(deep);
    CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains("args"));
  }
  SECTION("objects, unterminated") {
    std::string deep;
    for (std::size_t i = 0; i < kDepth; ++i) deep += R"({"a":)";
    CHECK(decode_error(deep).code() == livy::ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("decode_batch_request: a repeated field, the last one wins", "[wire]") {
  const auto r = decode_batch_request(
      R"({"file": "/a.py", "file": "/b.py", "jars": ["/x.jar"], "jars": ["/y.jar"], "args": ["1", "2"],)"
      R"( "args": ["3"], "conf": {"spark.a": "1"}, "conf": {"spark.b": "2"}, "numExecutors": 1, "numExecutors": 2})");
  REQUIRE(r.has_value());
  CHECK(r->file == "/b.py");
  CHECK(r->resources.jars == std::vector<std::string>{"/y.jar"});
  CHECK(r->args == std::vector<std::string>{"3"});
  CHECK(r->resources.conf == std::map<std::string, std::string>{{"spark.b", "2"}});
  CHECK(r->resources.num_executors == 2);
}

TEST_CASE("decode_batch_request keeps strings exactly: unicode, escapes, embedded NUL", "[wire]") {
  const auto r = decode_batch_request(R"({"file": "/x.py", "args": ["caf\u00e9", "a\"b", "tab\t", "nul\u0000x"]})");
  REQUIRE(r.has_value());
  REQUIRE(r->args.size() == 4);
  CHECK(r->args[0] == "caf\xc3\xa9");
  CHECK(r->args[1] == "a\"b");
  CHECK(r->args[2] == "tab\t");
  CHECK(r->args[3] == std::string("nul\0x", 5));  // kept, so that validation can refuse it
}

TEST_CASE("encode_batch_request and decode_batch_request round-trip", "[wire]") {
  SECTION("everything set") {
    livy::BatchRequest in;
    in.file = "local:/jobs/app.jar";
    in.class_name = "com.example.Main";
    in.args = {"a", "b c", "\"quoted\"", "caf\xc3\xa9", ""};
    in.name = "nightly";
    in.proxy_user = "alice";
    in.resources.jars = {"/j/a.jar", "/j/b.jar"};
    in.resources.py_files = {"/j/d.py"};
    in.resources.files = {"/j/f.csv"};
    in.resources.archives = {"/j/e.zip#env"};
    in.resources.driver_memory = "2g";
    in.resources.driver_cores = 2;
    in.resources.executor_memory = "3g";
    in.resources.executor_cores = 4;
    in.resources.num_executors = 5;
    in.resources.queue = "q";
    in.resources.conf = {{"spark.a", "1"}, {"spark.b", "x=y"}};

    const auto out = decode_batch_request(encode_batch_request(in));
    REQUIRE(out.has_value());
    CHECK(out->file == in.file);
    CHECK(out->class_name == in.class_name);
    CHECK(out->args == in.args);
    CHECK(out->name == in.name);
    CHECK(out->proxy_user == in.proxy_user);
    CHECK(out->resources.jars == in.resources.jars);
    CHECK(out->resources.py_files == in.resources.py_files);
    CHECK(out->resources.files == in.resources.files);
    CHECK(out->resources.archives == in.resources.archives);
    CHECK(out->resources.driver_memory == in.resources.driver_memory);
    CHECK(out->resources.driver_cores == in.resources.driver_cores);
    CHECK(out->resources.executor_memory == in.resources.executor_memory);
    CHECK(out->resources.executor_cores == in.resources.executor_cores);
    CHECK(out->resources.num_executors == in.resources.num_executors);
    CHECK(out->resources.queue == in.resources.queue);
    CHECK(out->resources.conf == in.resources.conf);
  }
  SECTION("only file") {
    livy::BatchRequest in;
    in.file = "/x.py";
    CHECK(encode_batch_request(in) == R"({"file":"/x.py"})");
    const auto out = decode_batch_request(encode_batch_request(in));
    REQUIRE(out.has_value());
    CHECK(out->file == "/x.py");
    CHECK_FALSE(out->name);
  }
}

TEST_CASE("decode_statement_request and decode_session_request: r is sparkr", "[wire]") {
  for (const char* kind : {"sparkr", "r"}) {
    const std::string body = std::string(R"({"code": "x <- 1", "kind": ")") + kind + "\"}";
    const auto statement = livy::wire::decode_statement_request(body);
    REQUIRE(statement.has_value());
    CHECK(statement->kind == livy::SessionKind::kSparkR);
    const auto session = livy::wire::decode_session_request(std::string(R"({"kind": ")") + kind + "\"}");
    REQUIRE(session.has_value());
    CHECK(session->kind == livy::SessionKind::kSparkR);
  }
}
