// The httplib::Stream a worker hands to cpp-httplib: a request already read
// by the front end, and the socket to write the response to (through the
// connection's TLS on HTTPS).
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>

#include "http/connection.h"

namespace livy::http {

class RequestStream final : public httplib::Stream {
 public:
  RequestStream(Connection& connection, Job& job, std::chrono::milliseconds read_timeout,
                std::chrono::milliseconds write_timeout);

  bool is_readable() const override;
  bool is_writable() const override { return !failed_; }
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  // cpp-httplib 0.11 (Debian's is built with select()) answers 500 for a
  // socket >= FD_SETSIZE; it needs no socket here, as its own BufferStream.
  socket_t socket() const override { return 0; }

  // Writes what is buffered; false when the client did not take it in time.
  bool flush();
  // The request's body was read to its end (no byte of it is left on the socket).
  bool body_consumed() const;

 private:
  bool wait(short events, std::chrono::steady_clock::time_point deadline) const;
  ssize_t read_socket(char* ptr, size_t size, std::chrono::steady_clock::time_point deadline);
  bool send_socket(std::chrono::steady_clock::time_point deadline);

  Connection& connection_;
  Job& job_;
  std::size_t pos_ = 0;
  std::string out_;
  bool failed_ = false;
  const std::chrono::milliseconds read_timeout_;
  const std::chrono::milliseconds write_timeout_;
};

}  // namespace livy::http
