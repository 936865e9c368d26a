// Clock: the one way the library reads the time, so tests can drive it.
#pragma once

#include <chrono>
#include <memory>
#include <thread>

#include "livy/export.h"

namespace livy {

// Time source: wall time for what the wire shows (created, ended, idle since) and
// steady time for deadlines (start timeout, kill grace, long-poll waits). Passed in
// through RuntimeOptions; tests pass a manual clock to drive timeouts without
// sleeping. Only now() must be overridden: the others default to the system's
// steady clock, so a clock written for an older livyd keeps working.
class LIVY_API Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time: never jumps when the wall clock is set.
  virtual std::chrono::steady_clock::time_point steady_now() const { return std::chrono::steady_clock::now(); }
  // Lets `d` of this clock's steady time pass. Used only where nothing else can wake
  // livyd (a shutdown waiting for stopping process groups).
  virtual void sleep_for(std::chrono::milliseconds d) const { std::this_thread::sleep_for(d); }
};

// The real system clock (shared, stateless).
LIVY_API std::shared_ptr<Clock> system_clock();

// Milliseconds since the Unix epoch, as the wire format counts time.
inline long long to_epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace livy
