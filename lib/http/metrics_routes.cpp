// GET /metrics: Prometheus' text format (docs/metrics.md).
#include "http/request_metrics.h"
#include "http/route_util.h"
#include "metrics/text_format.h"

namespace livy::http {

void mount_metrics(httplib::Server& server, Runtime& runtime, std::shared_ptr<RequestMetrics> requests) {
  if (!requests) return;
  // Authentication and access control apply as to every route (mount_routes' hook).
  server.Get(route("/metrics"), [&runtime, requests](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(runtime.metrics_text() + requests->text(), metrics::kTextContentType);
  });
}

}  // namespace livy::http
