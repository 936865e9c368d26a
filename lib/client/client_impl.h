// What a livy::Client holds: its options and its connection.
#pragma once

#include <string>
#include <utility>

#include "client/http_transport.h"
#include "livy/client.h"

namespace livy {

struct Client::Impl {
  Impl(const std::string& base_url, ClientOptions opts) : options(std::move(opts)), http(base_url, options) {}

  const ClientOptions options;
  client::HttpTransport http;
};

namespace client {

// "/sessions/3", "/batches/nightly%20etl".
inline std::string session_path(const Ref& session) { return "/sessions/" + escape_path_segment(session.text()); }
inline std::string batch_path(const Ref& batch) { return "/batches/" + escape_path_segment(batch.text()); }

}  // namespace client
}  // namespace livy
