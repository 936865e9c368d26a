// One client connection of livy::http::Server, and the request it hands to a worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request_head.h"
#include "http/tls.h"

namespace livy::http {

// The interim answer to Expect: 100-continue.
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

// A complete request (or one whose body is too large to buffer) as a worker
// thread receives it.
struct Job {
  std::string bytes;  // the head as cpp-httplib reads it, then the body read so far
  std::vector<std::pair<std::string, std::string>> long_headers;
  // The rest of the body, read from the socket by the worker when it was too
  // large to buffer: a byte count (Content-Length), or an unknown length (chunked).
  bool stream_rest = false;
  bool stream_chunked = false;
  std::uint64_t stream_remaining = 0;
  // The client waits for a 100 Continue before it sends the body: the worker sends it
  // before its first read of the body from the socket.
  bool continue_due = false;
  bool close_after = false;  // the last request this connection may send
  // When the loop had the request (its head, and its body if buffered) and queued it for a worker.
  std::chrono::steady_clock::time_point queued_at{};
  // Set by the worker: the connection can serve another request.
  bool keep_alive = false;
};

// Owned by the server's event loop, except while a worker serves its Job:
// then only that worker touches it, until it hands it back.
struct Connection {
  using TimePoint = std::chrono::steady_clock::time_point;
  enum class Phase {
    kWaiting,     // between requests (or just accepted): no byte of the next one yet
    kReading,     // a request's head or buffered body is arriving
    kServing,     // a worker has it
    kLingering,   // an error answer was sent: reading and dropping until the client closes
  };

  int fd = -1;
  std::string peer_ip;
  int peer_port = 0;
  std::string local_ip;
  int local_port = 0;

  Phase phase = Phase::kWaiting;
  TimePoint deadline;  // of the current phase
  bool fresh = true;   // no request yet: its first head must arrive within the head deadline of accept
  int requests = 0;
  std::string in;      // received, not yet handed to a worker (pipelined requests stay here)

  std::optional<HeadScanner> head;
  std::optional<RequestHead> request;  // the head, once complete
  std::optional<ChunkedScanner> chunks;

  // HTTPS: the connection's TLS, whose decrypted bytes go to `in` (null on plain HTTP).
  std::unique_ptr<TlsStream> tls;
  bool tls_checked = false;  // its first byte was looked at: a TLS record, not plain HTTP
  bool want_write = false;   // the loop waits for the socket to be writable (a TLS handshake's flight)

  Job job;
  std::list<Connection*>::iterator client_pos;  // in its address's list, oldest first
};

}  // namespace livy::http
