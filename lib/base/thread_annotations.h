// Clang's thread-safety annotations (-Wthread-safety), and a mutex, scoped lock and
// condition variable that carry them. libstdc++'s std::mutex is not annotated, so
// code whose shared members say GUARDED_BY(mu_) uses livy::Mutex for `mu_`. With
// GCC the annotations are empty: the clang build (CI's fuzz build) checks them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define LIVY_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define LIVY_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) LIVY_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY LIVY_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) LIVY_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) LIVY_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) LIVY_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) LIVY_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) LIVY_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) LIVY_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) LIVY_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) LIVY_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) LIVY_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) LIVY_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) LIVY_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS LIVY_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace livy {

class CondVar;

// A std::mutex the analysis knows about.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex for its scope (like std::unique_lock: it may be released and taken again).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void unlock() RELEASE() { lock_.unlock(); }
  void lock() ACQUIRE() { lock_.lock(); }

 private:
  friend class CondVar;
  std::unique_lock<std::mutex> lock_;
};

// A condition variable waited on with a MutexLock. It belongs to what it announces (one
// session, one queue), so a notify wakes only the threads that wait for that.
class CondVar {
 public:
  void wait(MutexLock& lock) { cv_.wait(lock.lock_); }
  // Waits at most `d` (a negative one does not wait); true if it timed out.
  template <typename Rep, typename Period>
  bool wait_for(MutexLock& lock, std::chrono::duration<Rep, Period> d) {
    return cv_.wait_for(lock.lock_, d) == std::cv_status::timeout;
  }
  void notify_all() { cv_.notify_all(); }
  void notify_one() { cv_.notify_one(); }

 private:
  std::condition_variable cv_;
};

}  // namespace livy
