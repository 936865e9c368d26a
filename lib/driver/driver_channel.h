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

#include "driver/driver_messages.h"
#include "livy/status.h"

namespace livy {

class DriverConnection;

// What the channel tells its owner. Called on the connection's reader thread.
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

struct DriverChannelOptions {
  std::string host = "127.0.0.1";
  int port = 0;                                           // 0: any free port
  std::size_t max_message_bytes = 64 << 20;               // a longer line closes the connection
  std::chrono::milliseconds hello_timeout{10'000};        // time to say hello after connecting
  std::chrono::milliseconds send_timeout{10'000};
};

// Accepts drivers on a TCP port; owns the acceptor and every reader thread.
class DriverListener {
 public:
  static Result<std::unique_ptr<DriverListener>> start(const DriverChannelOptions& options, DriverEvents& events);
  ~DriverListener();
  DriverListener(const DriverListener&) = delete;
  DriverListener& operator=(const DriverListener&) = delete;

  int port() const { return port_; }
  // Closes the listener and every connection, and joins their threads. Idempotent.
  void stop();

 private:
  DriverListener(DriverChannelOptions options, DriverEvents& events, int listen_fd, int wake_fd, int port);
  void accept_loop();
  void serve(const std::shared_ptr<DriverConnection>& connection);

  struct Reader {
    std::shared_ptr<DriverConnection> connection;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  const DriverChannelOptions options_;
  DriverEvents& events_;
  int listen_fd_;  // closed by stop(); -1 then
  const int wake_fd_;  // eventfd that wakes the acceptor to stop
  const int port_;
  std::thread acceptor_;            // owned; joined by stop()
  std::mutex mu_;                   // guards readers_ and stopped_
  std::list<Reader> readers_;
  bool stopped_ = false;
};

}  // namespace livy
