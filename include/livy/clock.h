// Clock: the one way the library reads the time, so tests can drive it.
#pragma once

#include <chrono>
#include <memory>

#include "livy/export.h"

namespace livy {

// Wall-clock time source. Passed in through RuntimeOptions; tests pass a
// manual clock to drive timeouts without sleeping.
class LIVY_API Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};

// The real system clock (shared, stateless).
LIVY_API std::shared_ptr<Clock> system_clock();

// Milliseconds since the Unix epoch, as the wire format counts time.
inline long long to_epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace livy
