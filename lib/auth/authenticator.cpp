#include "auth/authenticator.h"

#include <fstream>

#include "auth/auth_cookie.h"
#include "auth/auth_header.h"
#include "auth/jwt_authenticator.h"
#include "auth/kerberos_authenticator.h"
#include "auth/ldap_authenticator.h"

namespace livy::auth {
namespace {

// The auth cookie in front of a mechanism: a valid cookie is the caller; else
// the mechanism decides, and its success earns a cookie. An invalid or expired
// cookie is ignored (and cleared), so the client authenticates again. Over
// HTTPS (`secure`) the cookie is marked Secure: a browser never sends it over
// plain HTTP, where anyone on the path could replay it.
class CookieAuthenticator final : public Authenticator {
 public:
  CookieAuthenticator(std::unique_ptr<Authenticator> inner, std::string type, std::chrono::milliseconds validity,
                      bool secure)
      : inner_(std::move(inner)), signer_(CookieSigner::random_key(), std::move(type), validity), secure_(secure) {}

  AuthOutcome authenticate(const AuthRequest& request) override {
    const auto now = std::chrono::system_clock::now();
    bool stale = false;
    if (!request.cookie.empty()) {
      if (const auto value = find_cookie(request.cookie, kAuthCookieName)) {
        if (const auto user = signer_.verify(*value, now)) return AuthOutcome::accept(*user);
        stale = true;
      }
    }
    AuthOutcome out = inner_->authenticate(request);
    if (out.status) {
      if (const auto value = signer_.sign(out.user, now)) out.set_cookie = signer_.set_cookie(*value, now);
    } else if (stale) {
      out.set_cookie = std::string(kAuthCookieName) + "=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly";
    }
    if (secure_ && !out.set_cookie.empty()) out.set_cookie += "; Secure";
    return out;
  }

 private:
  std::unique_ptr<Authenticator> inner_;
  const CookieSigner signer_;
  const bool secure_;
};

Result<std::unique_ptr<Authenticator>> make_ldap(const Config& config) {
  if (config.auth_ldap_url.empty()) {
    return Status::invalid_argument("auth.type ldap needs auth.ldap.url (livy.server.auth.ldap.url)");
  }
  const bool ldaps = config.auth_ldap_url.rfind("ldaps://", 0) == 0;
  if (!ldaps && config.auth_ldap_url.rfind("ldap://", 0) != 0) {
    return Status::invalid_argument("auth.ldap.url must start with ldap:// or ldaps://");
  }
  if (ldaps && config.auth_ldap_start_tls) {
    return Status::invalid_argument("auth.ldap.enable-start-tls cannot be used with an ldaps:// URL");
  }
  if (!config.auth_ldap_ca_file.empty() && !std::ifstream(config.auth_ldap_ca_file).good()) {
    return Status::invalid_argument("auth.ldap.ca-file " + config.auth_ldap_ca_file + " cannot be read");
  }
  LdapOptions options;
  options.url = config.auth_ldap_url;
  options.base_dn = config.auth_ldap_base_dn;
  options.username_domain = config.auth_ldap_username_domain;
  options.start_tls = config.auth_ldap_start_tls;
  options.ca_file = config.auth_ldap_ca_file;
  options.timeout = config.auth_ldap_timeout;
  options.cache_ttl = config.auth_ldap_cache_ttl;
  options.cache_max_entries = config.auth_ldap_cache_max_entries;
  return std::unique_ptr<Authenticator>(std::make_unique<LdapAuthenticator>(std::move(options)));
}

}  // namespace

Result<std::unique_ptr<Authenticator>> make_authenticator(const Config& config) {
  if (config.auth_type.empty() || config.auth_type == "none") return std::unique_ptr<Authenticator>();
  Result<std::unique_ptr<Authenticator>> inner = Status::invalid_argument(
      "auth.type " + config.auth_type + " is not known (none, ldap, kerberos or jwt)");
  // A bearer token is checked locally, and its own exp bounds it: a cookie would
  // outlive the token it was given for, so jwt has none.
  if (config.auth_type == "jwt") return make_jwt_authenticator(config, system_clock());
  if (config.auth_type == "ldap") inner = make_ldap(config);
  if (config.auth_type == "kerberos") {
    auto made = KerberosAuthenticator::create({config.auth_kerberos_principal, config.auth_kerberos_keytab,
                                               config.auth_kerberos_name_rules});
    if (made) {
      inner = std::unique_ptr<Authenticator>(std::move(*made));
    } else {
      inner = made.status();
    }
  }
  if (!inner) return inner.status();
  std::unique_ptr<Authenticator> mechanism = std::move(*inner);
  if (config.auth_cookie_validity.count() <= 0) return mechanism;
  return with_auth_cookie(std::move(mechanism), config.auth_type, config.auth_cookie_validity,
                          !config.tls_keystore.empty() || !config.tls_certificate_file.empty());
}

std::unique_ptr<Authenticator> with_auth_cookie(std::unique_ptr<Authenticator> mechanism, std::string type,
                                                std::chrono::milliseconds validity, bool secure) {
  return std::make_unique<CookieAuthenticator>(std::move(mechanism), std::move(type), validity, secure);
}

}  // namespace livy::auth
