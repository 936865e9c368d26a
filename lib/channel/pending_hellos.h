// Connections to the driver channel that have not said hello yet.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "channel/channel_tls.h"

namespace livy {

// The connections accepted on the driver channel whose first line has not arrived yet,
// read by the listener's event loop thread alone (each is in the loop's epoll set while
// it waits): no thread per connection, and nothing here is shared (only the counters
// are read by others).
// Anyone on the host can connect, so every connection is bounded before it is
// trusted: its first line may be at most `max_line_bytes` long and must be complete
// within `timeout` of the accept (one deadline for the whole line, however it is
// dripped), and at most `max_pending` connections wait at once. When a new one
// arrives beyond that, the oldest is closed: a real driver writes its hello as soon as
// it is connected, so the oldest is the one least likely to be a driver, and a flood
// cannot lock drivers out as it could if new connections were refused instead.
// With TLS, the handshake comes first, within the same deadline.
class PendingHellos {
 public:
  struct Limits {
    std::size_t max_line_bytes = 4096;
    std::chrono::milliseconds timeout{10'000};
    std::size_t max_pending = 64;
  };
  // A first line that arrived whole: the connection (non-blocking, still in the epoll set,
  // with data.fd = fd) is the caller's now.
  struct Hello {
    int fd = -1;
    std::string line;  // without its newline
    std::string rest;  // what came after the newline (a driver sends nothing more before welcome)
    std::unique_ptr<ChannelTlsStream> tls;  // the connection's TLS (null: plain TCP)
    std::uint32_t events = 0;               // its interest in the epoll set now
  };
  // What the pending connections hold and what became of them.
  struct Counters {
    std::size_t pending = 0;            // connections waiting for their hello now
    std::size_t buffered_bytes = 0;     // bytes read from them and held now
    std::size_t most_pending = 0;       // the highest `pending` so far
    std::size_t most_buffered_bytes = 0;  // the highest `buffered_bytes` so far
    std::uint64_t hellos = 0;           // first lines handed over
    std::uint64_t too_long = 0;         // closed: no newline within max_line_bytes
    std::uint64_t timed_out = 0;        // closed: no whole line within the timeout
    std::uint64_t evicted = 0;          // closed as the oldest when max_pending were waiting
    std::uint64_t ended = 0;            // closed by the peer (or broken) before a whole line
    std::uint64_t tls_failed = 0;       // closed: a failed TLS handshake or a bad record
  };
  using Clock = std::chrono::steady_clock;

  // `epoll_fd`: the loop's epoll set, to which add() adds each connection (EPOLLIN, data.fd).
  // `tls`: null for plain TCP; else each connection does a TLS handshake before its hello.
  PendingHellos(Limits limits, int epoll_fd, std::shared_ptr<ChannelTlsContext> tls = nullptr)
      : limits_(limits), epoll_fd_(epoll_fd), tls_(std::move(tls)) {}
  ~PendingHellos();  // closes the connections still waiting
  PendingHellos(const PendingHellos&) = delete;
  PendingHellos& operator=(const PendingHellos&) = delete;

  // Takes a newly accepted (non-blocking) connection and adds it to the epoll set. When
  // max_pending are waiting, the oldest is read a last time and closed if its line is still
  // incomplete. Lines completed meanwhile go to `out`.
  void add(int fd, Clock::time_point now, std::vector<Hello>& out);
  // After epoll reported `fd`: false if it is not a waiting connection. Else reads it,
  // closes it if it ended or went over the line limit, and moves a completed line to `out`.
  bool on_readable(int fd, std::vector<Hello>& out);
  // Closes the connections whose deadline has passed; the milliseconds until the next
  // deadline, or -1 when none is waiting (an epoll_wait() timeout).
  int expire(Clock::time_point now);
  // Closes every waiting connection (the listener stopping).
  void close_all();
  Counters counters() const;

 private:
  struct Pending {
    int fd;
    Clock::time_point deadline;
    std::string buffer;
    std::unique_ptr<ChannelTlsStream> tls;
    std::uint32_t events = 0;  // the epoll interest: EPOLLOUT while TLS waits to write
  };
  enum class Read { kWaiting, kLine, kTooLong, kClosed, kTlsFailed };
  // The TLS handshake, then a read: n > 0 bytes read; else 0, and in `stop` why not
  // (kWaiting, with the epoll interest set to what TLS waits for).
  std::size_t read_tls(Pending& p, char* chunk, std::size_t size, Read& stop);
  void want(Pending& p, std::uint32_t events);
  void close_why(std::list<Pending>::iterator it, Read why);  // for kTooLong, kClosed, kTlsFailed
  // Reads what has arrived, never holding more than max_line_bytes + 1 bytes.
  Read read(Pending& p, std::vector<Hello>& out);
  void close(std::list<Pending>::iterator it, std::atomic<std::uint64_t>& why);
  void hand_over(std::list<Pending>::iterator it);  // its line went to `out`
  void note_sizes();

  const Limits limits_;
  const int epoll_fd_;
  const std::shared_ptr<ChannelTlsContext> tls_;
  std::list<Pending> pending_;  // oldest first; all deadlines are accept time + timeout, so also by deadline
  std::unordered_map<int, std::list<Pending>::iterator> by_fd_;  // every entry of pending_
  std::size_t buffered_bytes_ = 0;
  // Read by other threads (DriverListener::stats()); written by the loop thread only.
  std::atomic<std::size_t> pending_count_{0}, buffered_count_{0}, most_pending_{0}, most_buffered_{0};
  std::atomic<std::uint64_t> hellos_{0}, too_long_{0}, timed_out_{0}, evicted_{0}, ended_{0}, tls_failed_{0};
};

}  // namespace livy
