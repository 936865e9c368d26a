#include "wire/driver_messages.h"

#include <catch2/catch.hpp>
#include <string>

#include "base/utf8.h"

using livy::decode_driver_message;
using livy::DriverMessage;

TEST_CASE("decode_driver_message reads a hello, with and without resume", "[driver]") {
  const auto hello = decode_driver_message(R"({"type":"hello","version":1,"session":7,"secret":"s","pid":1})");
  REQUIRE(hello.has_value());
  CHECK(hello->type == DriverMessage::Type::kHello);
  CHECK(hello->version == 1);
  CHECK(hello->session_id == 7);
  CHECK(hello->secret == "s");
  CHECK_FALSE(hello->resume);

  const auto resume = decode_driver_message(
      R"({"type":"hello","version":1,"session":7,"secret":"s","resume":{"running":4,"last":-1}})");
  REQUIRE(resume.has_value());
  CHECK(resume->resume);
  CHECK(resume->resume_running == 4);
  CHECK_FALSE(resume->resume_last.has_value());
  CHECK_FALSE(resume->resume_jobs);  // an older driver: it says nothing about jobs

  const auto jobs = decode_driver_message(
      R"({"type":"hello","version":1,"session":7,"secret":"s","resume":{"running":null,"last":2,"runningJob":null,"lastJob":5}})");
  REQUIRE(jobs.has_value());
  CHECK(jobs->resume_jobs);
  CHECK_FALSE(jobs->resume_running_job.has_value());
  CHECK(jobs->resume_last_job == 5);
  CHECK(jobs->resume_last == 2);
  CHECK(jobs->resume_unanswered.empty());
  CHECK(jobs->resume_replay.empty());

  // A driver of statements in parallel lists them; entries that are no id are left out.
  const auto lists = decode_driver_message(
      R"({"type":"hello","version":1,"session":7,"secret":"s","resume":{"running":3,"last":1,)"
      R"("unanswered":[3,4,-1,"5",null],"replay":[0,1.5,1]}})");
  REQUIRE(lists.has_value());
  CHECK(lists->resume_unanswered == std::vector<std::int64_t>{3, 4});
  CHECK(lists->resume_replay == std::vector<std::int64_t>{0, 1});
  const auto not_lists = decode_driver_message(
      R"({"type":"hello","version":1,"session":7,"secret":"s","resume":{"unanswered":{"a":1},"replay":7}})");
  REQUIRE(not_lists.has_value());
  CHECK(not_lists->resume_unanswered.empty());
  CHECK(not_lists->resume_replay.empty());
}

TEST_CASE("decode_driver_message reads `warming`, which has no fields", "[driver]") {
  const auto warming = decode_driver_message(R"({"type":"warming"})");
  REQUIRE(warming.has_value());
  CHECK(warming->type == DriverMessage::Type::kWarming);
}

// The version was cast to int, so 2^32 + 1 read as 1: a hello of no known version
// passed for version 1.
TEST_CASE("a hello version out of int's range is no version, not its low bits", "[driver]") {
  for (const char* version : {"4294967297", "-4294967295", "9223372036854775807"}) {
    INFO(version);
    const auto m =
        decode_driver_message(std::string(R"({"type":"hello","session":1,"secret":"s","version":)") + version + "}");
    REQUIRE(m.has_value());
    CHECK(m->version != livy::kDriverProtocolVersion);
  }
}

TEST_CASE("statement messages need an id; a result without a readable output is an error result", "[driver]") {
  CHECK_FALSE(decode_driver_message(R"({"type":"started"})").has_value());
  CHECK_FALSE(decode_driver_message(R"({"type":"result"})").has_value());
  // Dropping these left their statement running until the session ended.
  for (const char* bad : {R"({"type":"result","id":3})", R"({"type":"result","id":3,"output":{"execution_count":0}})",
                          R"({"type":"result","id":3,"output":"42"})"}) {
    INFO(bad);
    const auto m = decode_driver_message(bad);
    REQUIRE(m.has_value());
    CHECK(m->type == livy::DriverMessage::Type::kResult);
    CHECK(m->statement_id == 3);
    REQUIRE(m->output.has_value());
    CHECK_FALSE(m->output->ok);
    CHECK(m->output->ename == "DriverProtocolError");
    CHECK(m->output->evalue.rfind("livyd could not read the driver's result: ", 0) == 0);
    CHECK(m->output->evalue.size() > std::string("livyd could not read the driver's result: ").size());
  }
  const auto r = decode_driver_message(
      R"({"type":"result","id":2,"output":{"status":"ok","execution_count":2,"data":{"text/plain":"42"}},"cancelled":false})");
  REQUIRE(r.has_value());
  CHECK(r->statement_id == 2);
  REQUIRE(r->output.has_value());
  CHECK(r->output->text() == "42");
  CHECK_FALSE(decode_driver_message("not json").has_value());
  CHECK_FALSE(decode_driver_message(R"({"id":0})").has_value());
}

