// Mounts Livy's REST API on a cpp-httplib server. Target livy::http.
#pragma once

#include <httplib.h>

#include "livy/runtime.h"

namespace livy::http {

// Settings of the HTTP layer that are not part of the runtime's Config.
struct RouteOptions {
  std::string server_user;  // reported as `user` by GET /version
};

// Adds every livyd route, the JSON error handler and the body-size limit
// (config.request_max_bytes) to `server`. `runtime` must outlive `server`'s use.
void mount_routes(httplib::Server& server, Runtime& runtime, RouteOptions options = {});

// The HTTP status for a library error code; the only place that knows both.
int http_status(ErrorCode code);

}  // namespace livy::http
