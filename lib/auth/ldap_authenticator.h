// auth.type ldap: HTTP Basic credentials checked by a simple bind to an LDAP
// server (OpenLDAP's libldap), as Livy's LdapAuthenticationHandlerImpl does.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "auth/authenticator.h"
#include "auth/bind_cache.h"

namespace livy::auth {

struct LdapOptions {
  std::string url;              // ldap://host:port or ldaps://host:port
  std::string base_dn;          // empty: the bind DN is the (domain-qualified) user name itself
  std::string username_domain;  // appended as "@domain" to a user name without '@' or '/'
  bool start_tls = false;
  std::string ca_file;  // PEM CAs the server's certificate must chain to; empty: libldap's configuration
  std::chrono::milliseconds timeout{5000};   // connecting, and waiting for the bind's answer
  std::chrono::milliseconds cache_ttl{60'000};
  std::size_t cache_max_entries = 10'000;
};

// The DN Livy binds as: user (plus "@" + domain when the user has no domain
// part, '@' or '/' after its first character), then "uid=<that>,<base-dn>" when
// a base DN is set. Unlike Livy, the user's part is escaped as an RFC 4514
// attribute value, so a user name cannot add components to the DN.
std::string ldap_bind_dn(const LdapOptions& options, const std::string& user);

class LdapAuthenticator final : public Authenticator {
 public:
  explicit LdapAuthenticator(LdapOptions options);
  AuthOutcome authenticate(const AuthRequest& request) override;

  static constexpr const char* kChallenge = "Basic realm=\"livy\", charset=\"UTF-8\"";

 private:
  // OK, kUnauthenticated (wrong credentials) or kUnavailable (no answer from the server).
  Status bind(const std::string& dn, const std::string& password) const;

  const LdapOptions options_;
  BindCache cache_;
};

}  // namespace livy::auth
