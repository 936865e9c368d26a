#include "wire/statement_json.h"

#include <utility>

#include "wire/detail_json.h"
#include "wire/json_writer.h"
#include "wire/output_value.h"
#include "wire/reply_reader.h"

namespace livy::wire {
namespace {

constexpr StatementState kStatementStates[] = {StatementState::kWaiting,   StatementState::kRunning,
                                               StatementState::kAvailable, StatementState::kError,
                                               StatementState::kCancelling, StatementState::kCancelled};

void write_statement(JsonWriter& w, const Statement& st, bool detailed) {
  w.start_object();
  w.int64("id", st.id);
  w.string("code", st.code);
  w.string("state", to_string(st.state));
  w.key("output");
  if (st.output) write_output(w, *st.output);
  else w.null();
  w.key("progress");
  w.number(st.progress);
  w.int64("started", st.started_ms);
  w.int64("completed", st.completed_ms);
  if (detailed) write_statement_detail(w, st);
  w.end_object();
}

void read_statement(const rapidjson::Value& v, const std::string& where, Status& st, Statement& s) {
  ReplyReader r(v, where, st);
  if (r.require("id") != nullptr) r.read("id", s.id);
  r.read("code", s.code);
  read_state(r, "state", kStatementStates, s.state);
  if (const rapidjson::Value* output = r.find("output")) {
    auto decoded = decode_output(*output);
    if (decoded) s.output = std::move(*decoded);
    else r.fail(decoded.status());
  }
  r.read("progress", s.progress);
  r.read("started", s.started_ms);
  r.read("completed", s.completed_ms);
  read_statement_detail(r, s);
}

}  // namespace

std::string encode_statement(const Statement& statement, bool detailed) {
  JsonWriter w;
  write_statement(w, statement, detailed);
  return w.text();
}

Result<Statement> decode_statement(const std::string& body) {
  return decode_reply<Statement>(
      body, [](const rapidjson::Value& v, Status& st, Statement& out) { read_statement(v, "statement", st, out); });
}

std::string encode_statement_page(const Page<Statement>& page, bool detailed) {
  JsonWriter w;
  w.start_object();
  w.int64("total_statements", page.total);
  w.key("statements");
  w.start_array();
  for (const auto& st : page.items) write_statement(w, st, detailed);
  w.end_array();
  w.end_object();
  return w.text();
}

Result<Page<Statement>> decode_statement_page(const std::string& body, std::int64_t from) {
  return decode_reply<Page<Statement>>(body, [from](const rapidjson::Value& v, Status& st, Page<Statement>& out) {
    ReplyReader r(v, "statements", st);
    out.from = from;
    r.read("total_statements", out.total);
    read_items(r, "statements", out.items, read_statement, st);
  });
}

std::string encode_candidates(const std::vector<std::string>& candidates) {
  JsonWriter w;
  w.start_object();
  w.strings("candidates", candidates);
  w.end_object();
  return w.text();
}

Result<std::vector<std::string>> decode_candidates(const std::string& body) {
  return decode_reply<std::vector<std::string>>(
      body, [](const rapidjson::Value& v, Status& st, std::vector<std::string>& out) {
        ReplyReader r(v, "completion", st);
        if (r.require("candidates") != nullptr) r.read("candidates", out);
      });
}

}  // namespace livy::wire
