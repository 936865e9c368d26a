// TimerQueue: deadlines by key, in a clock's steady time, served by one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <utility>

#include "base/thread_annotations.h"
#include "livy/clock.h"

namespace livy {

// A key (a session's id, say) is due once at the earliest time it was scheduled for (in
// the clock's steady time), or at the next tick when it asked for one; the queue's thread
// (owned, joined by stop()) then calls `fire(key)` with no lock held, and `fire` schedules
// the key again if it wants another turn. Ticks come every `resolution` of real time: they
// pace work that polls the outside world (a child's output file), which a manual clock
// cannot drive. The thread also looks at the clock at least every `resolution`, so a manual
// clock moved by a test is noticed within it; with nothing due that look is a comparison.
class TimerQueue {
 public:
  using Key = std::int64_t;
  using TimePoint = std::chrono::steady_clock::time_point;

  TimerQueue(std::shared_ptr<Clock> clock, std::chrono::milliseconds resolution, std::function<void(Key)> fire);
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  void start();
  void stop() EXCLUDES(mu_);  // idempotent; no `fire` runs after it returns
  // Due at `when`, unless already due earlier.
  void schedule(Key key, TimePoint when) EXCLUDES(mu_);
  // Due at the next tick.
  void schedule_tick(Key key) EXCLUDES(mu_);
  void cancel(Key key) EXCLUDES(mu_);
  std::size_t size() EXCLUDES(mu_);  // keys waiting; for tests

 private:
  void run() EXCLUDES(mu_);

  const std::shared_ptr<Clock> clock_;
  const std::chrono::milliseconds resolution_;
  const std::function<void(Key)> fire_;
  Mutex mu_;
  CondVar wake_;  // an earlier deadline was scheduled, or stop
  std::set<std::pair<TimePoint, Key>> queue_ GUARDED_BY(mu_);  // by deadline
  std::map<Key, TimePoint> due_ GUARDED_BY(mu_);                // each key's entry in queue_
  std::set<Key> next_tick_ GUARDED_BY(mu_);                     // due at the next tick
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // owned; joined by stop()
};

}  // namespace livy
