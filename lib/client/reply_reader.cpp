#include "client/reply_reader.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

namespace livy::client {

std::string to_std_string(const rapidjson::Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

std::string json_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  v.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

Status parse_reply_object(const std::string& body, rapidjson::Document& doc) {
  // Iterative parsing: a deeply nested reply costs heap, never the stack.
  doc.Parse<rapidjson::kParseIterativeFlag>(body.c_str(), body.size());
  if (doc.HasParseError()) {
    return Status::internal(std::string("unexpected reply from the server: malformed JSON at offset ") +
                            std::to_string(doc.GetErrorOffset()) + ": " +
                            rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return Status::internal("unexpected reply from the server: not a JSON object");
  return Status::ok();
}

ReplyReader::ReplyReader(const rapidjson::Value& object, std::string where, Status& status)
    : object_(object), where_(std::move(where)), status_(status) {}

const rapidjson::Value* ReplyReader::find(const char* key) const {
  const auto it = object_.FindMember(key);
  if (it == object_.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

const rapidjson::Value* ReplyReader::require(const char* key) {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) fail(key, "is missing");
  return v;
}

ReplyReader ReplyReader::child(const char* key, const rapidjson::Value& object) const {
  return ReplyReader(object, where_ + "." + key, status_);
}

void ReplyReader::fail(const char* key, const std::string& problem) {
  if (!status_) return;
  status_ = Status::internal("unexpected reply from the server: " + where_ + "." + key + " " + problem);
}

void ReplyReader::read(const char* key, std::optional<std::string>& out) {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) return;
  if (!v->IsString()) return fail(key, "must be a string");
  out = to_std_string(*v);
}

void ReplyReader::read(const char* key, std::string& out) {
  std::optional<std::string> s;
  read(key, s);
  if (s) out = std::move(*s);
}

void ReplyReader::read(const char* key, std::int64_t& out) {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) return;
  if (!v->IsInt64()) return fail(key, "must be an integer");
  out = v->GetInt64();
}

void ReplyReader::read(const char* key, double& out) {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) return;
  if (!v->IsNumber()) return fail(key, "must be a number");
  out = v->GetDouble();
}

void ReplyReader::read(const char* key, std::vector<std::string>& out) {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) return;
  if (!v->IsArray()) return fail(key, "must be a list of strings");
  std::vector<std::string> items;
  for (const auto& item : v->GetArray()) {
    if (!item.IsString()) return fail(key, "must be a list of strings");
    items.push_back(to_std_string(item));
  }
  out = std::move(items);
}

void ReplyReader::read(const char* key, std::map<std::string, std::string>& out) {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) return;
  if (!v->IsObject()) return fail(key, "must be an object");
  std::map<std::string, std::string> items;
  for (const auto& m : v->GetObject()) {
    std::string value;
    if (m.value.IsString()) value = to_std_string(m.value);
    else if (m.value.IsBool()) value = m.value.GetBool() ? "true" : "false";
    else if (m.value.IsNumber()) value = json_text(m.value);
    else return fail(key, "must map names to strings");
    items[to_std_string(m.name)] = std::move(value);
  }
  out = std::move(items);
}

void ReplyReader::read_nonzero(const char* key, std::optional<int>& out) {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) return;
  if (!v->IsInt()) return fail(key, "must be an integer");
  if (v->GetInt() != 0) out = v->GetInt();
}

}  // namespace livy::client
