#include "metrics/histogram.h"

#include <algorithm>
#include <cmath>

namespace livy::metrics {

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  std::erase_if(bounds_, [](double b) { return std::isnan(b) || std::isinf(b); });  // +Inf is implied
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  counts_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;
  // Prometheus buckets are `le`: a value equal to a bound belongs to that bound's bucket.
  const auto at = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[at].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramValue Histogram::snapshot() const {
  HistogramValue v;
  v.bounds = bounds_;
  v.counts.reserve(bounds_.size() + 1);
  for (std::size_t i = 0; i <= bounds_.size(); ++i) v.counts.push_back(counts_[i].load(std::memory_order_relaxed));
  v.sum = sum_.load(std::memory_order_relaxed);
  return v;
}

std::vector<double> http_latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}
std::vector<double> store_write_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}
std::vector<double> statement_latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
}
std::vector<double> session_start_buckets() { return {1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600}; }

}  // namespace livy::metrics
