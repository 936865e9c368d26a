// lib/metrics: counters, gauges, histograms and their families in a registry.
#include "metrics/registry.h"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "metrics/core_metrics.h"
#include "metrics/histogram.h"

using livy::metrics::Histogram;
using livy::metrics::MetricType;
using livy::metrics::Registry;

TEST_CASE("a histogram puts a value equal to a bound in that bound's bucket, and above all in +Inf", "[metrics]") {
  Histogram h({1, 0.5, 2, 1});  // unsorted, with a duplicate: sorted and deduplicated
  REQUIRE(h.bounds() == std::vector<double>{0.5, 1, 2});
  for (const double v : {0.1, 0.5, 0.75, 1.0, 2.0, 3.0, 100.0}) h.observe(v);
  const auto snap = h.snapshot();
  CHECK(snap.counts == std::vector<std::uint64_t>{2, 2, 1, 2});
  CHECK(snap.sum == Approx(107.35));
}

TEST_CASE("observations from many threads are all counted", "[metrics]") {
  Registry r;
  auto& counter = r.counter("c_total", "c").with({});
  auto& hist = r.histogram("h_seconds", "h", {0.5}).with({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        counter.inc();
        hist.observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(counter.value() == 40'000);
  const auto snap = hist.snapshot();
  CHECK(snap.counts == std::vector<std::uint64_t>{20'000, 20'000});
  CHECK(snap.sum == Approx(20'000 * 0.25 + 20'000 * 1.0));
}

TEST_CASE("a family makes one series per combination of label values and keeps it", "[metrics]") {
  Registry r;
  auto& family = r.counter("requests_total", "requests", {"route", "status"});
  auto& ok = family.with({"/a", "200"});
  ok.inc();
  family.with({"/a", "200"}).inc(2);
  family.with({"/a", "404"}).inc();
  CHECK(&family.with({"/a", "200"}) == &ok);
  CHECK(ok.value() == 3);
  CHECK(family.size() == 2);
  const auto families = r.collect();
  REQUIRE(families.size() == 1);
  CHECK(families[0].name == "requests_total");
  CHECK(families[0].type == MetricType::kCounter);
  REQUIRE(families[0].series.size() == 2);
  CHECK(families[0].series[0].labels == livy::metrics::Labels{{"route", "/a"}, {"status", "200"}});
  CHECK(families[0].series[0].value == 3);
  CHECK(families[0].series[1].labels == livy::metrics::Labels{{"route", "/a"}, {"status", "404"}});
}

TEST_CASE("collect() gives the stored families in order, then the collectors'", "[metrics]") {
  Registry r;
  r.gauge("g", "a gauge").with({}).set(-3);
  int calls = 0;
  r.add_collector([&calls](std::vector<livy::metrics::FamilySnapshot>& out) {
    ++calls;
    out.push_back({"computed", "at scrape time", MetricType::kGauge, {{{}, static_cast<double>(calls), {}}}});
  });
  r.counter("c_total", "a counter").with({}).inc();
  auto first = r.collect();
  REQUIRE(first.size() == 3);
  CHECK(first[0].name == "g");
  CHECK(first[0].series[0].value == -3);
  CHECK(first[1].name == "c_total");
  CHECK(first[2].name == "computed");
  CHECK(first[2].series[0].value == 1);
  CHECK(r.collect()[2].series[0].value == 2);  // computed again at each scrape
}

TEST_CASE("two CoreMetrics share nothing", "[metrics]") {
  livy::metrics::CoreMetrics a, b;
  a.driver_connects.inc();
  a.store_write_synced.observe(0.001);
  a.child_processes.add(2);
  CHECK(b.driver_connects.value() == 0);
  CHECK(b.store_write_synced.snapshot().counts[3] == 0);
  CHECK(b.child_processes.value() == 0);
  CHECK(a.registry.text() != b.registry.text());
  CHECK_THAT(a.registry.text(), Catch::Matchers::Contains("livyd_driver_connects_total 1\n"));
  CHECK_THAT(b.registry.text(), Catch::Matchers::Contains("livyd_driver_connects_total 0\n"));
}
