#include "http/request_metrics.h"

#include <chrono>
#include <optional>

#include "http/openapi_spec.h"

namespace livy::http {
namespace {

using SteadyClock = std::chrono::steady_clock;

// When the request this thread routes began: cpp-httplib runs the pre-routing hook, the
// handler and the logger of one request on one thread. Cleared by record(), so a request
// that skips the hook never takes another's start.
thread_local std::optional<SteadyClock::time_point> t_started;

std::string status_label(int status) { return status >= 100 && status <= 599 ? std::to_string(status) : "other"; }

}  // namespace

std::string_view method_label(std::string_view method) {
  for (const std::string_view known :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}) {
    if (method == known) return known;
  }
  return "other";
}

RequestMetrics::RequestMetrics(const std::vector<std::string>& templates)
    : routes_(templates),
      requests_(registry_.counter("livyd_http_requests_total",
                                  "HTTP requests answered, by route template, method and status.",
                                  {"route", "method", "status"})),
      durations_(registry_.histogram("livyd_http_request_duration_seconds",
                                     "Time from routing an HTTP request to having written its response, by route "
                                     "template and method.",
                                     metrics::http_latency_buckets(), {"route", "method"})) {}

void RequestMetrics::begin() { t_started = SteadyClock::now(); }

void RequestMetrics::record(const httplib::Request& req, const httplib::Response& res) {
  const std::optional<SteadyClock::time_point> started = t_started;
  t_started.reset();
  std::string route(routes_.match(req.path));
  std::string method(method_label(req.method));
  requests_.with({route, method, status_label(res.status)}).inc();
  if (started) {
    const std::chrono::duration<double> took = SteadyClock::now() - *started;
    durations_.with({std::move(route), std::move(method)}).observe(took.count());
  }
}

std::shared_ptr<RequestMetrics> make_request_metrics(const Config& config) {
  if (!config.metrics_enabled) return nullptr;
  return std::make_shared<RequestMetrics>(RouteTemplates::from_openapi(openapi_yaml()));
}

}  // namespace livy::http
