// HttpHarness: livyd's routes on an in-process server on 127.0.0.1, any free port.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include "livy/http.h"

namespace livy_test {

// Owns the server and its thread; the destructor stops and joins it. The
// runtime must outlive the harness.
class HttpHarness {
 public:
  explicit HttpHarness(livy::Runtime& runtime, livy::http::RouteOptions options = {}) {
    livy::http::mount_routes(server_, runtime, std::move(options));
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ < 0) throw std::runtime_error("cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the server runs: wait for it, or the destructor could hang.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
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

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace livy_test
