// A JSON Web Token (RFC 7519) checked the way auth.type jwt needs: the header
// read first, without trusting it, to pick the key; then the signature checked
// by libjwt with that key's algorithm, and the claims (iss, aud, exp, nbf, iat
// and the user's claim) against the options. Pure functions of their
// arguments (the time is passed in), so the unit tests hold every rejection.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwk.h"
#include "livy/status.h"

namespace livy::auth {

struct JwtOptions {
  std::string issuer;                  // the `iss` every token must carry, exactly
  std::vector<std::string> audiences;  // `aud` must hold one of them
  std::vector<JwtAlgorithm> algorithms{JwtAlgorithm::kRS256, JwtAlgorithm::kES256};
  std::string user_claim = "sub";
  std::chrono::seconds clock_skew{60};
  std::size_t max_token_bytes = 16 * 1024;
};

// What the token's header claims: its algorithm (one of options.algorithms)
// and its key id (empty when it has none).
struct JwtHeader {
  JwtAlgorithm alg = JwtAlgorithm::kRS256;
  std::string kid;
};

// The header of `token`, after its shape is checked (at most max_token_bytes,
// three base64url parts, a JSON object header with an accepted `alg` and no
// `crit`). Errors are kUnauthenticated, with a message fit for the client.
Result<JwtHeader> read_jwt_header(std::string_view token, const JwtOptions& options);

// The key of `keys` a token with `header` is checked with: the same kid (any
// key, when the token has none and exactly one key has its algorithm) and the
// key's own algorithm equal to the header's. nullptr when there is none.
const JsonWebKey* find_jwt_key(const std::vector<JsonWebKey>& keys, const JwtHeader& header);

// The user `token` names, once its signature checks with `key` (with the key's
// algorithm, whatever the header says) and its claims hold at `now`.
// Errors are kUnauthenticated.
Result<std::string> verify_jwt(std::string_view token, const JsonWebKey& key, const JwtOptions& options,
                               std::chrono::system_clock::time_point now);

}  // namespace livy::auth
