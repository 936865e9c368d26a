// JSON Web Keys (RFC 7517) as auth.type jwt reads them: a JWKS document turned
// into the PEM public keys libjwt verifies with. libjwt 1.x cannot read a JWK;
// OpenSSL 3 builds each key from its parameters (RSA n/e, EC P-256 x/y) and
// checks it. Every function here is total over hostile text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livy/status.h"

namespace livy::auth {

// The algorithms auth.type jwt accepts. A key has exactly one: RSA keys RS256,
// EC P-256 keys ES256. HMAC and `none` have no place here on purpose.
enum class JwtAlgorithm { kRS256, kES256 };
std::optional<JwtAlgorithm> jwt_algorithm_from_name(std::string_view name);
const char* jwt_algorithm_name(JwtAlgorithm alg);

// One usable public key: its `kid` (may be empty), its algorithm, its PEM
// (SubjectPublicKeyInfo) text.
struct JsonWebKey {
  std::string kid;
  JwtAlgorithm alg = JwtAlgorithm::kRS256;
  std::string pem;
};

// The signing keys of a JWKS document ({"keys": [...]}), in its order. A key
// that is not for signatures (`use` other than sig), of another type (oct:
// a symmetric key is never taken), another curve, or an `alg` that disagrees
// with its type is skipped; `skipped` (if given) gets one line per skipped
// key saying why. An error: the document is not a JWKS, or no key is usable.
Result<std::vector<JsonWebKey>> parse_jwks(std::string_view json, std::vector<std::string>* skipped = nullptr);

// One JWK object's text -> a key; the error says why it is not usable.
Result<JsonWebKey> parse_jwk(std::string_view json);

// base64url without padding (RFC 7515 section 2); nullopt for any other text.
std::optional<std::string> base64url_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);

}  // namespace livy::auth
