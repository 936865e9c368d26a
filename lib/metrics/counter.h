// Counter: a count that only goes up (requests served, drivers connected).
#pragma once

#include <atomic>
#include <cstdint>

namespace livy::metrics {

// Lock-free: inc() is one relaxed atomic add, safe from any thread and under any lock.
// Owned by its Family (registry.h), which hands out references that stay valid as long
// as the registry lives.
class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

}  // namespace livy::metrics
