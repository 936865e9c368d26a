// The inside of livy::http::Server: its event loop (server.cpp) and how it
// reads requests and hands them to workers (server_requests.cpp).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/connection.h"
#include "http/request_log.h"
#include "http/security_headers.h"
#include "http/tls.h"
#include "livy/http.h"

namespace livy::http {

using Clock = std::chrono::steady_clock;

// Deadlines are checked this often: their resolution.
inline constexpr auto kSweepInterval = std::chrono::milliseconds(100);
// After an error answer, how long the client's remaining bytes are read and
// dropped, so that closing does not reset the connection before the answer is read.
inline constexpr auto kLingerTime = std::chrono::seconds(2);
// Read per readiness event and connection: fairness between connections.
inline constexpr std::size_t kReadChunk = 64 * 1024;

// Exposes cpp-httplib's request processing to run on a stream of ours.
class Router final : public httplib::Server {
 public:
  // cpp-httplib writes a streamed body (a content provider: a result download) only while its
  // own listening socket is open, which it never is here: the front end is livyd's. A value
  // other than "no socket" says it is; it is never used as a descriptor (Router neither
  // listens nor is stopped, and stop() touches it only after a listen).
  Router() { svr_sock_ = kNoListenSocket; }
  static constexpr int kNoListenSocket = 0x7fffffff;

  bool serve(httplib::Stream& stream, bool close_connection, bool& connection_closed,
             const std::function<void(httplib::Request&)>& setup) {
    return process_request(stream, close_connection, connection_closed, setup);
  }
};

// A complete answer of the front end's own, `{"msg": ...}` and Connection: close;
// `extra_headers` are whole lines ("Name: value\r\n").
std::string error_response(int status, const std::string& message, const std::string& extra_headers = {});

// The event loop runs on the thread that calls run(); workers run serve().
class Server::Impl {
 public:
  explicit Impl(ServerOptions options);
  ~Impl();

  Result<int> bind();
  void run();
  void stop() {
    stopping_ = true;
    wake();
  }
  std::size_t open_connections() const { return open_.load(); }

  Router router_;

 private:
  void wake() {
    const std::uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
  }
  void accept_all();
  void on_ready(Connection& c);
  void read_tls(Connection& c);
  // Sends `bytes` as they are (plain HTTP, or before a TLS handshake) or
  // through TLS, without waiting: what the socket does not take now is lost
  // (plain) or left for the worker's next write (TLS).
  void send_now(Connection& c, std::string_view bytes);
  void process(Connection& c);
  // A declared body too large to buffer: a worker reads it, if its route wants it.
  bool streamed_by_worker(const RequestHead& head) const {
    return head.body == RequestHead::Body::kLength && head.content_length > options_.max_buffered_body_bytes;
  }
  void dispatch(Connection& c, std::size_t framed);
  void serve(Connection& c);  // on a worker
  void on_returned();
  void answer_error(Connection& c, int status, const std::string& message);
  // The request log line of an answer the front end wrote itself (no route, no method).
  void log_refusal(const std::string& request_id, const std::string& remote, int status, const std::string& message);
  void sweep();
  void close_connection(Connection& c);
  void watch(Connection& c, bool on);
  void want_write(Connection& c, bool on);

  const ServerOptions options_;
  std::shared_ptr<TlsContext> tls_;  // HTTPS: loaded by bind()
  std::string extra_headers_;        // on the front end's own answers (HSTS with TLS)
  std::string own_headers_;          // on all of them: Livy's security headers
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};
  Clock::time_point accept_paused_until_{};  // after EMFILE: accepting again then
  bool accept_paused_ = false;

  // The event loop's own state (no lock: one thread).
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  std::unordered_map<std::string, std::list<Connection*>> clients_;  // by address, oldest first
  std::size_t serving_ = 0;

  std::mutex returned_mu_;                 // guards returned_
  std::vector<Connection*> returned_;      // served by a worker, back to the loop
  std::unique_ptr<httplib::ThreadPool> workers_;
};

}  // namespace livy::http
