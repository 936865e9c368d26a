// Request ids, the request log line and the audit line of each routed request.
#include "http/request_log.h"

#include "http/openapi_spec.h"
#include "http/route_templates.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <random>
#include <vector>

#include "audit/audit_record.h"
#include "http/route_util.h"
#include "log/log_line.h"

namespace livy::http {
namespace {

// The request this worker thread is serving: cpp-httplib runs the pre-routing hook, the
// handler, the post-routing hook and the logger on one thread, one request after another.
struct RequestContext {
  bool active = false;  // between the first hook that saw the request and its log line
  bool routed = false;  // the pre-routing hook ran: caller() is this request's
  std::string id;
  std::chrono::steady_clock::time_point start{};
  std::chrono::steady_clock::time_point queued{};  // when the front end queued it: start if unknown
  bool proxy_noted = false;
  std::optional<std::string> proxy_user;
};
thread_local RequestContext t_request;
// note_request_queued's time, for the request this worker serves next.
thread_local std::optional<std::chrono::steady_clock::time_point> t_queued;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The request's id: its one sane X-Request-Id, else a new one.
std::string request_id_for(const httplib::Request& req) {
  if (req.get_header_value_count("X-Request-Id") == 1) {
    if (auto id = sane_request_id(req.get_header_value("X-Request-Id"))) return *id;
  }
  return new_request_id();
}

void start(const httplib::Request& req, bool routed) {
  t_request = RequestContext{};
  t_request.active = true;
  t_request.routed = routed;
  t_request.id = request_id_for(req);
  t_request.start = std::chrono::steady_clock::now();
  t_request.queued = std::min(t_queued.value_or(t_request.start), t_request.start);
  t_queued.reset();
}

double rounded_ms(std::chrono::steady_clock::duration d) {
  const double ms = std::chrono::duration<double, std::milli>(d).count();
  return static_cast<double>(static_cast<std::int64_t>(ms * 1000)) / 1000;
}

LogValue optional_text(const std::optional<std::string>& text) {
  return text ? LogValue(*text) : LogValue(nullptr);
}

}  // namespace

void note_request_queued(std::chrono::steady_clock::time_point at) { t_queued = at; }

std::optional<std::string> sane_request_id(std::string_view value) {
  if (value.empty() || value.size() > kMaxRequestIdBytes) return std::nullopt;
  for (const char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == ':';
    if (!ok) return std::nullopt;
  }
  return std::string(value);
}

std::string new_request_id() {
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int word = 0; word < 2; ++word) {
    std::uint64_t v = engine();
    for (int i = 0; i < 16; ++i, v >>= 4) out += kHex[v & 0xF];
  }
  return out;
}

std::string route_template(std::string_view path) {
  // The templates of the metrics' labels (docs/openapi.yaml's paths), so that a log line and a
  // metric name a route alike.
  static const RouteTemplates templates(RouteTemplates::from_openapi(openapi_yaml()));
  return std::string(templates.match(path));
}

void note_proxy_user(const std::optional<std::string>& proxy_user) {
  t_request.proxy_noted = true;
  t_request.proxy_user = proxy_user;
}

RequestHooks::RequestHooks(Runtime& runtime)
    : logger_(runtime.logger()), headers_(security_headers(runtime.config())) {
  const Config& config = runtime.config();
  audit_wanted_ = !config.audit_file.empty();
  if (!audit_wanted_) return;
  auto opened = audit::AuditLog::open({config.audit_file, config.audit_max_bytes, config.audit_max_files,
                                       config.audit_fsync});
  if (opened) {
    audit_ = std::move(*opened);
  } else if (logger_) {
    logger_->log("error", "message",
                 {{"msg", "the audit log cannot be opened (" + opened.status().message() +
                              "): requests it would record are refused with 503"}});
  }
}

bool RequestHooks::begin(const httplib::Request& req, httplib::Response& res) {
  start(req, true);
  res.set_header("X-Request-Id", t_request.id);
  if (audit_wanted_ && !audit_ && audit::classify(req.method, req.path, "")) {
    if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
      res.set_header("Connection", "close");  // the body stays unread
    }
    fail(res, Status::unavailable("the audit log (audit.file) is unavailable: this request cannot be recorded"));
    return false;
  }
  return true;
}

void RequestHooks::before_send(const httplib::Request& req, httplib::Response& res) {
  if (!t_request.active) start(req, false);  // cpp-httplib answered before routing (a 400)
  if (!res.has_header("X-Request-Id")) res.set_header("X-Request-Id", t_request.id);
  add_security_headers(res, headers_);
  if (!audit_) return;
  const auto action = audit::classify(req.method, req.path, res.get_header_value("Location"));
  if (!action) return;
  std::optional<std::string> proxy_user = t_request.proxy_user;
  if (!t_request.proxy_noted && req.has_param("doAs")) proxy_user = req.get_param_value("doAs");
  std::vector<LogField> fields{
      {"request_id", t_request.id},
      {"action", action->action},
      {"object", action->object},
      {"id", optional_text(action->id)},
      {"session_id", optional_text(action->session_id)},
      {"user", optional_text(t_request.routed ? caller() : std::nullopt)},
      {"proxy_user", optional_text(proxy_user)},
      {"remote", req.remote_addr},
      {"method", req.method},
      {"path", req.path},
      {"status", static_cast<std::int64_t>(res.status)},
  };
  // Before the reply is written, with no session's lock held: the action is on disk (in the
  // kernel) before its client hears of it.
  const Status st = audit_->append(encode_json_line(wall_ms(), "info", "audit", fields));
  if (!st && logger_) logger_->log("error", "message", {{"msg", "audit record not written: " + st.message()}});
}

void RequestHooks::after_send(const httplib::Request& req, const httplib::Response& res) {
  if (!t_request.active) start(req, false);
  const auto now = std::chrono::steady_clock::now();
  if (logger_) {
    logger_->log(res.status >= 500 ? "error" : "info", "request",
                 {{"request_id", t_request.id},
                  {"method", req.method},
                  {"route", route_template(req.path)},
                  {"path", req.path},
                  {"status", static_cast<std::int64_t>(res.status)},
                  {"latency_ms", rounded_ms(now - t_request.start)},
                  {"queued_ms", rounded_ms(t_request.start - t_request.queued)},
                  {"user", optional_text(t_request.routed ? caller() : std::nullopt)},
                  {"remote", req.remote_addr}});
  }
  t_request.active = false;
}

}  // namespace livy::http
