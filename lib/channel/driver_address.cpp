#include "channel/driver_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace livy {
namespace {

bool is_ipv4(const std::string& text) {
  in_addr addr{};
  return ::inet_pton(AF_INET, text.c_str(), &addr) == 1;
}

bool is_ipv6(const std::string& text) {
  in6_addr addr{};
  return ::inet_pton(AF_INET6, text.c_str(), &addr) == 1;
}

// RFC 1123 labels, and `_`, which container networks put in service names.
bool is_host_name(const std::string& text) {
  if (text.empty() || text.size() > 253) return false;
  std::size_t label = 0;
  char previous = '.';
  for (const char c : text) {
    if (c == '.') {
      if (label == 0 || previous == '-') return false;
      label = 0;
    } else {
      const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && c != '-' && c != '_') return false;
      if (c == '-' && label == 0) return false;
      if (++label > 63) return false;
    }
    previous = c;
  }
  return label > 0 && previous != '-';
}

bool unspecified(const std::string& host) { return host == "0.0.0.0" || host == "::" || host == "[::]"; }

}  // namespace

Result<DriverAddresses> driver_addresses(const Config& config) {
  DriverAddresses a;
  const std::string& advertised = config.driver_host;
  if (!advertised.empty() && !is_ipv4(advertised) && !is_ipv6(advertised) && !is_host_name(advertised)) {
    return Status::invalid_argument("sessions.driver-host must be an IP address or a host name that drivers "
                                    "reach livyd at, not '" + advertised + "'");
  }
  if (!advertised.empty() && unspecified(advertised)) {
    return Status::invalid_argument("sessions.driver-host " + advertised +
                                    " is no address a driver can connect to: set it to one of this host's "
                                    "addresses or names (listening on every interface is sessions.driver-bind-host)");
  }
  if (!config.driver_bind_host.empty()) {
    if (!is_ipv4(config.driver_bind_host)) {
      return Status::invalid_argument("sessions.driver-bind-host must be an IPv4 address (such as 127.0.0.1, or "
                                      "0.0.0.0 for every interface), not '" + config.driver_bind_host + "'");
    }
    a.bind_host = config.driver_bind_host;
  } else if (advertised.empty() || is_ipv4(advertised)) {
    // As before sessions.driver-bind-host existed: livyd listens where it tells drivers to connect.
    a.bind_host = advertised.empty() ? "127.0.0.1" : advertised;
  } else if (advertised == "localhost") {
    a.bind_host = "127.0.0.1";
  } else {
    return Status::invalid_argument("sessions.driver-host '" + advertised +
                                    "' is not an IPv4 address: set sessions.driver-bind-host to the address livyd "
                                    "listens on for drivers (0.0.0.0: every interface)");
  }
  a.advertised_host = advertised.empty() ? a.bind_host : advertised;
  if (unspecified(a.advertised_host)) {
    return Status::invalid_argument("sessions.driver-bind-host " + a.bind_host +
                                    " listens on every interface: set sessions.driver-host to the address or "
                                    "host name drivers reach livyd at");
  }
  a.advertised_port = config.driver_advertised_port;
  return a;
}

std::string driver_callback(const std::string& host, int port) {
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace livy
