// TLS for livy::http::Server: the server's certificate and key (TlsContext,
// loaded once at bind), and one connection's TLS state on a non-blocking
// socket (TlsStream), driven by the event loop and then by a worker.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

#include "livy/http.h"
#include "livy/status.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace livy::http {

// The certificate chain, private key and protocol settings every connection
// shares. Loaded from a PKCS12 keystore (Java's, as Livy's livy.keystore) or
// from PEM files; a JKS keystore is refused with the command that converts it.
class TlsContext {
 public:
  // A message that names the key to fix when the files cannot be used.
  static Result<std::shared_ptr<TlsContext>> load(const TlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

// One connection's TLS on its (non-blocking) socket. Owned by the
// connection: whoever owns the connection (the loop, or the worker serving
// it) is the only one to call it. Never blocks: each call reports whether
// it must wait for the socket to be readable or writable.
class TlsStream {
 public:
  enum class Io {
    kDone,       // the call did what it could (bytes moved, or the handshake is over)
    kWantRead,   // wait until the socket is readable, then call again
    kWantWrite,  // wait until the socket is writable, then call again
    kClosed,     // the client closed (close_notify or end of stream)
    kFailed,     // a TLS error (bad record, failed handshake) or a socket error
  };

  // Null when OpenSSL cannot make the connection's state (out of memory).
  static std::unique_ptr<TlsStream> accept(const TlsContext& context, int fd);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  bool handshake_done() const { return handshake_done_; }
  Io handshake();
  // Decrypted bytes into `buf`: returns n > 0 with kDone, else 0 and why.
  std::size_t read(char* buf, std::size_t size, Io& io);
  // Queues `data` and sends as much of what is queued as the socket takes:
  // kDone when all of it is sent, kWantWrite/kWantRead when some is left.
  Io write(const char* data, std::size_t size);
  // Sends what write() left queued.
  Io flush() { return write(nullptr, 0); }
  bool has_unsent() const { return !unsent_.empty(); }
  // Decrypted bytes OpenSSL holds that no read() has taken: the socket will
  // not report them readable.
  bool has_pending() const;
  // Sends close_notify, once, without waiting for the client's.
  void close_notify();

 private:
  explicit TlsStream(SSL* ssl) : ssl_(ssl) {}
  Io classify(int ret);

  SSL* ssl_;
  bool handshake_done_ = false;
  bool notified_ = false;
  bool failed_ = false;  // a fatal error: the connection can only be closed
  std::string unsent_;  // written by the caller, not yet taken by SSL_write
};

}  // namespace livy::http
