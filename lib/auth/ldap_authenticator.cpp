#include "auth/ldap_authenticator.h"

#include <ldap.h>

#include "auth/auth_header.h"

namespace livy::auth {
namespace {

// Livy's LdapUtils.indexOfDomainMatch: the first '/' or '@', which must not be the first character.
bool has_domain(const std::string& user) {
  const std::size_t at = user.find_first_of("/@");
  return at != std::string::npos && at > 0;
}

// RFC 4514, section 2.4: the characters an attribute value must escape.
std::string escape_dn_value(const std::string& value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' ||
                         c == '=' || (i == 0 && (c == '#' || c == ' ')) || (i + 1 == value.size() && c == ' ');
    if (c == '\0') {
      out += "\\00";
      continue;
    }
    if (special) out += '\\';
    out += c;
  }
  return out;
}

timeval to_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

// What the client may be told about a failed bind: the server's state, never its diagnostics.
bool is_wrong_credentials(int rc) {
  return rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INVALID_DN_SYNTAX || rc == LDAP_NO_SUCH_OBJECT ||
         rc == LDAP_INAPPROPRIATE_AUTH || rc == LDAP_UNWILLING_TO_PERFORM || rc == LDAP_CONSTRAINT_VIOLATION ||
         rc == LDAP_INSUFFICIENT_ACCESS;
}

}  // namespace

std::string ldap_bind_dn(const LdapOptions& options, const std::string& user) {
  std::string principal = user;
  if (!has_domain(user) && !options.username_domain.empty()) principal += "@" + options.username_domain;
  if (options.base_dn.empty()) return principal;
  return "uid=" + escape_dn_value(principal) + "," + options.base_dn;
}

LdapAuthenticator::LdapAuthenticator(LdapOptions options)
    : options_(std::move(options)), cache_(options_.cache_ttl, options_.cache_max_entries) {}

Status LdapAuthenticator::bind(const std::string& dn, const std::string& password) const {
  const auto unavailable = [] { return Status::unavailable("the LDAP server cannot be reached; try again later"); };
  LDAP* ld = nullptr;
  if (ldap_initialize(&ld, options_.url.c_str()) != LDAP_SUCCESS || ld == nullptr) return unavailable();
  // One handle per bind, freed on every path: libldap handles are not shared between threads.
  struct Closer {
    LDAP* ld;
    ~Closer() { ldap_unbind_ext_s(ld, nullptr, nullptr); }
  } closer{ld};
  const int version = LDAP_VERSION3;
  const timeval tv = to_timeval(options_.timeout);
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
  // TLS (ldaps:// or StartTLS): TLS 1.2 at least, and a certificate that chains to the CAs,
  // checked always. The handle's own TLS context takes these (LDAP_OPT_X_TLS_NEWCTX).
  const int demand = LDAP_OPT_X_TLS_DEMAND;
  const int tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
  const int server_ctx = 0;
  ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
  ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12);
  if (!options_.ca_file.empty()) ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, options_.ca_file.c_str());
  if (ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &server_ctx) != LDAP_OPT_SUCCESS && !options_.ca_file.empty()) {
    return unavailable();  // the CA file cannot be read
  }
  if (options_.start_tls && ldap_start_tls_s(ld, nullptr, nullptr) != LDAP_SUCCESS) return unavailable();
  berval cred{};
  cred.bv_val = const_cast<char*>(password.data());
  cred.bv_len = password.size();
  const int rc = ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
  if (rc == LDAP_SUCCESS) return Status::ok();
  if (is_wrong_credentials(rc)) return Status::unauthenticated("invalid user name or password");
  return unavailable();
}

AuthOutcome LdapAuthenticator::authenticate(const AuthRequest& request) {
  if (request.authorization.empty()) {
    return AuthOutcome::reject(Status::unauthenticated("authentication required: send HTTP Basic credentials"),
                               kChallenge);
  }
  const auto header = parse_authorization(request.authorization);
  if (!header) return AuthOutcome::reject(header.status());
  if (header->scheme != "basic") {
    return AuthOutcome::reject(Status::unauthenticated("authentication required: send HTTP Basic credentials"),
                               kChallenge);
  }
  const auto credentials = parse_basic(header->token);
  if (!credentials) return AuthOutcome::reject(credentials.status(), kChallenge);
  const auto now = BindCache::Clock::now();
  if (cache_.contains(credentials->user, credentials->password, now)) return AuthOutcome::accept(credentials->user);
  const Status st = bind(ldap_bind_dn(options_, credentials->user), credentials->password);
  if (!st) {
    if (st.code() == ErrorCode::kUnauthenticated) cache_.forget(credentials->user);
    return AuthOutcome::reject(st, st.code() == ErrorCode::kUnauthenticated ? kChallenge : "");
  }
  cache_.remember(credentials->user, credentials->password, now);
  return AuthOutcome::accept(credentials->user);
}

}  // namespace livy::auth