TEST_CASE("messages to a driver are one line each, whatever the code holds", "[driver]") {
  const std::string line = livy::execute_message(1, "a\nb\r\n\"c\"\u2028", livy::SessionKind::kPySpark);
  CHECK(line.find('\n') == line.size() - 1);
}

// Issue 9, F2: code with bytes that are not UTF-8 went to the driver raw, and the driver,
// which reads UTF-8 only, dropped the line. The protocol's lines are UTF-8, always.
TEST_CASE("a line to a driver is UTF-8 even when a string is not: what is ill-formed is U+FFFD", "[driver]") {
  const std::string line = livy::execute_message(4, "x = '\xff\xfe' + 'caf\xc3\xa9'", livy::SessionKind::kPySpark);
  CHECK(livy::is_valid_utf8(line));
  CHECK(line == "{\"type\":\"execute\",\"id\":4,\"code\":\"x = '\xEF\xBF\xBD\xEF\xBF\xBD' + 'caf\xc3\xa9'\","
                "\"kind\":\"pyspark\"}\n");
  const std::string uri = livy::add_resource_message(1, livy::ResourceKind::kFile, "/tmp/\xc3\x28");
  CHECK(livy::is_valid_utf8(uri));
}

TEST_CASE("decode_driver_message reads `protocol-error`: what the driver could not read", "[driver]") {
  const auto m = decode_driver_message(
      R"({"type":"protocol-error","error":"the line is not JSON: Expecting value","line":"garbage"})");
  REQUIRE(m.has_value());
  CHECK(m->type == DriverMessage::Type::kProtocolError);
  CHECK(m->error == "the line is not JSON: Expecting value (the line began: garbage)");
  const auto bare = decode_driver_message(R"({"type":"protocol-error"})");
  REQUIRE(bare.has_value());
  CHECK(bare->error == "no reason given");
}

TEST_CASE("ready with connect: the endpoint when complete, nothing when a part is missing or wrong", "[driver]") {
  const auto shared = decode_driver_message(
      R"({"type":"ready","appId":"a","connect":{"host":"127.0.0.1","port":4242,"token":"t0k","shared":true,)"
      R"("sessionId":"3f1c0b7e-0000-4000-8000-000000000001","userId":"livy"}})");
  REQUIRE(shared.has_value());
  REQUIRE(shared->connect.has_value());
  CHECK(shared->connect->host == "127.0.0.1");
  CHECK(shared->connect->port == 4242);
  CHECK(shared->connect->token == "t0k");
  CHECK(shared->connect->session_id == "3f1c0b7e-0000-4000-8000-000000000001");
  CHECK(shared->connect->user_id == "livy");

  // A session id without its user id is of no use: the endpoint is kept, unshared.
  const auto half = decode_driver_message(
      R"({"type":"ready","connect":{"host":"h","port":1,"token":"t","sessionId":"x"}})");
  REQUIRE(half.has_value());
  REQUIRE(half->connect.has_value());
  CHECK(half->connect->session_id.empty());

  for (const char* bad : {R"({"host":"h","port":0,"token":"t"})", R"({"host":"h","port":65536,"token":"t"})",
                          R"({"host":"h","port":"1","token":"t"})", R"({"host":"","port":1,"token":"t"})",
                          R"({"host":"h","port":1})", R"({"host":"h","port":1,"token":""})", R"("h:1")"}) {
    INFO(bad);
    const auto m = decode_driver_message(std::string(R"({"type":"ready","connect":)") + bad + "}");
    REQUIRE(m.has_value());  // still a ready: the session serves statements
    CHECK(m->type == DriverMessage::Type::kReady);
    CHECK_FALSE(m->connect.has_value());
  }
}
