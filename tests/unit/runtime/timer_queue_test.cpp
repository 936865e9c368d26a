// TimerQueue: deadlines on the injected clock, each key due once at its earliest time.
#include <catch2/catch.hpp>

#include <mutex>
#include <vector>

#include "runtime/timer_queue.h"
#include "support/eventually.h"
#include "support/manual_clock.h"

namespace {

using namespace std::chrono_literals;
using livy_test::eventually;

struct Fired {
  std::mutex mu;
  std::vector<livy::TimerQueue::Key> keys;
  std::vector<livy::TimerQueue::Key> get() {
    std::lock_guard lock(mu);
    return keys;
  }
};

}  // namespace

TEST_CASE("timer queue: due on the manual clock, earliest first, once per schedule", "[timer_queue]") {
  auto clock = std::make_shared<livy_test::ManualClock>();
  Fired fired;
  livy::TimerQueue timers(clock, 5ms, [&](livy::TimerQueue::Key key) {
    std::lock_guard lock(fired.mu);
    fired.keys.push_back(key);
  });
  timers.start();
  const auto t0 = clock->steady_now();
  timers.schedule(1, t0 + 10s);
  timers.schedule(2, t0 + 5s);
  timers.schedule(2, t0 + 8s);  // later than its deadline: changes nothing
  timers.schedule(3, t0 + 30s);
  timers.schedule(3, t0 + 7s);  // earlier: moves it
  timers.schedule(4, t0 + 1s);
  timers.cancel(4);
  CHECK_FALSE(eventually([&] { return !fired.get().empty(); }, 50ms));  // the clock has not moved

  clock->advance(6s);
  REQUIRE(eventually([&] { return fired.get().size() == 1; }));
  CHECK(fired.get() == std::vector<livy::TimerQueue::Key>{2});
  clock->advance(4s);
  REQUIRE(eventually([&] { return fired.get().size() == 3; }));
  CHECK(fired.get() == std::vector<livy::TimerQueue::Key>{2, 3, 1});
  clock->advance(1h);
  CHECK_FALSE(eventually([&] { return fired.get().size() > 3; }, 50ms));  // each fired once
  CHECK(timers.size() == 0);
  timers.stop();
}

TEST_CASE("timer queue: a tick comes without the clock moving", "[timer_queue]") {
  auto clock = std::make_shared<livy_test::ManualClock>();
  Fired fired;
  livy::TimerQueue timers(clock, 5ms, [&](livy::TimerQueue::Key key) {
    std::lock_guard lock(fired.mu);
    fired.keys.push_back(key);
  });
  timers.start();
  timers.schedule_tick(7);
  timers.schedule_tick(7);  // once per tick
  REQUIRE(eventually([&] { return fired.get().size() == 1; }));
  CHECK_FALSE(eventually([&] { return fired.get().size() > 1; }, 50ms));
  timers.stop();
  timers.schedule_tick(8);  // after stop: never fired
  CHECK(fired.get() == std::vector<livy::TimerQueue::Key>{7});
}
