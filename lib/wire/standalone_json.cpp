#include "wire/standalone_json.h"

#include <rapidjson/document.h>

#include "wire/json_fields.h"

namespace livy::wire {
namespace {

std::optional<std::string> string_member(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return to_std_string(it->value);
}

}  // namespace

std::optional<StandaloneReply> decode_standalone_reply(const std::string& body) {
  rapidjson::Document doc;
  if (parse_json(body, doc).IsError() || !doc.IsObject()) return std::nullopt;
  StandaloneReply reply;
  auto action = string_member(doc, "action");
  if (!action) return std::nullopt;
  reply.action = std::move(*action);
  const auto success = doc.FindMember("success");
  reply.success = success != doc.MemberEnd() && success->value.IsBool() && success->value.GetBool();
  reply.driver_state = string_member(doc, "driverState");
  reply.message = string_member(doc, "message").value_or("");
  reply.worker_host_port = string_member(doc, "workerHostPort").value_or("");
  return reply;
}

}  // namespace livy::wire
