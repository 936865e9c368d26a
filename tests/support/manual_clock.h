// ManualClock: a livy::Clock that moves only when a test moves it.
#pragma once

#include <chrono>
#include <mutex>
#include <thread>

#include "livy/clock.h"

namespace livy_test {

// Starts at a fixed, recognisable instant; thread-safe (the runtime's threads read it).
// advance() moves wall and steady time together; set() moves the wall time alone (a
// clock being set); sleep_for() is the clock moving by that much (livyd sleeps only
// while it shuts down, waiting for process groups to stop).
class ManualClock final : public livy::Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  using steady_time_point = std::chrono::steady_clock::time_point;

  explicit ManualClock(time_point start = time_point(std::chrono::milliseconds(1'700'000'000'000)))
      : now_(start), steady_(std::chrono::hours(1)) {}

  time_point now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }

  steady_time_point steady_now() const override {
    std::lock_guard lock(mu_);
    return steady_;
  }

  void sleep_for(std::chrono::milliseconds d) const override {
    {
      std::lock_guard lock(mu_);
      now_ += d;
      steady_ += d;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // let the other threads run
  }

  void set(time_point t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }

  void advance(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    now_ += d;
    steady_ += d;
  }

 private:
  mutable std::mutex mu_;  // guards now_ and steady_
  mutable time_point now_;  // mutable: a sleep moves the clock
  mutable steady_time_point steady_;
};

}  // namespace livy_test
