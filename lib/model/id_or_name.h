// How a path segment names a session or batch: all digits is an id, anything else a name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/text_values.h"
#include "livy/status.h"

namespace livy {

inline std::optional<std::int64_t> as_id(std::string_view id_or_name) {
  if (id_or_name.empty() || id_or_name.size() > 18) return std::nullopt;
  for (char c : id_or_name) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return parse_int(id_or_name);
}

// Livy's answer for an unknown session or batch (it says "Session" for both).
inline Status not_found(std::string_view id_or_name) {
  return Status::not_found("Session '" + std::string(id_or_name) + "' not found.");
}

}  // namespace livy
