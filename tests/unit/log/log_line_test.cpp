// The JSON and text forms of a log line, and the Logger's queue.
#include "log/log_line.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "livy/log.h"

using livy::encode_json_line;
using livy::encode_text_line;
using livy::LogField;

namespace {

constexpr std::int64_t kTime = 1'796'643'000'123;  // 2026-12-07T11:30:00.123Z

rapidjson::Document parse_line(const std::string& line) {
  REQUIRE(!line.empty());
  REQUIRE(line.back() == '\n');
  REQUIRE(line.find('\n') == line.size() - 1);  // one line, whatever the fields held
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size() - 1);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

}  // namespace

TEST_CASE("log line: the time is UTC with milliseconds", "[log]") {
  CHECK(livy::format_log_time(kTime) == "2026-12-07T11:30:00.123Z");
  CHECK(livy::format_log_time(0) == "1970-01-01T00:00:00.000Z");
  CHECK(livy::format_log_time(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("log line: JSON keeps every field's type and order", "[log]") {
  const std::string line = encode_json_line(kTime, "info", "request",
                                            {{"request_id", std::string("abc")},
                                             {"status", std::int64_t{201}},
                                             {"latency_ms", 1.5},
                                             {"user", nullptr},
                                             {"tls", true}});
  CHECK(line ==
        R"({"ts":"2026-12-07T11:30:00.123Z","level":"info","event":"request","request_id":"abc","status":201,)"
        R"("latency_ms":1.5,"user":null,"tls":true})"
        "\n");
  const auto doc = parse_line(line);
  CHECK(doc["status"].GetInt64() == 201);
  CHECK(doc["user"].IsNull());
}

TEST_CASE("log line: JSON escapes quotes, backslashes and every control character", "[log]") {
  std::string nasty = "a\"b\\c\nd\re\tf\bg\fh";
  for (char c = 1; c < 0x20; ++c) nasty += c;
  nasty += '\x7f';
  nasty += std::string("nul\0byte", 8);
  const std::string line = encode_json_line(kTime, "info", "x", {{"path", nasty}});
  for (const char c : line.substr(0, line.size() - 1)) {
    CHECK(static_cast<unsigned char>(c) >= 0x20);
    CHECK(c != '\x7f');
  }
  CHECK(line.find(R"(a\"b\\c\nd\re\tf\bg\fh)") != std::string::npos);
  CHECK(line.find(R"(\u0001)") != std::string::npos);
  CHECK(line.find(R"(\u007f)") != std::string::npos);
  const auto doc = parse_line(line);
  CHECK(std::string(doc["path"].GetString(), doc["path"].GetStringLength()) == nasty);  // round trip
}

TEST_CASE("log line: JSON replaces bytes that are not UTF-8 and keeps the rest", "[log]") {
  const auto doc = parse_line(encode_json_line(kTime, "info", "x", {{"path", std::string("/caf\xC3\xA9/\xff")}}));
  CHECK(std::string(doc["path"].GetString()) == "/caf\xC3\xA9/\xEF\xBF\xBD");
}

TEST_CASE("log line: a field cannot forge another field or a second line", "[log]") {
  const std::string forged = R"(x","level":"error","user":"root)";
  const auto doc = parse_line(
      encode_json_line(kTime, "info", "request", {{"path", forged + "\n{\"event\":\"fake\"}"}, {"user", nullptr}}));
  CHECK(std::string(doc["level"].GetString()) == "info");
  CHECK(doc["user"].IsNull());
  const std::string text = encode_text_line(kTime, "info", "request", {{"path", forged + "\nfake line"}});
  CHECK(text.find('\n') == text.size() - 1);
}

TEST_CASE("log line: text is readable; values with spaces, quotes or '=' are quoted", "[log]") {
  CHECK(encode_text_line(kTime, "info", "request",
                         {{"request_id", std::string("r1")},
                          {"route", std::string("/sessions/{id}")},
                          {"status", std::int64_t{200}},
                          {"user", nullptr},
                          {"msg", std::string("a b=c \"d\"\t")},
                          {"empty", std::string()}}) ==
        "2026-12-07T11:30:00.123Z info request request_id=r1 route=/sessions/{id} status=200 user=- "
        "msg=\"a b=c \\\"d\\\"\\t\" empty=\"\"\n");
  CHECK(encode_text_line(kTime, "info", "x", {{"v", std::string("\x01\x7f")}}) ==
        "2026-12-07T11:30:00.123Z info x v=\"\\x01\\x7f\"\n");
}

TEST_CASE("log line: a message is its text alone, one line", "[log]") {
  CHECK(encode_text_line(kTime, "warn", "message", {{"msg", std::string("livyd: listening\nnext")}}) ==
        "2026-12-07T11:30:00.123Z warn livyd: listening\\nnext\n");
}

TEST_CASE("log line: each control character's escape, in JSON, in a text value and in a message", "[log]") {
  const auto hex = [](int c, const char* prefix) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%s%02x", prefix, c);
    return std::string(buf);
  };
  for (int c = 0; c < 0x80; ++c) {
    if (c >= 0x20 && c != 0x7f) continue;
    INFO(c);
    const std::string one(1, static_cast<char>(c));
    std::string json = hex(c, "\\u00");
    std::string text = hex(c, "\\x");
    std::string message = text;
    if (c == '\n') json = text = message = "\\n";
    if (c == '\r') json = text = "\\r";
    if (c == '\t') json = text = "\\t";
    if (c == '\b') json = "\\b";
    if (c == '\f') json = "\\f";
    CHECK(encode_json_line(kTime, "info", "x", {{"v", one}}) ==
          R"({"ts":"2026-12-07T11:30:00.123Z","level":"info","event":"x","v":")" + json + "\"}\n");
    CHECK(encode_text_line(kTime, "info", "x", {{"v", one}}) == "2026-12-07T11:30:00.123Z info x v=\"" + text + "\"\n");
    CHECK(encode_text_line(kTime, "info", "message", {{"msg", "a" + one + "\"b\\"}}) ==
          "2026-12-07T11:30:00.123Z info a" + message + "\"b\\\n");
  }
}

TEST_CASE("Logger: lines reach the sink in order, flush waits for them", "[log]") {
  std::mutex mu;
  std::vector<std::string> lines;
  auto logger = livy::Logger::open({.format = livy::LogFormat::kJson, .max_queued_lines = 1000,
                                    .sink = [&](std::string_view line) {
                                      std::lock_guard lock(mu);
                                      lines.emplace_back(line);
                                    }});
  for (int i = 0; i < 100; ++i) logger->log("info", "n", {{"i", std::int64_t{i}}});
  logger->flush();
  std::lock_guard lock(mu);
  REQUIRE(lines.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(parse_line(lines[static_cast<std::size_t>(i)])["i"].GetInt64() == i);
}

TEST_CASE("Logger: lines are written soon without a flush (the writer gathers a burst, then writes)", "[log]") {
  std::mutex mu;
  std::vector<std::string> lines;
  auto logger = livy::Logger::open({.format = livy::LogFormat::kText, .max_queued_lines = 1000,
                                    .sink = [&](std::string_view line) {
                                      std::lock_guard lock(mu);
                                      lines.emplace_back(line);
                                    }});
  for (int i = 0; i < 3; ++i) logger->message("info", "line " + std::to_string(i));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::size_t seen = 0;
  while (seen < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard lock(mu);
    seen = lines.size();
  }
  REQUIRE(seen == 3);  // no flush: the writer's gathering ends by itself
  std::lock_guard lock(mu);
  CHECK(lines[2].find("line 2") != std::string::npos);
}

TEST_CASE("Logger: a stalled sink drops lines beyond the queue's bound and says so", "[log]") {
  std::mutex gate;
  std::unique_lock hold(gate);  // the sink blocks until released: stderr nobody reads
  std::vector<std::string> lines;
  auto logger = livy::Logger::open({.format = livy::LogFormat::kText, .max_queued_lines = 5,
                                    .sink = [&](std::string_view line) {
                                      std::lock_guard wait(gate);
                                      lines.emplace_back(line);
                                    }});
  logger->message("info", "first");  // the writer takes it and blocks in the sink
  for (int i = 0; i < 50 && lines.empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (int i = 0; i < 20; ++i) logger->message("info", "line " + std::to_string(i));  // never blocks
  hold.unlock();
  logger->flush();
  logger->message("info", "after");
  logger->flush();
  bool said_dropped = false;
  for (const auto& l : lines) said_dropped = said_dropped || l.find("dropped") != std::string::npos;
  CHECK(said_dropped);
  CHECK(lines.size() < 22);                                  // some were dropped
  CHECK(lines.back().find("after") != std::string::npos);  // and logging goes on
}
