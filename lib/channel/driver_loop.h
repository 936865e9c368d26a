// What a driver connection shares with the listener's event loop (lib/channel's own).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace livy {

class DriverConnection;

// The epoll set of the listener's event loop, the eventfd that wakes it, and the
// connections whose output started to wait (the loop watches those for the send
// timeout). Shared by the listener and its connections, so a connection that outlives
// the listener (a session still holds it) never points at freed memory.
class DriverLoop {
 public:
  DriverLoop(int epoll_fd, int wake_fd, std::chrono::milliseconds send_timeout, std::size_t max_dispatch_backlog)
      : epoll_fd(epoll_fd), wake_fd(wake_fd), send_timeout(send_timeout), max_dispatch_backlog(max_dispatch_backlog) {}
  ~DriverLoop();  // closes both descriptors
  DriverLoop(const DriverLoop&) = delete;
  DriverLoop& operator=(const DriverLoop&) = delete;

  void wake();
  // A connection's output waits now: the loop checks that it moves within send_timeout.
  void note_stalled(std::weak_ptr<DriverConnection> connection);
  std::vector<std::weak_ptr<DriverConnection>> take_stalled();
  // A TLS connection holds decrypted bytes the socket will not report (reading resumed, or a
  // round ended at its limit): the loop reads it again without waiting for epoll.
  void note_readable(std::weak_ptr<DriverConnection> connection);
  std::vector<std::weak_ptr<DriverConnection>> take_readable();

  const int epoll_fd;
  const int wake_fd;  // eventfd
  const std::chrono::milliseconds send_timeout;
  // The bytes of lines read from one connection and not yet handled by the sessions, beyond
  // which the loop stops reading it until they are (sessions.driver-max-backlog-bytes): a
  // driver cannot make livyd hold more than this (plus one line) by writing faster than its
  // session takes its messages.
  const std::size_t max_dispatch_backlog;
  std::atomic<bool> stopping{false};

 private:
  std::mutex mu_;  // guards stalled_ and readable_
  std::vector<std::weak_ptr<DriverConnection>> stalled_;
  std::vector<std::weak_ptr<DriverConnection>> readable_;
};

}  // namespace livy
