#include "wire/output_json.h"

#include <utility>
#include <vector>

#include "wire/json_fields.h"
#include "wire/output_value.h"

namespace livy::wire {
namespace {

// Writing a value back to text (Accept) recurses once per level of nesting: a
// driver's deeper values are refused instead of overflowing the thread's stack.
constexpr std::size_t kMaxDataDepth = 512;

// Whether arrays and objects in `root` nest more than `limit` deep, found without recursion.
bool nests_deeper_than(const rapidjson::Value& root, std::size_t limit) {
  std::vector<std::pair<const rapidjson::Value*, std::size_t>> todo{{&root, 0}};
  while (!todo.empty()) {
    const auto [v, depth] = todo.back();
    todo.pop_back();
    if (v->IsArray()) {
      if (depth == limit) return true;
      for (const auto& item : v->GetArray()) todo.emplace_back(&item, depth + 1);
    } else if (v->IsObject()) {
      if (depth == limit) return true;
      for (const auto& m : v->GetObject()) todo.emplace_back(&m.value, depth + 1);
    }
  }
  return false;
}

}  // namespace

std::string json_string_literal(const std::string& text) {
  JsonWriter w;
  w.string(text);
  return w.text();
}

std::string json_string_value(const std::string& json) {
  rapidjson::Document doc;
  if (parse_json(json, doc).IsError() || !doc.IsString()) return json;
  return to_std_string(doc);
}

void write_output(JsonWriter& w, const StatementOutput& o) {
  w.start_object();
  w.string("status", o.ok ? "ok" : "error");
  w.int64("execution_count", o.execution_count);
  if (o.ok) {
    w.key("data");
    w.start_object();
    for (const auto& [mime, json] : o.data) {
      w.key(mime);
      w.raw(json);
    }
    w.end_object();
  } else {
    w.string("ename", o.ename);
    w.string("evalue", o.evalue);
    w.strings("traceback", o.traceback);
  }
  w.end_object();
}

std::string encode_output(const StatementOutput& o) {
  JsonWriter w;
  write_output(w, o);
  return w.text();
}

Result<StatementOutput> decode_output(const rapidjson::Value& v) {
  if (!v.IsObject()) return Status::invalid_argument("output must be an object");
  StatementOutput o;
  // Absent and null members are "not given"; a member of the wrong type is an error naming it.
  const auto member = [&](const char* name) -> const rapidjson::Value* {
    const auto it = v.FindMember(name);
    return it == v.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
  };
  const auto bad = [](const char* name, const char* problem) {
    return Status::invalid_argument(std::string("output.") + name + " " + problem);
  };
  const auto* status = member("status");
  if (status == nullptr) return bad("status", "is missing");
  if (!status->IsString()) return bad("status", "must be \"ok\" or \"error\"");
  const std::string status_text = to_std_string(*status);
  if (status_text != "ok" && status_text != "error") return bad("status", "must be \"ok\" or \"error\"");
  o.ok = status_text == "ok";
  if (const auto* count = member("execution_count")) {
    if (!count->IsInt64()) return bad("execution_count", "must be an integer");
    o.execution_count = count->GetInt64();
  }
  if (o.ok) {
    const auto* data = member("data");
    if (data == nullptr) return o;
    if (!data->IsObject()) return bad("data", "must be an object");
    for (const auto& m : data->GetObject()) {
      if (nests_deeper_than(m.value, kMaxDataDepth)) {
        return Status::invalid_argument("output.data." + to_std_string(m.name) + " nests deeper than " +
                                        std::to_string(kMaxDataDepth) + " levels");
      }
      o.data[to_std_string(m.name)] = json_text(m.value);
    }
    return o;
  }
  for (const auto& [name, field] : {std::pair{"ename", &o.ename}, std::pair{"evalue", &o.evalue}}) {
    const auto* text = member(name);
    if (text == nullptr) continue;
    if (!text->IsString()) return bad(name, "must be a string");
    *field = to_std_string(*text);
  }
  if (const auto* tb = member("traceback")) {
    if (!tb->IsArray()) return bad("traceback", "must be a list of strings");
    for (const auto& line : tb->GetArray()) {
      if (!line.IsString()) return bad("traceback", "must be a list of strings");
      o.traceback.push_back(to_std_string(line));
    }
  }
  return o;
}

Result<StatementOutput> decode_output(const std::string& json) {
  rapidjson::Document doc;
  if (parse_json(json, doc).IsError()) return Status::invalid_argument("output is not JSON");
  return decode_output(static_cast<const rapidjson::Value&>(doc));
}

void limit_output(StatementOutput& o, std::size_t limit) {
  std::size_t total = 0;
  for (const auto& [mime, json] : o.data) total += json.size();
  if (total <= limit) return;
  std::string text = o.text();
  for (auto it = o.data.begin(); it != o.data.end();) it = it->first == "text/plain" ? std::next(it) : o.data.erase(it);
  if (text.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // a whole UTF-8 character
    text.resize(cut);
  }
  text += "\n[livyd: output truncated: it was " + std::to_string(total) +
          " bytes, over the limit statements.max-output-bytes (" + std::to_string(limit) + ")]";
  o.data["text/plain"] = json_string_literal(text);
}

}  // namespace livy::wire
