// libFuzzer target: what a session driver sends (lib/wire/driver_messages.h) and
// the statement output codec (lib/wire/output_json.h). Every input is read as a
// driver's line and as a statement output; its bytes are also put into the
// messages livyd sends to a driver.
// Checked, beyond "no crash, no sanitizer report, no RapidJSON assert":
//  - a rejected line or output is invalid_argument with a message;
//  - statement messages carry a statement id, a result carries its output, a
//    hello's version is the number it sent;
//  - an output encoded again decodes to the same output (what livyd keeps and serves);
//  - limit_output keeps an over-limit output to a prefix of its text plus a note,
//    cut on a UTF-8 character boundary;
//  - every message to a driver is one UTF-8 JSON line whose fields read back as given
//    (text that is not UTF-8 as repair_utf8 makes it).
#include <rapidjson/document.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>

#include "wire/output_json.h"
#include "base/utf8.h"
#include "wire/driver_messages.h"
#include "fuzz_check.h"

namespace {

using namespace livy;
using livy_fuzz::check_rejection;

bool same(const StatementOutput& a, const StatementOutput& b) {
  return std::tie(a.ok, a.execution_count, a.data, a.ename, a.evalue, a.traceback) ==
         std::tie(b.ok, b.execution_count, b.data, b.ename, b.evalue, b.traceback);
}

std::size_t data_bytes(const StatementOutput& o) {
  std::size_t total = 0;
  for (const auto& [mime, json] : o.data) total += json.size();
  return total;
}

void check_limit(const StatementOutput& output, std::size_t limit) {
  StatementOutput limited = output;
  wire::limit_output(limited, limit);
  if (data_bytes(output) <= limit) {
    FUZZ_CHECK(same(limited, output));
    return;
  }
  FUZZ_CHECK(limited.data.size() == 1 && limited.data.count("text/plain") == 1);
  const std::string before = output.text();
  const std::string after = limited.text();
  const auto note = after.rfind("\n[livyd: output truncated:");
  FUZZ_CHECK(note != std::string::npos);
  FUZZ_CHECK(note <= limit && note <= before.size());
  FUZZ_CHECK(before.compare(0, note, after, 0, note) == 0);
  FUZZ_CHECK(note == before.size() || (static_cast<unsigned char>(before[note]) & 0xC0) != 0x80 || note == 0);
}

void check_output(const StatementOutput& output, std::size_t limit) {
  const auto again = wire::decode_output(wire::encode_output(output));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(same(*again, output));
  if (!output.ok) FUZZ_CHECK(output.data.empty());
  (void)output.text();
  check_limit(output, limit);
}

// A hello reads as version N only when its "version" is exactly N.
void check_version(const std::string& line, int version) {
  if (version == 0) return;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(line.c_str(), line.size());
  const auto it = doc.FindMember("version");
  FUZZ_CHECK(it != doc.MemberEnd() && it->value.IsInt64() && it->value.GetInt64() == version);
}

void check_driver_line(const std::string& line, std::size_t limit) {
  const auto m = decode_driver_message(line);
  if (!m) return check_rejection(m.status());
  using T = DriverMessage::Type;
  if (m->type == T::kHello) check_version(line, m->version);
  if (m->type == T::kStarted || m->type == T::kProgress || m->type == T::kResult) FUZZ_CHECK(m->statement_id >= 0);
  FUZZ_CHECK(m->output.has_value() == (m->type == T::kResult));
  if (m->output) check_output(*m->output, limit);
  if (m->resume_running) FUZZ_CHECK(*m->resume_running >= 0);
  if (m->resume_last) FUZZ_CHECK(*m->resume_last >= 0);
  FUZZ_CHECK(m->resume || (!m->resume_running && !m->resume_last));
  for (const auto* list : {&m->resume_unanswered, &m->resume_replay}) {
    FUZZ_CHECK(m->resume || list->empty());
    for (const std::int64_t id : *list) FUZZ_CHECK(id >= 0);
  }
  // A whole result's messages: a statement id, rows that are JSON arrays, and each reads back as written.
  if (m->type == T::kResultBegin || m->type == T::kResultRows || m->type == T::kResultEnd) {
    FUZZ_CHECK(m->statement_id >= 0);
    for (const auto& row : m->result_rows) FUZZ_CHECK(!row.empty() && row.front() == '[' && row.back() == ']');
    const std::string again = encode_driver_message(*m);
    const auto reread = decode_driver_message(again.substr(0, again.size() - 1));
    FUZZ_CHECK(reread.has_value() && *reread == *m);
  }
}

// A message to a driver: one line of UTF-8, a JSON object, then a newline.
rapidjson::Document read_line(const std::string& line) {
  FUZZ_CHECK(!line.empty() && line.back() == '\n');
  FUZZ_CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  FUZZ_CHECK(is_valid_utf8(line));
  rapidjson::Document doc;
  doc.Parse(line.c_str(), line.size() - 1);
  FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
  return doc;
}

std::string string_of(const rapidjson::Document& doc, const char* name) {
  const auto it = doc.FindMember(name);
  FUZZ_CHECK(it != doc.MemberEnd() && it->value.IsString());
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

void check_messages_to_driver(const std::string& text) {
  const std::string sent = repair_utf8(text);
  FUZZ_CHECK(is_valid_utf8(sent));
  FUZZ_CHECK(is_valid_utf8(text) == (sent == text));
  const auto execute = read_line(execute_message(7, text, SessionKind::kPySpark));
  FUZZ_CHECK(string_of(execute, "type") == "execute" && string_of(execute, "code") == sent);
  const auto complete = read_line(complete_message(3, text, SessionKind::kSql, 5));
  FUZZ_CHECK(string_of(complete, "code") == sent && string_of(complete, "kind") == "sql");
  const auto refused = read_line(refused_message(text));
  FUZZ_CHECK(string_of(refused, "error") == sent);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // A limit that sometimes cuts and sometimes does not.
  const std::size_t limit = size == 0 ? 0 : data[0] % 64;
  check_driver_line(text, limit);
  const auto output = wire::decode_output(text);
  if (output)
    check_output(*output, limit);
  else
    check_rejection(output.status());
  check_messages_to_driver(text);
  return 0;
}
