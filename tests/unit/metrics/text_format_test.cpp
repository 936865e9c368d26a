// lib/metrics/text_format: Prometheus' text exposition format 0.0.4, byte for byte.
#include "metrics/text_format.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "metrics/registry.h"

using livy::metrics::encode_text;
using livy::metrics::format_value;
using livy::metrics::Registry;

TEST_CASE("a small registry encodes exactly", "[metrics]") {
  Registry r;
  auto& requests = r.counter("app_requests_total", "Requests answered.", {"route", "status"});
  requests.with({"/b", "200"}).inc(3);
  requests.with({"/a", "404"}).inc();
  r.gauge("app_children", "Children running.").with({}).set(2);
  auto& latency = r.histogram("app_latency_seconds", "Latency.", {0.1, 1}, {"route"});
  auto& a = latency.with({"/a"});
  a.observe(0.05);
  a.observe(0.1);  // on the bound: in its bucket
  a.observe(0.5);
  a.observe(7);
  CHECK(r.text() ==
        "# HELP app_requests_total Requests answered.\n"
        "# TYPE app_requests_total counter\n"
        "app_requests_total{route=\"/a\",status=\"404\"} 1\n"
        "app_requests_total{route=\"/b\",status=\"200\"} 3\n"
        "# HELP app_children Children running.\n"
        "# TYPE app_children gauge\n"
        "app_children 2\n"
        "# HELP app_latency_seconds Latency.\n"
        "# TYPE app_latency_seconds histogram\n"
        "app_latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
        "app_latency_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"
        "app_latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
        "app_latency_seconds_sum{route=\"/a\"} 7.65\n"
        "app_latency_seconds_count{route=\"/a\"} 4\n");
}

TEST_CASE("label values and help text are escaped", "[metrics]") {
  CHECK(livy::metrics::escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(livy::metrics::escape_help("x\\y\nz \"q\"") == "x\\\\y\\nz \"q\"");  // quotes stay in help
  Registry r;
  r.counter("c_total", "line one\nline two", {"path"}).with({"say \"hi\"\\\n"}).inc();
  CHECK(r.text() ==
        "# HELP c_total line one\\nline two\n"
        "# TYPE c_total counter\n"
        "c_total{path=\"say \\\"hi\\\"\\\\\\n\"} 1\n");
}

TEST_CASE("a histogram with no observation still has every bucket, _sum and _count", "[metrics]") {
  Registry r;
  r.histogram("h_seconds", "h", {0.25}).with({});
  CHECK(r.text() ==
        "# HELP h_seconds h\n"
        "# TYPE h_seconds histogram\n"
        "h_seconds_bucket{le=\"0.25\"} 0\n"
        "h_seconds_bucket{le=\"+Inf\"} 0\n"
        "h_seconds_sum 0\n"
        "h_seconds_count 0\n");
}

TEST_CASE("sample values: integers whole, fractions shortest, infinities and NaN by name", "[metrics]") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(1'000'000) == "1000000");
  CHECK(format_value(-42) == "-42");
  CHECK(format_value(0.005) == "0.005");
  CHECK(format_value(0.0001) == "0.0001");
  CHECK(format_value(0.00025) == "0.00025");
  CHECK(format_value(1.5e-7) == "1.5e-07");
  CHECK(format_value(1e300) == "1e+300");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_value(std::nan("")) == "NaN");
  CHECK(std::stod(format_value(0.1 + 0.2)) == 0.1 + 0.2);  // reads back as the same double
}

TEST_CASE("the content type is the text format's, version 0.0.4", "[metrics]") {
  CHECK(std::string(livy::metrics::kTextContentType) == "text/plain; version=0.0.4; charset=utf-8");
}
