// The message by which livyd claims a warm driver for a session (docs/driver-protocol.md,
// "Warm drivers"). Its own file: the warm pool is the only sender.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace livy {

// {"type":"claim","session":7,"conf":{...},"reconnectTimeout":300.0} and a newline: the driver
// now serves session `session_id`, sets `conf` with spark.conf.set, reconnects as that session
// for up to `reconnect_timeout_s`, and answers `ready` (or `fatal`).
std::string claim_message(std::int64_t session_id, const std::map<std::string, std::string>& conf,
                          double reconnect_timeout_s);

}  // namespace livy
