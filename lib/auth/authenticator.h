// Who is calling: the authenticator the REST routes ask once per request,
// before routing (lib/http/routes.cpp). One implementation per
// `auth.type` (ldap_authenticator.h, kerberos_authenticator.h, jwt_authenticator.h);
// ldap and kerberos behind the auth cookie (auth_cookie.h). Owned by the routes' pre-routing hook.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "livy/config.h"
#include "livy/status.h"

namespace livy::auth {

// What a request shows: its header values, empty when absent.
struct AuthRequest {
  std::string_view authorization;
  std::string_view cookie;
};

// The answer. On success `user` is the caller; otherwise `status` says why:
// kUnauthenticated (401: send `challenge` as WWW-Authenticate),
// kInvalidArgument (400: malformed credentials), kForbidden (403), or
// kUnavailable (503: the LDAP server or the KDC's keys cannot be reached).
struct AuthOutcome {
  Status status;
  std::string user;
  std::string challenge;     // WWW-Authenticate: the challenge on a 401, a final token on success
  std::string set_cookie;    // Set-Cookie to send with the answer, if any

  static AuthOutcome accept(std::string user) {
    AuthOutcome out;
    out.user = std::move(user);
    return out;
  }
  static AuthOutcome reject(Status status, std::string challenge = {}) {
    AuthOutcome out;
    out.status = std::move(status);
    out.challenge = std::move(challenge);
    return out;
  }
};

// Thread-safe: called by many request threads at once. authenticate() may
// block (an LDAP bind) up to its configured timeout, and holds no lock that
// another request waits on while it does.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual AuthOutcome authenticate(const AuthRequest& request) = 0;
};

// The authenticator `config.auth_type` asks for, behind the auth cookie;
// nullptr when there is no authentication (auth.type none). An error names
// the key that is missing or wrong (start-up refuses to run then).
Result<std::unique_ptr<Authenticator>> make_authenticator(const Config& config);

// `mechanism` behind the auth cookie of `type` (the auth.type), valid for
// `validity`; `secure` (livyd serves HTTPS) marks the cookie Secure.
std::unique_ptr<Authenticator> with_auth_cookie(std::unique_ptr<Authenticator> mechanism, std::string type,
                                                std::chrono::milliseconds validity, bool secure);

}  // namespace livy::auth
