// Gauge: a value that goes up and down (child processes running now).
#pragma once

#include <atomic>
#include <cstdint>

namespace livy::metrics {

// Lock-free, as Counter. Only for values whose every rise has its fall in the same place
// (ChildProcess adds one when its process starts and takes it off when it ends): values
// that are states of the runtime (sessions by state) are counted at scrape time instead,
// by a Registry collector, so they cannot drift.
class Gauge {
 public:
  void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t n) { value_.store(n, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

}  // namespace livy::metrics
