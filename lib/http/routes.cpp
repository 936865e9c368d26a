// Livy's REST routes on cpp-httplib: decode at the edge, call the runtime, encode.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/access.h"
#include "auth/authenticator.h"
#include "http/openapi_spec.h"
#include "http/request_log.h"
#include "http/request_metrics.h"
#include "base/utf8.h"
#include "http/route_util.h"
#include "http/ui_pages.h"
#include "livy/http.h"

namespace livy::http {
namespace {

// POST /sessions/{id}/upload-{kind}: its body may be larger than other routes' (an upload).
// Compared by hand: no std::regex over a path a client chose.
bool is_upload(const httplib::Request& req) {
  if (req.method != "POST") return false;
  std::vector<std::string_view> segments;
  std::string_view path = req.path;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    if (slash != 0) segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  constexpr std::string_view kUpload = "upload-";  // then a kind, as route("/sessions/{id}/upload-{kind}")
  return segments.size() == 3 && segments[0] == "sessions" && segments[2].size() > kUpload.size() &&
         segments[2].starts_with(kUpload);
}

// The first query parameter or path whose decoded text is not UTF-8, if any.
std::optional<std::string> non_utf8_part(const httplib::Request& req) {
  if (!is_valid_utf8(req.path)) return std::string("the request path");
  for (const auto& [name, value] : req.params) {
    if (!is_valid_utf8(name) || !is_valid_utf8(value)) return std::string("a query parameter");
  }
  return std::nullopt;
}

// Who sent the request this thread is routing: cpp-httplib runs the pre-routing hook and then
// the route's handler on one thread, and the hook passes a const Request on.
thread_local std::optional<std::string> t_caller;

bool has_body(const httplib::Request& req) {
  return (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0") ||
         req.has_header("Transfer-Encoding");
}

// Authenticates `req` (auth.type): true when it may go on to its route, with
// t_caller set; else `res` holds the 401, 400, 403 or 503.
bool authenticate(auth::Authenticator& authenticator, const httplib::Request& req, httplib::Response& res) {
  // A client that sends two Authorization headers is confused or probing: 400. Several
  // Cookie headers are read as one.
  if (req.get_header_value_count("Authorization") > 1) {
    fail(res, Status::invalid_argument("more than one Authorization header"));
    return false;
  }
  const std::string authorization = req.get_header_value("Authorization");
  std::string cookies;
  for (std::size_t i = 0, n = req.get_header_value_count("Cookie"); i < n; ++i) {
    cookies += (i == 0 ? "" : "; ") + req.get_header_value("Cookie", i);
  }
  auth::AuthOutcome outcome = authenticator.authenticate({authorization, cookies});
  if (!outcome.set_cookie.empty()) res.set_header("Set-Cookie", outcome.set_cookie);
  if (!outcome.challenge.empty()) res.set_header("WWW-Authenticate", outcome.challenge);
  if (outcome.status) {
    t_caller = std::move(outcome.user);
    return true;
  }
  if (has_body(req)) res.set_header("Connection", "close");  // the body stays unread
  fail(res, outcome.status);
  return false;
}

// Access control for the request this thread is routing, set by the hook: the rules, and the
// user whose rights are checked (the caller, or with impersonation the `doAs` user).
thread_local const auth::AccessControl* t_access = nullptr;
thread_local std::optional<std::string> t_user;

std::optional<std::string> do_as(const httplib::Request& req) {
  return req.has_param("doAs") ? std::optional(req.get_param_value("doAs")) : std::nullopt;
}

// The one place access control is checked (livy.server.access-control.*): true when `req` may
// go on to its route, with t_user set; else `res` holds the 403. What a route needs comes from
// auth::route_access; an object that is not there is left to the route's 404.
bool authorize(const auth::AccessControl& access, Runtime& runtime, const httplib::Request& req,
               httplib::Response& res) {
  const auto refuse = [&](const Status& st) {
    if (has_body(req)) res.set_header("Connection", "close");  // the body stays unread
    fail(res, st);
    return false;
  };
  auto user = access.effective_user(t_caller, do_as(req));
  if (!user) return refuse(user.status());
  t_user = std::move(*user);
  if (!access.enabled()) return true;
  if (!access.is_allowed(t_caller)) return refuse(Status::forbidden("User not authorised to use Livy."));
  const auth::RouteAccess target = auth::route_access(req.method, req.path);
  if (target.need == auth::Need::kAllowed) return true;
  std::optional<std::string> owner, proxy_user;
  if (target.object == auth::RouteAccess::Object::kSession) {
    const auto session = runtime.sessions().get(target.ref);
    if (!session) return true;
    owner = session->owner;
    proxy_user = session->proxy_user;
  } else {
    const auto batch = runtime.batches().get(target.ref);
    if (!batch) return true;
    owner = batch->owner;
    proxy_user = batch->proxy_user;
  }
  if (access.may(target.need, t_user, owner, proxy_user)) return true;
  const char* what = target.object == auth::RouteAccess::Object::kSession ? "session" : "batch";
  return refuse(Status::forbidden("User '" + t_user.value_or("") + "' may not " +
                                  (target.need == auth::Need::kView ? "view" : "modify") + " " + what + " '" +
                                  target.ref + "'."));
}

}  // namespace

std::optional<std::string> caller() { return t_caller; }

Result<std::optional<std::string>> creation_proxy_user(const httplib::Request& req,
                                                       const std::optional<std::string>& requested) {
  if (t_access == nullptr) return Status::internal("access control was not set up for this request");
  auto proxy_user = t_access->proxy_user(t_caller, do_as(req), requested);
  if (proxy_user) note_proxy_user(*proxy_user);  // for the request's audit line
  return proxy_user;
}

bool caller_may_view(const std::optional<std::string>& owner, const std::optional<std::string>& proxy_user) {
  return t_access == nullptr || t_access->may(auth::Need::kView, t_user, owner, proxy_user);
}

bool caller_views_all() { return t_access == nullptr || t_access->views_all(t_user); }

Status check_authentication(const Config& config) {
  if (Status st = auth::check_access_config(config); !st) return st;
  return auth::make_authenticator(config).status();
}

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return 200;
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
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
  // Bodies are bounded where they are read (read_body, uploads), chunked or
  // not. The library has one limit for every route: it is set to the larger
  // upload limit, and a declared Content-Length over a route's own limit is
  // refused here, before anything is read.
  const std::size_t body_limit = runtime.config().request_max_bytes;
  const std::size_t upload_limit = runtime.config().upload_max_bytes;
  server.set_payload_max_length(std::max(body_limit, upload_limit + std::min(kMultipartOverhead, SIZE_MAX - upload_limit)));
  // auth.type: one authenticator for every request. A setting it cannot use (check_authentication
  // tells livyd at start-up) leaves no route open: every request gets 503.
  auto made = auth::make_authenticator(runtime.config());
  std::shared_ptr<auth::Authenticator> authenticator(made ? std::move(*made) : nullptr);
  const Status auth_error = made.status() ? auth::check_access_config(runtime.config()) : made.status();
  auto access = std::make_shared<const auth::AccessControl>(runtime.config());
  // Request ids, security headers, the audit log and the request log (http/request_log.h).
  auto hooks = std::make_shared<RequestHooks>(runtime);
  // metrics.enabled: every answered request counted (below), and GET /metrics.
  auto request_metrics = make_request_metrics(runtime.config());
  server.set_pre_routing_handler([body_limit, csrf = runtime.config().csrf_protection, authenticator, auth_error,
                                  access, hooks, &runtime](const httplib::Request& req, httplib::Response& res) {
    RequestMetrics::begin();
    t_caller.reset();
    t_user.reset();
    t_access = access.get();
    if (!hooks->begin(req, res)) return httplib::Server::HandlerResponse::Handled;
    if (!auth_error) {
      fail(res, Status::unavailable("authentication is misconfigured on this server"));
      return httplib::Server::HandlerResponse::Handled;
    }
    // Text livyd stores and echoes is UTF-8; bodies are checked where they are read (read_body).
    if (const auto part = non_utf8_part(req)) {
      fail(res, Status::invalid_argument(*part + " is not valid UTF-8 once percent-decoded"));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (authenticator && !authenticate(*authenticator, req, res)) return httplib::Server::HandlerResponse::Handled;
    // server.csrf-protection: a browser's cross-site form or fetch cannot set this header
    // without a CORS preflight, which livyd never grants. Livy's check and message.
    if (csrf && !req.has_header("X-Requested-By") && req.method != "GET" && req.method != "HEAD" &&
        req.method != "OPTIONS" && req.method != "TRACE") {
      res.set_header("Connection", "close");  // the body stays unread
      fail(res, Status::invalid_argument("Missing Required Header for CSRF protection."));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!authorize(*access, runtime, req, res)) return httplib::Server::HandlerResponse::Handled;
    if (!req.has_header("Content-Length") || is_upload(req)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const auto length = parse_int(req.get_header_value("Content-Length"));
    if (length && *length >= 0 && static_cast<std::uint64_t>(*length) <= body_limit) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    // The body stays unread: the connection cannot serve another request.
    res.set_header("Connection", "close");
    fail(res, length && *length >= 0
                  ? Status::too_large("request body is larger than " + std::to_string(body_limit) + " bytes")
                  : Status::invalid_argument("invalid Content-Length"));
    return httplib::Server::HandlerResponse::Handled;
  });
  server.set_post_routing_handler(
      [hooks](const httplib::Request& req, httplib::Response& res) { hooks->before_send(req, res); });
  // The one logger of the server (cpp-httplib has one slot): called once a response is written.
  server.set_logger([hooks, request_metrics](const httplib::Request& req, const httplib::Response& res) {
    hooks->after_send(req, res);
    if (request_metrics) request_metrics->record(req, res);
  });
  // Responses go out as header and body writes: without this, Nagle holds the
  // body until the client's delayed ACK (~40 ms) on every small reply.
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(static_cast<std::size_t>(runtime.config().keep_alive_requests));
  server.set_keep_alive_timeout(static_cast<time_t>(runtime.config().keep_alive_timeout.count()));

  server.Get(route("/version"), [user = options.server_user](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, wire::encode_version(server_version(user)));
  });
  // The OpenAPI description of these routes (docs/openapi.yaml, compiled in).
  server.Get(route("/openapi.yaml"), [](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(std::string(openapi_yaml()), "application/yaml");
  });
  mount_batches(server, runtime);
  mount_sessions(server, runtime);
  mount_statements(server, runtime);
  mount_jobs(server, runtime);
  mount_results(server, runtime);
  if (runtime.config().ui_enabled) mount_ui(server);  // docs/ui.md
  mount_metrics(server, runtime, request_metrics);

  // Every answer is JSON, also those cpp-httplib makes itself (404, 413, 400).
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string msg;
    switch (res.status) {
      case 404: msg = "no such resource: " + req.method + " " + repair_utf8(req.path); break;
      case 413: msg = "request body is too large"; break;
      case 414: msg = "request URI is too long"; break;
      case 400: msg = "malformed request"; break;
      default: msg = "request failed";
    }
    res.set_content(wire::encode_message(msg), kJson);
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    reply(res, 500, wire::encode_message("internal error"));
  });
}

}  // namespace livy::http
