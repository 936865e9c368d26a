// TlsClient: an OpenSSL client for tests of livy::http::Server over TLS that
// controls what goes on the wire: the TLS bytes are pumped between a BIO pair
// and the socket by the test, so they can be sent a byte at a time, or raw
// bytes slipped in between records.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/http_harness.h"

namespace livy_test {

class TlsClient {
 public:
  struct Options {
    std::string ca_file;   // verify the server against this CA (and its name, 127.0.0.1); empty: no verification
    int min_version = 0;   // TLS1_2_VERSION...; 0: OpenSSL's default
    int max_version = 0;
    std::size_t chunk = 1 << 20;  // the most bytes sent in one send(): 1 sends a byte at a time
  };

  TlsClient(int port, Options options) : options_(std::move(options)) {
    fd_ = connect_loopback(port);
    const int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (options_.min_version != 0 && options_.min_version < TLS1_2_VERSION) {
      SSL_CTX_set_security_level(ctx_, 0);  // else OpenSSL 3 will not even offer TLS 1.1
      SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
    }
    if (options_.min_version != 0) SSL_CTX_set_min_proto_version(ctx_, options_.min_version);
    if (options_.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options_.max_version);
    if (!options_.ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(ctx_, options_.ca_file.c_str(), nullptr) != 1) {
        throw std::runtime_error("cannot load " + options_.ca_file);
      }
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    }
    ssl_ = SSL_new(ctx_);
    BIO* inside = nullptr;
    BIO_new_bio_pair(&inside, 0, &network_, 0);
    SSL_set_bio(ssl_, inside, inside);
    SSL_set_connect_state(ssl_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
  }

  ~TlsClient() {
    SSL_free(ssl_);  // frees the inside half of the pair
    BIO_free(network_);
    SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  int fd() const { return fd_; }

  // True when the handshake completed (and the server verified, with ca_file).
  bool handshake(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      ERR_clear_error();
      const int ret = SSL_do_handshake(ssl_);
      if (!push()) return false;
      if (ret == 1) return true;
      if (SSL_get_error(ssl_, ret) != SSL_ERROR_WANT_READ || !pull(deadline)) return false;
    }
  }

  // The server ended the TLS session properly (close_notify), as read so far.
  bool got_close_notify() const { return (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0; }
  long verify_result() const { return SSL_get_verify_result(ssl_); }
  int version() const { return SSL_version(ssl_); }

  // Encrypts and sends all of `plain`.
  bool send(const std::string& plain) {
    for (std::size_t at = 0; at < plain.size();) {
      std::size_t n = 0;
      ERR_clear_error();
      const int ret = SSL_write_ex(ssl_, plain.data() + at, plain.size() - at, &n);
      if (!push()) return false;
      if (ret != 1) {
        if (SSL_get_error(ssl_, ret) != SSL_ERROR_WANT_WRITE) return false;
        continue;
      }
      at += n;
    }
    return true;
  }

  // Bytes sent as they are, outside TLS records (to corrupt the stream).
  bool send_raw(const std::string& bytes) { return send_all(fd_, bytes); }

  // Decrypted bytes until `done(answer)`, the server closes, or `timeout`.
  template <typename Done>
  std::string read_until(Done done, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string answer;
    char buf[16384];
    while (!done(answer)) {
      std::size_t n = 0;
      ERR_clear_error();
      const int ret = SSL_read_ex(ssl_, buf, sizeof buf, &n);
      if (ret == 1) {
        answer.append(buf, n);
        continue;
      }
      if (SSL_get_error(ssl_, ret) != SSL_ERROR_WANT_READ || !push() || !pull(deadline)) break;
    }
    return answer;
  }

  // True when the server closes the TCP connection within `timeout` (what it
  // sends first, an alert or close_notify, is read and dropped).
  bool closed_by_server(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
  }

 private:
  // Sends what OpenSSL wrote, options_.chunk bytes per send().
  bool push() {
    char buf[16384];
    while (BIO_ctrl_pending(network_) > 0) {
      const int n = BIO_read(network_, buf, sizeof buf);
      if (n <= 0) return false;
      for (int at = 0; at < n;) {
        const int piece = static_cast<int>(std::min<std::size_t>(options_.chunk, static_cast<std::size_t>(n - at)));
        if (!send_all(fd_, std::string(buf + at, static_cast<std::size_t>(piece)))) return false;
        at += piece;
        if (options_.chunk < 16) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    return true;
  }

  // Reads what the server sent into OpenSSL; false at its end or the deadline.
  bool pull(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    pollfd p{fd_, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[16384];
    const std::size_t room = std::min(sizeof buf, BIO_ctrl_get_write_guarantee(network_));
    const ssize_t n = ::recv(fd_, buf, room, 0);
    if (n <= 0) return false;
    return BIO_write(network_, buf, static_cast<int>(n)) == n;
  }

  Options options_;
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* network_ = nullptr;
};

}  // namespace livy_test
