// The TCP channel drivers connect back on: a listener, and one connection per driver.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "wire/driver_messages.h"
#include "channel/pending_hellos.h"
#include "livy/status.h"

namespace livy {

class DriverConnection;

// What the channel tells its owner. on_hello is called on the listener's acceptor thread
// (so it must not wait for another driver), on_message and on_closed on the connection's
// reader thread (on_closed on the acceptor thread for a driver accepted while the listener stops).
class DriverEvents {
 public:
  virtual ~DriverEvents() = default;
  // A driver said hello: true accepts it (the secret matched a session waiting for it).
  virtual bool on_hello(const DriverMessage& hello, const std::shared_ptr<DriverConnection>& connection) = 0;
  virtual void on_message(std::int64_t session_id, const DriverMessage& message) = 0;
  // The connection of an accepted driver ended (either side closed it, or it broke).
  virtual void on_closed(std::int64_t session_id, const DriverConnection* connection) = 0;
};

// One driver's connection. send() never blocks: it queues the line for the
// connection's writer thread (owned, joined by the destructor). A driver that
// does not read for `send_timeout`, or lets more than `max_queued_bytes` pile
// up, is disconnected.
class DriverConnection {
 public:
  DriverConnection(int fd, std::chrono::milliseconds send_timeout, std::size_t max_queued_bytes);
  ~DriverConnection();
  DriverConnection(const DriverConnection&) = delete;
  DriverConnection& operator=(const DriverConnection&) = delete;

  // False when the connection is closed (or was just closed for being too slow).
  bool send(std::string line);
  void close();
  // Closes once what is queued has been written (a last `shutdown`, say).
  void close_when_sent();
  bool closed() const { return closed_; }
  std::int64_t session_id() const { return session_id_; }

 private:
  friend class DriverListener;
  void write_loop();

  const int fd_;
  const std::size_t max_queued_bytes_;
  std::atomic<bool> closed_{false};
  std::atomic<std::int64_t> session_id_{-1};
  std::mutex mu_;               // guards queue_ and queued_bytes_
  std::condition_variable ready_;  // a line was queued, or the connection closed
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool draining_ = false;       // close_when_sent() was called
  std::thread writer_;          // owned; joined by the destructor
};

// Limits of the driver channel (the Config keys sessions.driver-*; see include/livy/config.h).
struct DriverChannelOptions {
  std::string host = "127.0.0.1";
  int port = 0;                                       // 0: any free port
  std::size_t max_message_bytes = 64 << 20;           // after the hello: a longer line closes the connection
  std::size_t max_hello_bytes = 4096;                 // before it: a longer first line closes the connection
  std::chrono::milliseconds hello_timeout{10'000};    // from the accept to the end of the hello line, in all
  std::size_t max_pending = 64;                       // connections without a hello yet; a new one beyond
                                                      // this closes the oldest
  std::chrono::milliseconds send_timeout{10'000};     // a driver not reading that long is disconnected
};

// Accepts drivers on a TCP port; owns the acceptor and every reader thread. Until its
// hello, a connection is read by the acceptor's poll loop (PendingHellos), with no thread
// of its own; once a session accepts the hello, it gets its DriverConnection and a reader
// thread, which the acceptor joins as soon as the connection ends.
class DriverListener {
 public:
  static Result<std::unique_ptr<DriverListener>> start(const DriverChannelOptions& options, DriverEvents& events);
  ~DriverListener();
  DriverListener(const DriverListener&) = delete;
  DriverListener& operator=(const DriverListener&) = delete;

  int port() const { return port_; }
  // Closes the listener and every connection, and joins their threads. Idempotent.
  void stop();

  // What the listener holds and has done; for tests and diagnostics.
  struct Stats {
    PendingHellos::Counters pending;  // connections that have not said hello
    std::size_t drivers = 0;          // accepted drivers whose reader thread has not been joined yet
    std::uint64_t connections = 0;    // TCP connections accepted in all
    std::uint64_t refused = 0;        // first lines that were not a hello a session accepted
  };
  Stats stats() const;

 private:
  DriverListener(DriverChannelOptions options, DriverEvents& events, int listen_fd, int wake_fd, int port);
  void accept_loop();
  void accept_new(std::vector<PendingHellos::Hello>& hellos);
  void admit(PendingHellos::Hello hello);
  void start_reader(const std::shared_ptr<DriverConnection>& connection, std::string rest);
  bool reap();  // joins the reader threads that are done; false once stop() was called
  void serve(const std::shared_ptr<DriverConnection>& connection, std::string buffer);

  struct Reader {
    std::shared_ptr<DriverConnection> connection;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  const DriverChannelOptions options_;
  DriverEvents& events_;
  int listen_fd_;      // non-blocking; closed by stop(); -1 then
  const int wake_fd_;  // eventfd: wakes the acceptor to stop, or to join a reader that is done
  const int port_;
  PendingHellos pending_;           // the acceptor thread's alone (its counters are atomic)
  PendingHellos::Clock::time_point accept_paused_until_{};  // the acceptor thread's alone
  std::atomic<std::uint64_t> connections_{0}, refused_{0};
  std::thread acceptor_;            // owned; joined by stop()
  mutable std::mutex mu_;           // guards readers_ and stopped_
  std::list<Reader> readers_;
  bool stopped_ = false;
};

}  // namespace livy
