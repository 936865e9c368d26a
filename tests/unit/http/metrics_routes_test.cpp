// GET /metrics and the per-request metrics: route templates, bounded labels, a real scrape.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "http/openapi_spec.h"
#include "http/request_metrics.h"
#include "http/route_templates.h"
#include "support/http_harness.h"
#include "support/test_runtime.h"

using Catch::Matchers::Contains;
using livy::http::RouteTemplates;
using livy_test::HttpHarness;
using livy_test::TestRuntime;

namespace {

// The samples of a text-format body: "name{labels}" -> value (comments skipped).
std::map<std::string, double> samples_of(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    const std::string key = line.substr(0, space);
    INFO(line);
    REQUIRE(out.count(key) == 0);  // each series once
    out[key] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::map<std::string, double> scrape(HttpHarness& h) {
  auto res = h.client().Get("/metrics");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return samples_of(res->body);
}

double value_of(const std::map<std::string, double>& samples, const std::string& key) {
  const auto it = samples.find(key);
  INFO(key);
  REQUIRE(it != samples.end());
  return it->second;
}

}  // namespace

TEST_CASE("a path maps to its route template, never to itself", "[metrics][http]") {
  const RouteTemplates routes({"/sessions", "/sessions/{id}", "/sessions/{id}/statements",
                               "/sessions/{id}/statements/{sid}", "/sessions/{id}/upload-{kind}",
                               "/sessions/{id}/upload-jar", "/openapi.yaml"});
  CHECK(routes.match("/sessions") == "/sessions");
  CHECK(routes.match("/sessions/") == "/sessions");
  CHECK(routes.match("//sessions//7/statements/") == "/sessions/{id}/statements");
  CHECK(routes.match("/sessions/my-name/statements/12") == "/sessions/{id}/statements/{sid}");
  CHECK(routes.match("/sessions/3/upload-jar") == "/sessions/{id}/upload-jar");  // the literal wins
  CHECK(routes.match("/sessions/3/upload-file") == "/sessions/{id}/upload-{kind}");
  CHECK(routes.match("/sessions/3/upload-") == RouteTemplates::kOther);
  CHECK(routes.match("/openapi.yaml") == "/openapi.yaml");
  CHECK(routes.match("/openapiXyaml") == RouteTemplates::kOther);
  CHECK(routes.match("/sessions/1/statements/2/3/4/5/6/7/8/9/10") == RouteTemplates::kOther);
  CHECK(routes.match("") == RouteTemplates::kOther);
  CHECK(routes.match("sessions") == RouteTemplates::kOther);
  CHECK(routes.match("/nothing/here") == RouteTemplates::kOther);
  CHECK(routes.match(std::string(100'000, '/') + "sessions") == "/sessions");
}

TEST_CASE("the built-in OpenAPI document gives a template to every route", "[metrics][http]") {
  const auto templates = RouteTemplates::from_openapi(livy::http::openapi_yaml());
  const RouteTemplates routes(templates);
  CHECK(routes.size() == templates.size());
  for (const char* t :
       {"/version", "/openapi.yaml", "/metrics", "/batches", "/batches/{id}/log", "/sessions/{id}",
        "/sessions/{id}/statements/{sid}/cancel", "/sessions/{id}/jobs/{jobid}", "/sessions/{id}/upload-pyfile"}) {
    INFO(t);
    CHECK(std::find(templates.begin(), templates.end(), t) != templates.end());
  }
  for (const std::string& t : templates) {
    INFO(t);
    CHECK(t.starts_with('/'));
    CHECK(t.find(':') == std::string::npos);
  }
  CHECK(routes.match("/sessions/5/statements/0/cancel") == "/sessions/{id}/statements/{sid}/cancel");
  CHECK(routes.match("/batches/x/log") == "/batches/{id}/log");
}

TEST_CASE("from_openapi reads only the keys of `paths:`", "[metrics][http]") {
  const std::string yaml =
      "openapi: 3.0.3\n"
      "info:\n"
      "  /not-a-path: x\n"
      "paths:\n"
      "  /a:\n"
      "    get:\n"
      "      summary: /b\n"
      "  # a comment\n"
      "  '/c/{id}':\r\n"
      "  /d/{x}/e:\n"
      "components:\n"
      "  /f:\n";
  CHECK(RouteTemplates::from_openapi(yaml) == std::vector<std::string>{"/a", "/c/{id}", "/d/{x}/e"});
}

TEST_CASE("a method label is one of HTTP's or `other`", "[metrics][http]") {
  CHECK(livy::http::method_label("GET") == "GET");
  CHECK(livy::http::method_label("PATCH") == "PATCH");
  CHECK(livy::http::method_label("get") == "other");
  CHECK(livy::http::method_label("BREW") == "other");
}

TEST_CASE("GET /metrics serves the text format with the runtime's and the requests' metrics", "[metrics][http]") {
  TestRuntime t;
  t.open();
  HttpHarness h(t.runtime());
  REQUIRE(h.client().Get("/version")->status == 200);
  auto res = h.client().Get("//metrics/");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  for (const char* family :
       {"livyd_sessions", "livyd_batches", "livyd_statements", "livyd_child_processes",
        "livyd_session_start_duration_seconds", "livyd_statement_duration_seconds",
        "livyd_store_write_duration_seconds", "livyd_driver_connects_total", "livyd_driver_reconnects_total",
        "livyd_driver_protocol_errors_total", "livyd_driver_channel_connections_total", "livyd_http_requests_total",
        "livyd_http_request_duration_seconds", "process_resident_memory_bytes", "process_open_fds",
        "process_start_time_seconds", "livyd_process_threads"}) {
    CHECK_THAT(res->body, Contains(std::string("# TYPE ") + family + " "));
  }
  const auto samples = samples_of(res->body);
  CHECK(value_of(samples, "livyd_http_requests_total{route=\"/version\",method=\"GET\",status=\"200\"}") == 1);
  CHECK(value_of(samples, "livyd_http_request_duration_seconds_count{route=\"/version\",method=\"GET\"}") == 1);
  CHECK(value_of(samples, "livyd_sessions{state=\"idle\"}") == 0);
  CHECK(value_of(samples, "livyd_batches{state=\"running\"}") == 0);
  CHECK(value_of(samples, "livyd_statements{state=\"available\",kind=\"pyspark\"}") == 0);
  CHECK(value_of(samples, "process_resident_memory_bytes") > 1'000'000);
  CHECK(value_of(samples, "process_open_fds") >= 3);
  CHECK(value_of(samples, "livyd_process_threads") > 1);
  const double started = value_of(samples, "process_start_time_seconds");
  const double now = static_cast<double>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  CHECK(started <= now + 1);
  CHECK(started > now - 24 * 3600);
}

TEST_CASE("10,000 requests with distinct ids and paths add no series", "[metrics][http]") {
  TestRuntime t;
  t.open();
  HttpHarness h(t.runtime());
  const auto round = [&h](int from, int to) {
    for (int i = from; i < to; ++i) {
      const std::string id = std::to_string(i);
      REQUIRE(h.client().Get("/sessions/" + id + "/statements")->status == 404);
      REQUIRE(h.client().Get("/no/such/" + id)->status == 404);
      REQUIRE(h.client().Delete("/batches/b" + id)->status == 404);
    }
  };
  round(0, 10);
  const auto before = scrape(h);
  round(10, 10'010);
  const auto after = scrape(h);
  // The same series (the first scrape's own request is in the second one: one more series
  // of GET /metrics); their values moved by what was sent.
  std::set<std::string> keys_before, keys_after;
  for (const auto& [k, v] : before) keys_before.insert(k);
  for (const auto& [k, v] : after) {
    if (k.find("route=\"/metrics\"") == std::string::npos) keys_after.insert(k);
  }
  for (auto it = keys_before.begin(); it != keys_before.end();) {
    it = it->find("route=\"/metrics\"") != std::string::npos ? keys_before.erase(it) : std::next(it);
  }
  CHECK(keys_after == keys_before);
  CHECK(
      value_of(after, "livyd_http_requests_total{route=\"/sessions/{id}/statements\",method=\"GET\",status=\"404\"}") ==
      10'010);
  CHECK(value_of(after, "livyd_http_requests_total{route=\"other\",method=\"GET\",status=\"404\"}") == 10'010);
  CHECK(value_of(after, "livyd_http_requests_total{route=\"/batches/{id}\",method=\"DELETE\",status=\"404\"}") ==
        10'010);
  CHECK(value_of(after, "livyd_http_request_duration_seconds_count{route=\"other\",method=\"GET\"}") == 10'010);
  for (const auto& [k, v] : after) CHECK(k.find("10009") == std::string::npos);
}

TEST_CASE("the runtime's gauges follow its batches; two runtimes keep their own", "[metrics][http]") {
  TestRuntime a, b;
  a.open();
  b.open();
  HttpHarness ha(a.runtime()), hb(b.runtime());
  livy::BatchRequest request;
  request.file = a.job_file();
  auto batch = a.batches().submit(request);
  REQUIRE(batch);
  auto sa = scrape(ha);
  CHECK(value_of(sa, "livyd_batches{state=\"starting\"}") + value_of(sa, "livyd_batches{state=\"running\"}") == 1);
  CHECK(value_of(sa, "livyd_child_processes") == 1);
  CHECK(value_of(sa, "livyd_store_write_duration_seconds_count{durability=\"synced\"}") >= 1);  // the insert
  const auto sb = scrape(hb);
  CHECK(value_of(sb, "livyd_batches{state=\"starting\"}") == 0);
  CHECK(value_of(sb, "livyd_child_processes") == 0);
  CHECK(sb.count("livyd_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"}") == 0);

  a.launcher().exit(livy_test::ScriptedLauncher::kFirstPid, 0);
  REQUIRE(a.batches().wait("0", std::chrono::seconds(5))->state == livy::BatchState::kSuccess);
  sa = scrape(ha);
  CHECK(value_of(sa, "livyd_batches{state=\"success\"}") == 1);
  CHECK(value_of(sa, "livyd_child_processes") == 0);
  CHECK(value_of(sa, "livyd_batches{state=\"starting\"}") == 0);
  // The scrapes of `a` are counted by `a` alone (a scrape is counted once answered: the first one).
  CHECK(value_of(sa, "livyd_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"}") == 1);
  CHECK(samples_of(hb.client().Get("/metrics")->body)
            .at("livyd_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"}") == 1);
}

TEST_CASE("metrics.enabled false: no /metrics, Runtime::metrics_text still works", "[metrics][http]") {
  TestRuntime t;
  t.config().metrics_enabled = false;
  t.open();
  HttpHarness h(t.runtime());
  auto res = h.client().Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 404);
  CHECK_THAT(t.runtime().metrics_text(), Contains("livyd_sessions{state=\"idle\"} 0\n"));
}
