// A small fixed pool of threads that runs work in order per key.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace livy {

// Runs posted work on a fixed number of threads (owned, joined by stop()). Each key
// belongs to one thread, so work posted with the same key runs one at a time, in the
// order it was posted; work of different keys may run at the same time. The driver
// channel posts every event of one connection with its session id as the key.
class DispatchPool {
 public:
  explicit DispatchPool(std::size_t threads);
  ~DispatchPool();  // stop()
  DispatchPool(const DispatchPool&) = delete;
  DispatchPool& operator=(const DispatchPool&) = delete;

  void post(std::uint64_t key, std::function<void()> work);
  // Runs everything posted so far, then joins the threads. Idempotent. Work posted
  // afterwards runs at once on the caller's thread (nothing is lost).
  void stop();
  std::size_t threads() const { return lanes_.size(); }

 private:
  struct Lane {
    std::mutex mu;                          // guards work and stopping
    std::condition_variable ready;          // work was posted, or stopping was set
    std::deque<std::function<void()>> work;
    bool stopping = false;
    std::thread thread;                     // owned; joined by stop()
  };
  static void run(Lane& lane);

  std::vector<std::unique_ptr<Lane>> lanes_;
};

}  // namespace livy
