#include "codec/json_fields.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <limits>

namespace livy::codec {

std::string to_std_string(const rapidjson::Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

namespace {

// The shortest text of a JSON number (0.5 -> "0.5"), as Livy's JSON layer would give Spark.
std::string number_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

Status parse_object(const std::string& text, rapidjson::Document& doc) {
  // Iterative parsing: deep nesting costs heap, never the stack.
  doc.Parse<rapidjson::kParseIterativeFlag>(text.c_str(), text.size());
  if (doc.HasParseError()) {
    return Status::invalid_argument(std::string("malformed JSON at offset ") + std::to_string(doc.GetErrorOffset()) +
                                    ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return Status::invalid_argument("request body must be a JSON object");
  return Status::ok();
}

Status read_string(const rapidjson::Value& v, const char* field, std::optional<std::string>& out) {
  if (v.IsNull()) return Status::ok();
  if (!v.IsString()) return Status::invalid_argument(std::string(field) + " must be a string");
  out = to_std_string(v);
  return Status::ok();
}

Status read_string(const rapidjson::Value& v, const char* field, std::string& out) {
  std::optional<std::string> s;
  Status st = read_string(v, field, s);
  if (st && s) out = *s;
  return st;
}

Status read_int(const rapidjson::Value& v, const char* field, std::optional<int>& out) {
  if (v.IsNull()) return Status::ok();
  if (!v.IsInt64()) return Status::invalid_argument(std::string(field) + " must be an integer");
  const auto n = v.GetInt64();
  if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) {
    return Status::invalid_argument(std::string(field) + " is out of range");
  }
  out = static_cast<int>(n);
  return Status::ok();
}

Status read_string_list(const rapidjson::Value& v, const char* field, std::vector<std::string>& out) {
  if (v.IsNull()) return Status::ok();
  if (!v.IsArray()) return Status::invalid_argument(std::string(field) + " must be a list of strings");
  out.clear();  // a repeated key: the last one wins, as for every other field
  for (const auto& item : v.GetArray()) {
    if (!item.IsString()) return Status::invalid_argument(std::string(field) + " must be a list of strings");
    out.push_back(to_std_string(item));
  }
  return Status::ok();
}

Status read_string_map(const rapidjson::Value& v, const char* field, std::map<std::string, std::string>& out) {
  if (v.IsNull()) return Status::ok();
  if (!v.IsObject()) return Status::invalid_argument(std::string(field) + " must be an object of strings");
  out.clear();
  for (const auto& m : v.GetObject()) {
    // Livy's clients send numbers and booleans for Spark properties too; Spark reads them as text.
    std::string value;
    if (m.value.IsString()) value = to_std_string(m.value);
    else if (m.value.IsBool()) value = m.value.GetBool() ? "true" : "false";
    else if (m.value.IsInt64()) value = std::to_string(m.value.GetInt64());
    else if (m.value.IsUint64()) value = std::to_string(m.value.GetUint64());
    else if (m.value.IsDouble()) value = number_text(m.value);
    else return Status::invalid_argument(std::string(field) + "." + to_std_string(m.name) + " must be a string");
    out[to_std_string(m.name)] = std::move(value);
  }
  return Status::ok();
}

}  // namespace livy::codec
