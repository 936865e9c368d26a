// Clock: the one way the library reads the time, so tests can drive it.
#pragma once

#include <chrono>
#include <memory>

namespace livy {

// Wall-clock time source. Passed in through RuntimeOptions; tests pass a
// manual clock to drive timeouts without sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};

// The real system clock (shared, stateless).
std::shared_ptr<Clock> system_clock();

// Milliseconds since the Unix epoch, as the wire format counts time.
inline long long to_epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace livy
