#include "codec/output_json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>
#include <vector>

#include "codec/json_fields.h"

namespace livy::codec {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

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

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

std::string json_string_literal(const std::string& text) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
  return std::string(buf.GetString(), buf.GetSize());
}

std::string json_string_value(const std::string& json) {
  rapidjson::Document doc;
  if (parse_json(json, doc).IsError() || !doc.IsString()) return json;
  return to_std_string(doc);
}

std::string encode_output(const StatementOutput& o) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("status");
  w.String(o.ok ? "ok" : "error");
  w.Key("execution_count");
  w.Int64(o.execution_count);
  if (o.ok) {
    w.Key("data");
    w.StartObject();
    for (const auto& [mime, json] : o.data) {
      w.Key(mime.c_str(), static_cast<rapidjson::SizeType>(mime.size()));
      w.RawValue(json.c_str(), json.size(), rapidjson::kObjectType);
    }
    w.EndObject();
  } else {
    w.Key("ename");
    w.String(o.ename.c_str(), static_cast<rapidjson::SizeType>(o.ename.size()));
    w.Key("evalue");
    w.String(o.evalue.c_str(), static_cast<rapidjson::SizeType>(o.evalue.size()));
    w.Key("traceback");
    w.StartArray();
    for (const auto& line : o.traceback) w.String(line.c_str(), static_cast<rapidjson::SizeType>(line.size()));
    w.EndArray();
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<StatementOutput> decode_output(const rapidjson::Value& v) {
  if (!v.IsObject()) return Status::invalid_argument("output must be an object");
  StatementOutput o;
  const auto status = v.FindMember("status");
  if (status == v.MemberEnd() || !status->value.IsString()) return Status::invalid_argument("output.status missing");
  const std::string status_text = to_std_string(status->value);
  if (status_text != "ok" && status_text != "error") {
    return Status::invalid_argument("output.status must be \"ok\" or \"error\"");
  }
  o.ok = status_text == "ok";
  const auto count = v.FindMember("execution_count");
  if (count != v.MemberEnd() && count->value.IsInt64()) o.execution_count = count->value.GetInt64();
  if (o.ok) {
    const auto data = v.FindMember("data");
    if (data != v.MemberEnd() && data->value.IsObject()) {
      for (const auto& m : data->value.GetObject()) {
        if (nests_deeper_than(m.value, kMaxDataDepth)) {
          return Status::invalid_argument("output.data." + to_std_string(m.name) + " nests deeper than " +
                                          std::to_string(kMaxDataDepth) + " levels");
        }
        o.data[to_std_string(m.name)] = to_json(m.value);
      }
    }
    return o;
  }
  const auto ename = v.FindMember("ename");
  if (ename != v.MemberEnd() && ename->value.IsString()) o.ename = to_std_string(ename->value);
  const auto evalue = v.FindMember("evalue");
  if (evalue != v.MemberEnd() && evalue->value.IsString()) o.evalue = to_std_string(evalue->value);
  const auto tb = v.FindMember("traceback");
  if (tb != v.MemberEnd() && tb->value.IsArray()) {
    for (const auto& line : tb->value.GetArray()) {
      if (line.IsString()) o.traceback.push_back(to_std_string(line));
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

}  // namespace livy::codec
