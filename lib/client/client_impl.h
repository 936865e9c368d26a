// What a livy::Client holds: its options and its connection.
#pragma once

#include <cstdint>
#include <string>

#include "client/http_transport.h"
#include "livy/client.h"

namespace livy {

struct Client::Impl {
  Impl(const std::string& base_url, ClientOptions opts) : options(std::move(opts)), http(base_url, options) {}

  const ClientOptions options;
  client::HttpTransport http;
};

namespace client {

// "/sessions/3", "/batches/7".
inline std::string session_path(std::int64_t id) { return "/sessions/" + std::to_string(id); }
inline std::string batch_path(std::int64_t id) { return "/batches/" + std::to_string(id); }

}  // namespace client
}  // namespace livy
