#include "wire/spark_ui_json.h"

#include <rapidjson/document.h>

#include "wire/json_fields.h"

namespace livy::wire {

std::optional<std::string> decode_first_app_id(const std::string& body) {
  rapidjson::Document doc;
  if (parse_json(body, doc).IsError() || !doc.IsArray() || doc.Empty()) return std::nullopt;
  const auto& app = doc[0];
  if (!app.IsObject()) return std::nullopt;
  const auto id = app.FindMember("id");
  if (id == app.MemberEnd() || !id->value.IsString()) return std::nullopt;
  return to_std_string(id->value);
}

}  // namespace livy::wire
