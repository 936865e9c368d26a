// Histogram: observations (latencies, in seconds) counted in fixed buckets.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "metrics/snapshot.h"

namespace livy::metrics {

// Lock-free: observe() finds its bucket by binary search over the bounds fixed at
// construction and makes two relaxed atomic adds (the bucket, the sum). A snapshot read
// while others observe may be one observation apart between the buckets and the sum;
// the count is the sum of the buckets, so the +Inf bucket and _count always agree.
class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, sorted ascending (sorted and deduplicated here);
  // +Inf is implied.
  explicit Histogram(std::vector<double> bounds);

  void observe(double value);
  HistogramValue snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Bucket bounds in seconds for the latencies livyd measures.
std::vector<double> http_latency_buckets();       // 1 ms .. 60 s (a long-poll may wait)
std::vector<double> store_write_buckets();        // 100 us .. 2.5 s
std::vector<double> statement_latency_buckets();  // 5 ms .. 1 h
std::vector<double> session_start_buckets();      // 1 s .. 10 min

}  // namespace livy::metrics
