// The one piece of Spark's own JSON livyd reads: the application list of a
// driver's UI (GET /api/v1/applications), for the application id.
#pragma once

#include <optional>
#include <string>

namespace livy::wire {

// The `id` of the first application in `body`; nullopt when there is none or
// `body` is not such a list.
std::optional<std::string> decode_first_app_id(const std::string& body);

}  // namespace livy::wire
