// Where livyd listens for drivers and what it tells them to connect to.
#pragma once

#include <string>

#include "livy/config.h"
#include "livy/status.h"

namespace livy {

// The driver channel's two addresses: the one livyd binds (sessions.driver-bind-host)
// and the one it advertises to drivers (sessions.driver-host, with the port of
// sessions.driver-advertised-port when set), which differ when a driver reaches livyd
// through a name, a NAT or a container's port mapping.
struct DriverAddresses {
  std::string bind_host;        // an IPv4 address literal
  std::string advertised_host;  // an IP address literal or a host name
  int advertised_port = 0;      // 0: the port livyd listens on
};

// The addresses of `config`, checked: an invalid_argument naming the key to fix when they
// cannot work (a bind address that is not IPv4, an advertised one that is no address or
// host name, the unspecified address 0.0.0.0 advertised, a host name without a bind address).
Result<DriverAddresses> driver_addresses(const Config& config);

// host:port as the driver reads it back: an IPv6 literal in brackets.
std::string driver_callback(const std::string& host, int port);

}  // namespace livy
