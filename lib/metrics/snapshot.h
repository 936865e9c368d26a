// What a scrape reads: plain values of every metric family, encoded by text_format.h.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace livy::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

// Label names and values, in the order they are written.
using Labels = std::vector<std::pair<std::string, std::string>>;

// A histogram's state: `counts[i]` observations fell in bucket i (not cumulative), the
// bucket of values <= bounds[i]; counts has one more element, the values above every bound.
struct HistogramValue {
  std::vector<double> bounds;
  std::vector<std::uint64_t> counts;
  double sum = 0;
};

// One series of a family: its labels and its value (`histogram` for a histogram).
struct Series {
  Labels labels;
  double value = 0;
  HistogramValue histogram;
};

// A metric family as Prometheus sees it: one name, help text, type and its series.
struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<Series> series;
};

}  // namespace livy::metrics
