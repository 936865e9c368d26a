#include "channel/dispatch_pool.h"

#include <algorithm>
#include <utility>

#include "base/thread_name.h"

namespace livy {

DispatchPool::DispatchPool(std::size_t threads) {
  lanes_.reserve(std::max<std::size_t>(1, threads));
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i) {
    lanes_.push_back(std::make_unique<Lane>());
    Lane& lane = *lanes_.back();
    lane.thread = std::thread([&lane] {
      name_this_thread("livyd-dispatch");
      run(lane);
    });
  }
}

DispatchPool::~DispatchPool() { stop(); }

void DispatchPool::post(std::uint64_t key, std::function<void()> work) {
  Lane& lane = *lanes_[key % lanes_.size()];
  {
    std::lock_guard lock(lane.mu);
    if (!lane.stopping) {
      lane.work.push_back(std::move(work));
      lane.ready.notify_one();
      return;
    }
  }
  work();
}

void DispatchPool::stop() {
  for (auto& lane : lanes_) {
    std::lock_guard lock(lane->mu);
    lane->stopping = true;
    lane->ready.notify_one();
  }
  for (auto& lane : lanes_) {
    if (lane->thread.joinable()) lane->thread.join();
  }
}

void DispatchPool::run(Lane& lane) {
  for (;;) {
    std::function<void()> work;
    {
      std::unique_lock lock(lane.mu);
      lane.ready.wait(lock, [&] { return lane.stopping || !lane.work.empty(); });
      if (lane.work.empty()) return;  // stopping, and all is done
      work = std::move(lane.work.front());
      lane.work.pop_front();
    }
    work();  // and what it holds (a connection, say) is released here, before the next wait
  }
}

}  // namespace livy
