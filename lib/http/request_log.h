// What livyd does around every request it routes: a request id (X-Request-Id), the security
// headers, the audit line before the reply is sent, and the request's log line after it.
// mount_routes calls RequestHooks from cpp-httplib's pre-routing, post-routing and logger hooks.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "audit/audit_log.h"
#include "http/security_headers.h"
#include "livy/log.h"
#include "livy/runtime.h"

namespace livy::http {

inline constexpr std::size_t kMaxRequestIdBytes = 128;

// A client's X-Request-Id value when it is safe to echo and log: 1 to kMaxRequestIdBytes
// bytes of letters, digits and . _ : -; else nullopt (and livyd makes its own).
std::optional<std::string> sane_request_id(std::string_view value);
// A new request id: 32 random hex digits.
std::string new_request_id();
// "/sessions/{id}/statements/{id}/cancel" for "/sessions/3/statements/5/cancel": the path with
// its id segments replaced, bounded in kinds (paths livyd does not serve are "other").
std::string route_template(std::string_view path);

// When the front end had the request this worker is about to serve and queued it (a worker
// calls it before cpp-httplib reads the request): its log line's `queued_ms` runs from there to
// routing, the wait for a free worker.
void note_request_queued(std::chrono::steady_clock::time_point at);

// The proxy user a create asked for (doAs or proxyUser), noted by creation_proxy_user for the
// request's audit line.
void note_proxy_user(const std::optional<std::string>& proxy_user);

class RequestHooks {
 public:
  // Reads the logs' and security headers' settings from `runtime`'s config, and opens the audit
  // file when audit.file is set (if it cannot be, that is logged and audited requests get 503).
  explicit RequestHooks(Runtime& runtime);

  // First in the pre-routing hook: starts the request's clock and sets its X-Request-Id.
  // False when `res` holds an answer already (503: the audit log is unavailable).
  bool begin(const httplib::Request& req, httplib::Response& res);
  // Just before the reply is written (post-routing): security headers, X-Request-Id for a reply
  // that never reached routing, and the audit line of an audited request.
  void before_send(const httplib::Request& req, httplib::Response& res);
  // After the reply is written (cpp-httplib's logger): the request's log line.
  void after_send(const httplib::Request& req, const httplib::Response& res);

 private:
  std::shared_ptr<Logger> logger_;
  SecurityHeaders headers_;
  bool audit_wanted_ = false;
  std::unique_ptr<audit::AuditLog> audit_;  // null when off, or when it could not be opened
};

}  // namespace livy::http
