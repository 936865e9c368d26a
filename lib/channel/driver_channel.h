// The TCP channel drivers connect back on: a listener, and one connection per driver.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "channel/channel_tls.h"
#include "channel/dispatch_pool.h"
#include "wire/driver_messages.h"
#include "channel/pending_hellos.h"
#include "livy/status.h"

namespace livy {

class DriverConnection;
class DriverLoop;

// What the channel tells its owner. All three are called on the listener's dispatch
// threads: every call about one connection on the same thread, in order (on_hello, its
// on_message calls, then on_closed, after the last on_message), and calls about the
// connections of other sessions (whose ids fall on another dispatch thread) at the same
// time. A call that waits holds up the other sessions of its thread: no waiting for
// another driver, and as little as can be for anything else.
class DriverEvents {
 public:
  virtual ~DriverEvents() = default;
  // A driver said hello: true accepts it (the secret matched a session waiting for it).
  virtual bool on_hello(const DriverMessage& hello, const std::shared_ptr<DriverConnection>& connection) = 0;
  virtual void on_message(std::int64_t session_id, const DriverMessage& message) = 0;
  // The connection of an accepted driver ended (either side closed it, or it broke).
  virtual void on_closed(std::int64_t session_id, const DriverConnection* connection) = 0;
};

// One driver's connection. No thread of its own: the listener's event loop reads it and
// writes what could not be written at once. send() never blocks: it writes what the
// socket takes now (non-blocking) and queues the rest for the loop. A driver that reads
// nothing for `send_timeout` while something waits for it, or lets more than
// `max_queued_bytes` pile up, is disconnected. With TLS, every use of the connection's
// TLS state (the loop's reads, the senders' writes) is under its lock: OpenSSL's state of
// one connection is not for two threads at once.
class DriverConnection : public std::enable_shared_from_this<DriverConnection> {
 public:
  ~DriverConnection();  // closes the descriptor
  DriverConnection(const DriverConnection&) = delete;
  DriverConnection& operator=(const DriverConnection&) = delete;

  // False when the connection is closed (or was just closed for being too slow).
  bool send(std::string line);
  void close();
  // Closes once what is queued has been written (a last `shutdown`, say).
  void close_when_sent();
  bool closed() const { return closed_; }
  std::int64_t session_id() const { return session_id_; }
  // A warm driver claimed by a session: its later messages and its end go to `session_id`
  // (on the same dispatch thread as before, so in order).
  void rebind(std::int64_t session_id) { session_id_ = session_id; }

 private:
  friend class DriverListener;
  DriverConnection(int fd, std::shared_ptr<DriverLoop> loop, std::size_t max_queued_bytes,
                   std::unique_ptr<ChannelTlsStream> tls);

  // These four with mu_ held.
  void update_events();        // the epoll interest: reading unless paused, writing while output waits
  bool flush();                // writes what the socket takes; false when the connection broke
  void shut();                 // closed_, output dropped, both directions shut (the loop sees the end)
  bool reading_paused() const { return awaiting_verdict_ || backlogged_; }

  // The loop's read: n > 0 bytes (decrypted with TLS), 0 at the end or on an error, -1
  // when nothing more can be read now. Takes mu_ with TLS.
  long receive(char* buf, std::size_t size);
  // With TLS: decrypted bytes wait inside OpenSSL, which epoll cannot see. Takes mu_.
  bool tls_pending();

  // These two take mu_.
  void resume_reading();       // the hello was accepted
  void consumed(std::size_t bytes);  // a dispatched line was handled: reading resumes below the backlog bound

  const int fd_;
  const std::shared_ptr<DriverLoop> loop_;  // for the epoll set and the send timeouts
  const std::size_t max_queued_bytes_;
  std::atomic<bool> closed_{false};
  std::atomic<std::int64_t> session_id_{-1};

  std::mutex mu_;  // guards the members from here to last_progress_ (closed_ is set under it too)
  std::deque<std::string> out_;          // lines to write; the first one from out_offset_
  std::size_t out_offset_ = 0;
  std::size_t queued_bytes_ = 0;
  bool draining_ = false;                // close_when_sent() was called
  bool registered_ = false;              // in the epoll set (from the hello until the loop ends it)
  std::uint32_t events_ = 0;             // the interest registered
  bool awaiting_verdict_ = true;         // the hello is with the sessions: nothing more is read
  bool backlogged_ = false;              // too much read and not handled yet: nothing more is read
  std::chrono::steady_clock::time_point last_progress_{};  // of writing, while out_ is not empty
  const std::unique_ptr<ChannelTlsStream> tls_;  // null: plain TCP
  bool read_wants_write_ = false;        // TLS: a read must wait for the socket to be writable
  bool write_wants_read_ = false;        // TLS: a write must wait for the socket to be readable

