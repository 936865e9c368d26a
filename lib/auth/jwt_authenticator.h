// auth.type jwt: `Authorization: Bearer <token>` (RFC 6750), a JSON Web Token
// signed by an OpenID Connect issuer (RS256 or ES256), checked against the
// issuer's public keys (jwks_source.h) and claims (jwt_verifier.h). Beyond
// Livy, which has no such type. The token's user claim is the caller.
#pragma once

#include <memory>
#include <string>

#include "auth/authenticator.h"
#include "auth/jwks_source.h"
#include "auth/jwt_verifier.h"
#include "livy/clock.h"

namespace livy::auth {

class JwtAuthenticator final : public Authenticator {
 public:
  JwtAuthenticator(JwtOptions options, std::unique_ptr<KeySource> keys, std::shared_ptr<Clock> clock);
  AuthOutcome authenticate(const AuthRequest& request) override;

  // RFC 6750 section 3: the challenge without an error when no token was sent.
  static constexpr const char* kChallenge = "Bearer realm=\"livy\"";
  static constexpr const char* kInvalidToken = "Bearer realm=\"livy\", error=\"invalid_token\"";
  static constexpr const char* kInvalidRequest = "Bearer realm=\"livy\", error=\"invalid_request\"";

 private:
  const JwtOptions options_;
  const std::unique_ptr<KeySource> keys_;
  const std::shared_ptr<Clock> clock_;
};

// The JwtAuthenticator `config` asks for (auth.jwt.*); an error names the key
// that is missing or wrong. The JWKS file is read here.
Result<std::unique_ptr<Authenticator>> make_jwt_authenticator(const Config& config, std::shared_ptr<Clock> clock);

}  // namespace livy::auth
