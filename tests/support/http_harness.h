// HttpHarness: livyd's routes on an in-process server on 127.0.0.1, any free port.
#pragma once

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "livy/http.h"

namespace livy_test {

// Owns the server and its thread; the destructor stops and joins it. The
// runtime must outlive the harness.
class HttpHarness {
 public:
  // The server's bounds are the runtime config's (server.*), unless given.
  explicit HttpHarness(livy::Runtime& runtime, livy::http::RouteOptions options = {},
                       std::optional<livy::http::ServerOptions> server_options = std::nullopt)
      : server_(with_any_port(server_options ? *server_options : livy::http::server_options(runtime.config()))) {
    livy::http::mount_routes(server_.router(), runtime, std::move(options));
    auto bound = server_.bind();
    if (!bound) throw std::runtime_error(bound.status().message());
    port_ = *bound;
    thread_ = std::thread([this] { server_.run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_connection_timeout(std::chrono::seconds(5));
    client_->set_read_timeout(std::chrono::seconds(5));
  }

  ~HttpHarness() {
    client_.reset();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  HttpHarness(const HttpHarness&) = delete;
  HttpHarness& operator=(const HttpHarness&) = delete;

  httplib::Client& client() { return *client_; }
  int port() const { return port_; }
  livy::http::Server& server() { return server_; }

 private:
  static livy::http::ServerOptions with_any_port(livy::http::ServerOptions o) {
    o.host = "127.0.0.1";
    o.port = 0;
    return o;
  }

  livy::http::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

// A connected TCP socket to 127.0.0.1:`port`; throws if it cannot connect.
inline int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  return fd;
}

// Sends all of `bytes`; false when the peer stopped reading (its answer may still be there).
inline bool send_all(int fd, const std::string& bytes) {
  for (std::size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Sends `request` (raw HTTP bytes) to 127.0.0.1:`port` in one go and returns
// everything the server answers until it closes the connection (or 5 s pass).
// For what httplib::Client cannot send, or gives up on: a server that answers
// before it has read the whole body.
inline std::string raw_exchange(int port, const std::string& request) {
  const int fd = connect_loopback(port);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  send_all(fd, request);
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

}  // namespace livy_test
