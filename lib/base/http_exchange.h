// One bounded HTTP exchange with a server livyd depends on: YARN's ResourceManager, the
// Kubernetes API server, a standalone master's REST server, a JWT issuer. Every part is
// bounded: the connect (connect_timeout), each read and write (request_timeout), the whole
// answer however slowly it trickles in (a deadline, `total` or connect_timeout + request_timeout
// from the start), and its size (max_bytes). Redirects are not followed; over https the peer's
// certificate chain and host name are checked (against ca_file's CAs, or the system's).
//
// A failure is Status::unavailable with a message that names the server (`where`, e.g.
// "the YARN ResourceManager at http://rm:8088") and the configuration key of the bound that
// was hit, so an operator knows what to change.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "livy/status.h"

namespace livy {

struct HttpLimits {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds total{0};  // the whole exchange, however slow; 0: connect_timeout + request_timeout
  std::size_t max_bytes = 4 << 20;
  std::string ca_file;  // https: PEM file of the CAs to trust; empty: the system's
  // The configuration keys named in messages (empty: the value is named instead).
  std::string connect_timeout_key;
  std::string request_timeout_key;
  std::string max_bytes_key;
  std::string ca_file_key;
};

struct HttpCall {
  std::string method = "GET";
  std::string path = "/";  // with its query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent, as application/json, when not empty
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// `origin`: "http(s)://host[:port]". Any answer status is an answer; the caller judges it.
Result<HttpAnswer> http_exchange(const std::string& origin, const std::string& where, const HttpCall& call,
                                 const HttpLimits& limits);

}  // namespace livy
