// Livy's REST routes on cpp-httplib: decode at the edge, call the runtime, encode.
#include <string>

#include "http/openapi_spec.h"
#include "http/route_util.h"
#include "livy/http.h"

namespace livy::http {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return 200;
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kResourceExhausted: return 400;  // Livy answers 400 for max-creation
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

void mount_routes(httplib::Server& server, Runtime& runtime, RouteOptions options) {
  // Bodies are bounded where they are read (read_body), chunked or not; the
  // library's own limit stays as a backstop for handlers that do not stream.
  server.set_payload_max_length(runtime.config().request_max_bytes);
  // Responses go out as header and body writes: without this, Nagle holds the
  // body until the client's delayed ACK (~40 ms) on every small reply.
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(static_cast<std::size_t>(runtime.config().keep_alive_requests));
  server.set_keep_alive_timeout(static_cast<time_t>(runtime.config().keep_alive_timeout.count()));

  server.Get(route("/version"), [user = options.server_user](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, version_json(user));
  });
  // The OpenAPI description of these routes (docs/openapi.yaml, compiled in).
  server.Get(route("/openapi.yaml"), [](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(std::string(openapi_yaml()), "application/yaml");
  });
  mount_batches(server, runtime);
  mount_sessions(server, runtime);
  mount_statements(server, runtime);

  // Every answer is JSON, also those cpp-httplib makes itself (404, 413, 400).
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string msg;
    switch (res.status) {
      case 404: msg = "no such resource: " + req.method + " " + req.path; break;
      case 413: msg = "request body is too large"; break;
      case 414: msg = "request URI is too long"; break;
      case 400: msg = "malformed request (a POST needs Content-Length, 0 for an empty body)"; break;
      default: msg = "request failed";
    }
    res.set_content(msg_json(msg), kJson);
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    reply(res, 500, msg_json("internal error"));
  });
}

}  // namespace livy::http