  std::atomic<std::size_t> dispatch_bytes_{0};  // of lines read and posted, not handled yet

  // The loop thread's alone.
  std::string in_;           // read, not yet a whole line
  std::size_t scanned_ = 0;  // in_[0, scanned_) holds no newline
  std::uint64_t key_ = 0;    // the dispatch key: the session id of the hello

  // The dispatch thread's alone (all of one connection's events run on one thread).
  bool accepted_ = false;
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
  std::size_t dispatch_threads = 4;                   // threads that hand the drivers' messages to the sessions
  std::size_t max_dispatch_backlog = 1 << 20;         // read from one driver, not yet handled: reading it pauses
  std::size_t read_per_round = 256 * 1024;            // read from one connection per round of the loop
  std::shared_ptr<ChannelTlsContext> tls;             // null: plain TCP; else every connection is TLS
};

// Accepts drivers on a TCP port and serves every connection from one event loop thread
// (epoll): it accepts, reads hellos (PendingHellos) and lines, and writes what a send()
// could not. What it reads goes to DriverEvents on a fixed pool of dispatch threads, keyed
// by session id so that one session's events stay in order. Threads: 1 + dispatch_threads,
// however many drivers are connected; all owned, joined by stop().
class DriverListener {
 public:
  static Result<std::unique_ptr<DriverListener>> start(const DriverChannelOptions& options, DriverEvents& events);
  ~DriverListener();
  DriverListener(const DriverListener&) = delete;
  DriverListener& operator=(const DriverListener&) = delete;

  int port() const { return port_; }
  // Closes the listener and every connection, hands the last events over (on_closed of
  // each accepted driver) and joins every thread. Idempotent.
  void stop();

  // What the listener holds and has done; for tests and diagnostics.
  struct Stats {
    PendingHellos::Counters pending;  // connections that have not said hello
    std::size_t drivers = 0;          // connections past their hello line that have not ended
    std::uint64_t connections = 0;    // TCP connections accepted in all
    std::uint64_t refused = 0;        // first lines that were not a hello a session accepted
    std::uint64_t unreadable = 0;     // lines of accepted drivers that were no message
    std::uint64_t too_long = 0;       // accepted drivers' connections closed for a line over max_message_bytes
    std::size_t threads = 0;          // the listener's threads: the loop and the dispatch threads
  };
  Stats stats() const;

 private:
  DriverListener(DriverChannelOptions options, DriverEvents& events, int listen_fd, std::shared_ptr<DriverLoop> loop,
                 int port);
  void run_loop();
  void accept_new(std::vector<PendingHellos::Hello>& hellos);
  void admit(PendingHellos::Hello hello);
  void read_again();  // the TLS connections with decrypted bytes that epoll cannot report
  void on_events(const std::shared_ptr<DriverConnection>& connection, std::uint32_t events);
  bool read_lines(const std::shared_ptr<DriverConnection>& connection, bool to_the_end);
  void post_lines(const std::shared_ptr<DriverConnection>& connection);
  void end(std::shared_ptr<DriverConnection> connection);  // a copy: it may be the map's entry
  int check_send_timeouts(std::chrono::steady_clock::time_point now);

  const DriverChannelOptions options_;
  DriverEvents& events_;
  int listen_fd_;  // non-blocking; closed by the loop as it ends
  const std::shared_ptr<DriverLoop> loop_;
  const int port_;
  DispatchPool pool_;
  // The loop thread's alone (the counters are atomic).
  PendingHellos pending_;
  PendingHellos::Clock::time_point accept_paused_until_{};
  std::unordered_map<int, std::shared_ptr<DriverConnection>> connections_;  // by descriptor
  std::vector<std::shared_ptr<DriverConnection>> stalled_;  // output waiting: watched for send_timeout
  std::atomic<std::size_t> drivers_{0};
  std::atomic<std::uint64_t> connections_accepted_{0}, refused_{0};
  std::atomic<std::uint64_t> unreadable_{0}, too_long_{0};  // read by stats() from any thread
  std::thread loop_thread_;  // owned; joined by stop()
  std::mutex mu_;            // guards stopped_
  bool stopped_ = false;
};

}  // namespace livy
