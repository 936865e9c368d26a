#include "wire/reply_reader.h"

#include <rapidjson/error/en.h>

#include <utility>

#include "wire/json_fields.h"

namespace livy::wire {

Status parse_reply_object(const std::string& body, rapidjson::Document& doc) {
  // As livyd reads requests: iteratively (deep nesting costs heap, never the stack), numbers exactly.
  const rapidjson::ParseResult parsed = parse_json(body, doc);
  if (parsed.IsError()) {
    return Status::internal(std::string("unexpected reply from the server: malformed JSON at offset ") +
                            std::to_string(parsed.Offset()) + ": " + rapidjson::GetParseError_En(parsed.Code()));
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

void ReplyReader::fail(const Status& problem) {
  if (!status_ || problem) return;
  status_ = Status::internal("unexpected reply from the server: " + where_ + "." + problem.message());
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
    auto value = conf_value_text(m.value);
    if (!value) return fail(key, "must map names to strings");
    items[to_std_string(m.name)] = std::move(*value);
  }
  out = std::move(items);
}

void ReplyReader::read_nonzero(const char* key, std::optional<int>& out) {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) return;
  if (!v->IsInt()) return fail(key, "must be an integer");
  if (v->GetInt() != 0) out = v->GetInt();
}

void read_kind(ReplyReader& r, const char* key, std::optional<SessionKind>& out) {
  std::optional<std::string> text;
  r.read(key, text);
  if (!text) return;
  out = parse_session_kind(*text);
  if (!out) r.fail(key, "'" + *text + "' is not a known kind");
}

}  // namespace livy::wire
