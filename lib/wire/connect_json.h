// JSON of GET /sessions/{id}/connect-info (a livyd extension): one encoder (the route) and
// one decoder (tests, clients), round-trip tested.
#pragma once

#include <cstdint>
#include <string>

#include "livy/connect_info.h"
#include "livy/status.h"

namespace livy::wire {

// {"id", "url", "host", "port", "token", "shared", and with shared: "sessionId", "userId"}.
std::string encode_connect_info(std::int64_t session_id, const ConnectInfo& info);
Result<ConnectInfo> decode_connect_info(const std::string& body);

}  // namespace livy::wire
