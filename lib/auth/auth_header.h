// The parts of a request that carry credentials, parsed without trusting them:
// the Authorization header (RFC 9110 section 11), HTTP Basic (RFC 7617) and one
// cookie of the Cookie header (RFC 6265). Every parser here is total: any text
// gives a value or an error, and the fuzz target tests/fuzz/fuzz_auth_header.cpp
// holds them to that.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "livy/status.h"

namespace livy::auth {

// `Authorization: <scheme> <token>`. The scheme is compared without case; the
// token is the rest of the value with surrounding spaces removed (may be empty).
struct AuthorizationHeader {
  std::string scheme;
  std::string token;
};
Result<AuthorizationHeader> parse_authorization(std::string_view value);

// The user and password of a Basic token: base64 of "user:password", UTF-8,
// no control characters in the user. An empty user or password is an error
// here: an LDAP bind with an empty password is an anonymous bind that succeeds.
struct BasicCredentials {
  std::string user;
  std::string password;
};
Result<BasicCredentials> parse_basic(std::string_view token);

// The value of cookie `name` in a Cookie header ("a=1; name=v; b=2"), quotes
// around it removed; nullopt when absent.
std::optional<std::string> find_cookie(std::string_view header, std::string_view name);

}  // namespace livy::auth
