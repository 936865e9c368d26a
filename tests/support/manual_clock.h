// ManualClock: a livy::Clock that moves only when a test moves it.
#pragma once

#include <chrono>
#include <mutex>

#include "livy/clock.h"

namespace livy_test {

// Starts at a fixed, recognisable instant; thread-safe (the runtime's monitor reads it).
class ManualClock final : public livy::Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;

  explicit ManualClock(time_point start = time_point(std::chrono::milliseconds(1'700'000'000'000)))
      : now_(start) {}

  time_point now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }

  void set(time_point t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }

  void advance(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;  // guards now_
  time_point now_;
};

}  // namespace livy_test
