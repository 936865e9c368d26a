// eventually(): waits for a condition another thread makes true, without a fixed sleep.
#pragma once

#include <chrono>
#include <thread>

namespace livy_test {

// Polls `condition` every millisecond until it holds (true) or `timeout` passes (false).
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace livy_test
