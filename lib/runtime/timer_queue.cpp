#include "runtime/timer_queue.h"

#include <vector>

#include "base/thread_name.h"

namespace livy {

TimerQueue::TimerQueue(std::shared_ptr<Clock> clock, std::chrono::milliseconds resolution,
                       std::function<void(Key)> fire)
    : clock_(std::move(clock)), resolution_(resolution), fire_(std::move(fire)) {}

TimerQueue::~TimerQueue() { stop(); }

void TimerQueue::start() {
  thread_ = std::thread([this] {
    name_this_thread("livyd-timers");
    run();
  });
}

void TimerQueue::stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TimerQueue::schedule(Key key, TimePoint when) {
  bool earliest = false;
  {
    MutexLock lock(mu_);
    if (const auto it = due_.find(key); it != due_.end()) {
      if (it->second <= when) return;
      queue_.erase({it->second, key});
      it->second = when;
    } else {
      due_.emplace(key, when);
    }
    queue_.emplace(when, key);
    earliest = queue_.begin()->second == key;
  }
  if (earliest) wake_.notify_all();
}

void TimerQueue::schedule_tick(Key key) {
  MutexLock lock(mu_);
  next_tick_.insert(key);
}

void TimerQueue::cancel(Key key) {
  MutexLock lock(mu_);
  next_tick_.erase(key);
  if (const auto it = due_.find(key); it != due_.end()) {
    queue_.erase({it->second, key});
    due_.erase(it);
  }
}

std::size_t TimerQueue::size() {
  MutexLock lock(mu_);
  return queue_.size() + next_tick_.size();
}

void TimerQueue::run() {
  using Real = std::chrono::steady_clock;  // the ticks' pace only: see the class comment
  std::vector<Key> fired;  // in deadline order, then the keys of the tick
  auto next_tick = Real::now() + resolution_;
  MutexLock lock(mu_);
  while (!stopping_) {
    const TimePoint now = clock_->steady_now();
    fired.clear();
    while (!queue_.empty() && queue_.begin()->first <= now) {
      fired.push_back(queue_.begin()->second);
      due_.erase(queue_.begin()->second);
      queue_.erase(queue_.begin());
    }
    const auto real_now = Real::now();
    if (real_now >= next_tick) {
      const std::set<Key> by_deadline(fired.begin(), fired.end());
      for (const Key key : next_tick_) {
        if (by_deadline.count(key) == 0) fired.push_back(key);
      }
      next_tick_.clear();
      next_tick = real_now + resolution_;
    }
    if (!fired.empty()) {
      lock.unlock();
      for (const Key key : fired) fire_(key);
      lock.lock();
      continue;
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_tick - real_now);
    if (!queue_.empty()) {
      wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(queue_.begin()->first - now));
    }
    wake_.wait_for(lock, std::min(wait, resolution_));
  }
}

}  // namespace livy
