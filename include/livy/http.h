// Livy's REST API on cpp-httplib, and the hardened server livyd serves it with. Target livy::http.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "livy/config.h"
#include "livy/runtime.h"
#include "livy/export.h"

namespace livy::http {

// Settings of the HTTP layer that are not part of the runtime's Config.
struct RouteOptions {
  std::string server_user;  // reported as `user` by GET /version
};

// Adds every livyd route, the JSON error handler and the body-size limit
// (config.request_max_bytes) to `server`. `runtime` must outlive `server`'s use.
// With config.metrics_enabled it also mounts GET /metrics and sets `server`'s logger,
// which counts every answered request (docs/metrics.md): a logger set after this
// replaces it.
LIVY_API void mount_routes(httplib::Server& server, Runtime& runtime, RouteOptions options = {});

// Checks the authentication settings (auth.*, docs/security.md) that mount_routes
// uses; an error names the key to fix. livyd refuses to start on one; routes
// mounted with such settings answer every request 503.
LIVY_API Status check_authentication(const Config& config);

// The HTTP status for a library error code; the only place that knows both.
LIVY_API int http_status(ErrorCode code);

// The oldest TLS version livy::http::Server accepts (server.tls.min-version).
enum class TlsVersion { kTls12, kTls13 };

// HTTPS for livy::http::Server (docs/tls.md). On when a keystore or a
// certificate file is named (not both); the server then speaks only TLS.
struct TlsOptions {
  std::string keystore;           // a PKCS12 keystore (livy.keystore); a JKS one is refused with how to convert it
  std::string keystore_password;  // its password (livy.keystore.password)
  std::string key_password;       // the private key's when it differs (livy.key-password); a PEM key's passphrase
  std::string certificate_file;   // PEM: the server's certificate, then its intermediate CAs
  std::string key_file;           // PEM: its private key
  TlsVersion min_version = TlsVersion::kTls12;  // older clients fail the handshake
  std::chrono::seconds hsts_max_age{31'536'000};  // Strict-Transport-Security on every response; 0: not sent.
                                  // Browsers then use https for the host (every port) that long.
  bool enabled() const { return !keystore.empty() || !certificate_file.empty(); }
};

// Bounds of livy::http::Server. Each is a configuration key (server.*,
// docs/configuration.md); server_options() reads them from a Config.
struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8998;                          // 0: any free port
  int threads = 64;                         // workers: requests handled at once
  int listen_backlog = 1024;
  std::size_t max_connections = 4096;       // open at once; beyond it a new one gets 503
  std::size_t max_connections_per_client = 256;  // from one address; beyond it that address's
                                            // longest-waiting connection not being served is closed.
                                            // 0: no limit
  std::size_t max_head_bytes = 128 * 1024;  // request line and headers: 431 beyond
  std::size_t max_uri_bytes = 4096;         // 414 beyond
  std::size_t max_headers = 100;            // header lines: 431 beyond
  std::size_t max_buffered_body_bytes = 1 << 20;  // a body up to this is read before a worker is used
  std::chrono::milliseconds head_timeout{10'000};  // the whole head, from its first byte: 408 after
  std::chrono::milliseconds body_timeout{30'000};  // the buffered part of a body: 408 after
  std::chrono::milliseconds read_timeout{5'000};   // each read of a larger body (uploads), by a worker
  std::chrono::milliseconds write_timeout{10'000};  // writing a response; the connection is closed after
  std::chrono::milliseconds keep_alive_timeout{5'000};  // an idle kept-alive connection is closed after
  int keep_alive_requests = 1000;           // requests on one connection before it is closed
  TlsOptions tls;                           // HTTPS; off by default
  // Livy's security headers on the answers the front end writes itself (408, 431, 503...);
  // mount_routes adds them to routed replies (server.security-headers, server.content-security-policy).
  bool security_headers = true;
  std::string content_security_policy = "default-src 'none'; frame-ancestors 'self'";
  std::shared_ptr<Logger> logger;           // the front end's own answers are logged here; null: not logged
};

LIVY_API ServerOptions server_options(const Config& config);

// An HTTP/1.1 server that can face a network: one thread reads every request
// head (and bodies up to max_buffered_body_bytes) from all connections
// without holding a worker, with one deadline per head and body, so slow or
// flooding clients cannot starve others; complete requests, pipelined ones in
// order, go to worker threads that run cpp-httplib's routing and handlers.
// Mount routes on router(); never call the router's own listen functions.
// With TLS, every connection is TLS (the handshake counts in head_timeout),
// the router's default headers carry Strict-Transport-Security (replacing
// them drops it), and run() blocks SIGPIPE on its thread and the workers'
// (OpenSSL writes with write(2), not send(MSG_NOSIGNAL)).
// run() owns the worker threads and joins them before it returns; the thread
// that calls run() is the caller's: stop() the server and join that thread
// before the server is destroyed.
class LIVY_API Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  httplib::Server& router();
  // Loads the TLS keys if any (an unusable keystore, key or certificate is an
  // error that names its key), binds and listens; the port (useful with port 0).
  Result<int> bind();
  // Serves until stop(); call after bind(), from one thread.
  void run();
  // Stops accepting, lets requests being handled finish, closes the rest. Any thread; idempotent.
  void stop();
  // Connections open now (for tests and metrics).
  std::size_t open_connections() const;

 private:
  class LIVY_HIDDEN Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace livy::http
