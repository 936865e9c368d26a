// TLS on the driver channel (sessions.driver-tls): the certificate livyd presents to
// drivers, and one connection's TLS state on its non-blocking socket.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "livy/status.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace livy {

// The channel's certificate and key and the protocol settings every connection shares:
// TLS 1.2 or later, no renegotiation, no compression, no session tickets. Drivers do not
// check a name or a CA: they pin fingerprint(), which livyd gives each driver in its
// Spark configuration. Shared by the listener and its connections.
class ChannelTlsContext {
 public:
  // From PEM files (the certificate, then any chain; an unencrypted key), or, when both
  // are empty, from `generated_dir`/certificate.pem and key.pem: made there once (a
  // self-signed P-256 certificate, the files 0600) and read back by every later start,
  // so drivers that reconnect after a restart meet the certificate they pinned.
  static Result<std::shared_ptr<ChannelTlsContext>> load(const std::string& certificate_file,
                                                        const std::string& key_file,
                                                        const std::string& generated_dir);
  ~ChannelTlsContext();
  ChannelTlsContext(const ChannelTlsContext&) = delete;
  ChannelTlsContext& operator=(const ChannelTlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }
  // SHA-256 of the certificate (DER), as `openssl x509 -fingerprint -sha256` prints it:
  // upper-case hex pairs joined by colons.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  ChannelTlsContext(SSL_CTX* ctx, std::string fingerprint) : ctx_(ctx), fingerprint_(std::move(fingerprint)) {}
  SSL_CTX* ctx_;
  const std::string fingerprint_;
};

// One connection's TLS on its non-blocking socket (the descriptor stays the caller's to
// close). Never blocks: each call says whether the socket must become readable or writable
// before the same call is made again. Not thread-safe: the connection serializes its calls.
class ChannelTlsStream {
 public:
  enum class Io {
    kDone,       // bytes moved, or the handshake is over
    kWantRead,   // call again once the socket is readable
    kWantWrite,  // call again once the socket is writable
    kClosed,     // the peer closed (close_notify, or the end of the stream)
    kFailed,     // a TLS or socket error: the connection can only be closed
  };

  // Null when OpenSSL cannot make the state (out of memory).
  static std::unique_ptr<ChannelTlsStream> accept(const ChannelTlsContext& context, int fd);
  ~ChannelTlsStream();
  ChannelTlsStream(const ChannelTlsStream&) = delete;
  ChannelTlsStream& operator=(const ChannelTlsStream&) = delete;

  bool handshake_done() const { return handshake_done_; }
  Io handshake();
  // Decrypted bytes into buf: n > 0 with kDone, else 0 and why.
  std::size_t read(char* buf, std::size_t size, Io& io);
  // Encrypts and sends up to `size` bytes: n > 0 with kDone (maybe fewer than size), else
  // 0 and why. After kWantRead/kWantWrite, the same bytes must be offered again.
  std::size_t write(const char* data, std::size_t size, Io& io);
  // Decrypted bytes OpenSSL holds that no read() took: the socket will not say readable.
  bool has_pending() const;
  // Sends close_notify once, without waiting for the peer's.
  void close_notify();

 private:
  explicit ChannelTlsStream(SSL* ssl) : ssl_(ssl) {}
  Io classify(int ret);

  SSL* ssl_;
  bool handshake_done_ = false;
  bool notified_ = false;
  bool failed_ = false;
};

}  // namespace livy
