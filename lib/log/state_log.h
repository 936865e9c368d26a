// A state change of a session, batch or statement as a log entry: event "state", with the
// object's kind and id, the states it left and entered (Livy's names) and its application.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "livy/log.h"

namespace livy {

// `from` is empty for an object just created; `session` is a statement's session.
inline void log_state_change(Logger* logger, std::string_view object, std::int64_t id,
                             std::optional<std::int64_t> session, std::string_view from, std::string_view to,
                             const std::optional<std::string>& app_id) {
  if (logger == nullptr) return;
  std::vector<LogField> fields;
  fields.push_back({"object", std::string(object)});
  fields.push_back({"id", id});
  if (session) fields.push_back({"session_id", *session});
  fields.push_back({"from", from.empty() ? LogValue(nullptr) : LogValue(std::string(from))});
  fields.push_back({"to", std::string(to)});
  fields.push_back({"app_id", app_id ? LogValue(*app_id) : LogValue(nullptr)});
  logger->log("info", "state", std::move(fields));
}

}  // namespace livy
