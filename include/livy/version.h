// Versions livyd reports.
#pragma once

namespace livy {

// livyd's own version.
inline constexpr const char* kVersion = "0.1.0";
// The Livy REST API level livyd speaks (reported as `version` by GET /version).
inline constexpr const char* kLivyApiVersion = "0.9.0";

}  // namespace livy
