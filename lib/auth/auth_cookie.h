// The auth cookie: after a successful authentication livyd sends a signed,
// expiring, HttpOnly cookie that the client sends back, so that a client that
// polls is not challenged (or its LDAP server bound) on every request.
// The name is Hadoop's (`hadoop.auth`), which Livy's clients and Java's
// AuthenticatedURL look for; the value has Hadoop's shape,
// `u=<user>&p=<user>&t=<auth type>&e=<expiry, ms since the epoch>&s=<signature>`,
// with livyd's own signature: base64 of HMAC-SHA256 over everything before
// "&s=", under a key that lives only in this process (a restart makes clients
// authenticate again).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "livy/status.h"

namespace livy::auth {

inline constexpr std::string_view kAuthCookieName = "hadoop.auth";

class CookieSigner {
 public:
  // `key`: the HMAC key, at least 32 bytes. random_key() makes one.
  CookieSigner(std::string key, std::string type, std::chrono::milliseconds validity);
  static std::string random_key();

  // The cookie value (unquoted) for `user`; nullopt for a user name the format
  // cannot carry (one with '&', '=', '"', ';', ',', space or control characters).
  std::optional<std::string> sign(const std::string& user, std::chrono::system_clock::time_point now) const;
  // The user of a value sign() made under this key and type, not expired at `now`;
  // an error (never a crash) for anything else.
  Result<std::string> verify(std::string_view value, std::chrono::system_clock::time_point now) const;
  // A whole Set-Cookie header value carrying `value`.
  std::string set_cookie(const std::string& value, std::chrono::system_clock::time_point now) const;

  std::chrono::milliseconds validity() const { return validity_; }

 private:
  std::string mac(std::string_view text) const;

  std::string key_;
  std::string type_;
  std::chrono::milliseconds validity_;
};

}  // namespace livy::auth
