#include "livy/connect_info.h"

#include <string_view>

namespace livy {
namespace {

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

}  // namespace

std::string connect_url(const ConnectInfo& info) {
  std::string host = info.host;
  if (is_loopback(host)) {
    host = "localhost";
  } else if (host.find(':') != std::string::npos && host.front() != '[') {  // IPv6 (not empty: it has a ':')
    host = "[" + host + "]";
  }
  std::string url = "sc://" + host + ":" + std::to_string(info.port) + "/;token=" + info.token;
  if (!info.session_id.empty()) url += ";session_id=" + info.session_id + ";user_id=" + info.user_id;
  return url;
}

}  // namespace livy
