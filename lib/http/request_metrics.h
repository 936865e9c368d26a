// RequestMetrics: every HTTP request livyd answers, counted by route template, method and
// status, with its latency.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <string_view>

#include "http/route_templates.h"
#include "livy/runtime.h"
#include "metrics/registry.h"

namespace livy::http {

// Owned by the routes mount_routes put on one server (not global: two servers, two sets).
// Labels are bounded whatever clients send: the route is a template (RouteTemplates) or
// "other", the method one of HTTP's or "other", the status a number of 100 to 599.
class RequestMetrics {
 public:
  explicit RequestMetrics(const std::vector<std::string>& templates);

  // The request this thread routes starts now (mount_routes' pre-routing hook).
  static void begin();
  // It was answered (the server's logger, once the response is written): counted, and its
  // latency since begin() observed (a request that never got to begin(), such as one
  // cpp-httplib refused itself, is counted without a latency).
  void record(const httplib::Request& req, const httplib::Response& res);

  // livyd_http_requests_total and livyd_http_request_duration_seconds, as text (text_format.h).
  std::string text() const { return registry_.text(); }

 private:
  const RouteTemplates routes_;
  metrics::Registry registry_;
  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& durations_;
};

// `method` if it is one of HTTP's (RFC 9110, and PATCH), else "other".
std::string_view method_label(std::string_view method);

// RequestMetrics for the routes of docs/openapi.yaml (built in); nullptr when
// metrics.enabled is off.
std::shared_ptr<RequestMetrics> make_request_metrics(const Config& config);

// GET /metrics: the runtime's metrics and `requests`' (text format 0.0.4). Nothing is
// mounted when `requests` is null (metrics.enabled off): the path is then a 404.
void mount_metrics(httplib::Server& server, Runtime& runtime, std::shared_ptr<RequestMetrics> requests);

}  // namespace livy::http
