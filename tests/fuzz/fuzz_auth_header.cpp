// libFuzzer target: what livyd reads of a client's credentials before it knows
// who the client is (lib/auth/auth_header.h, lib/auth/auth_cookie.h): the
// Authorization header, HTTP Basic credentials, the Cookie header and the
// signed auth cookie. Checked, beyond "no crash, no sanitizer report":
//  - a parsed Authorization has a non-empty lower-case scheme of token
//    characters and a token without control characters or outer spaces;
//  - Basic credentials have a non-empty user and password, or a 400/401 error
//    with a message; never an empty password (an anonymous LDAP bind);
//  - no input is accepted as an auth cookie (only a signature made with the key
//    is), and a cookie signed for any user the format carries verifies as that user;
//  - bearer tokens (auth.type jwt, lib/auth/jwt_verifier.h, lib/auth/jwk.h): a
//    header read is one of the accepted algorithms, from a token within the size
//    limit; every refusal is a 401 with a message; no input verifies against a
//    key made here (only its private key could sign); base64url decoding is
//    canonical (decoded text encodes back to the input); a JWK or JWKS either
//    fails with a message or gives PEM keys.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/auth_cookie.h"
#include "auth/auth_header.h"
#include "auth/jwk.h"
#include "auth/jwt_verifier.h"
#include "fuzz_check.h"

namespace {

bool is_lower_token(const std::string& s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c >= 'A' && c <= 'Z') return false;
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

// An ES256 key made once; its JWK goes through parse_jwk, as the issuer's would.
const livy::auth::JsonWebKey& fuzz_key() {
  static const livy::auth::JsonWebKey key = [] {
    EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    FUZZ_CHECK(pkey != nullptr);
    std::string xy[2];
    const char* names[2] = {OSSL_PKEY_PARAM_EC_PUB_X, OSSL_PKEY_PARAM_EC_PUB_Y};
    for (int i = 0; i < 2; ++i) {
      BIGNUM* bn = nullptr;
      FUZZ_CHECK(EVP_PKEY_get_bn_param(pkey, names[i], &bn) == 1);
      xy[i].assign(32, '\0');
      BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(xy[i].data()), 32);
      BN_free(bn);
    }
    EVP_PKEY_free(pkey);
    auto parsed =
        livy::auth::parse_jwk(R"({"kty":"EC","crv":"P-256","kid":"k1","x":")" + livy::auth::base64url_encode(xy[0]) +
                              R"(","y":")" + livy::auth::base64url_encode(xy[1]) + "\"}");
    FUZZ_CHECK(parsed);
    return *parsed;
  }();
  return key;
}

void check_bearer(std::string_view token) {
  using namespace livy::auth;
  JwtOptions options;
  options.issuer = "https://idp.test";
  options.audiences = {"livy"};
  options.max_token_bytes = 4096;
  const auto header = read_jwt_header(token, options);
  if (header) {
    FUZZ_CHECK(token.size() <= options.max_token_bytes);
    FUZZ_CHECK(header->alg == JwtAlgorithm::kRS256 || header->alg == JwtAlgorithm::kES256);
  } else {
    FUZZ_CHECK(header.status().code() == livy::ErrorCode::kUnauthenticated);
    FUZZ_CHECK(!header.status().message().empty());
  }
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  const auto user = verify_jwt(token, fuzz_key(), options, now);
  FUZZ_CHECK(!user);
  FUZZ_CHECK(user.status().code() == livy::ErrorCode::kUnauthenticated);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace livy::auth;

  const auto header = parse_authorization(input);
  if (header) {
    FUZZ_CHECK(is_lower_token(header->scheme));
    for (const char c : header->token) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    if (!header->token.empty()) {
      FUZZ_CHECK(header->token.front() != ' ' && header->token.back() != ' ');
    }
  } else {
    livy_fuzz::check_rejection(header.status());
  }

  const auto basic = parse_basic(input);
  if (basic) {
    FUZZ_CHECK(!basic->user.empty());
    FUZZ_CHECK(!basic->password.empty());
    FUZZ_CHECK(basic->user.find(':') == std::string::npos);
  } else {
    FUZZ_CHECK(basic.status().code() == livy::ErrorCode::kInvalidArgument ||
               basic.status().code() == livy::ErrorCode::kUnauthenticated);
    FUZZ_CHECK(!basic.status().message().empty());
  }

  (void)find_cookie(input, kAuthCookieName);

  check_bearer(input);
  if (header && header->scheme == "bearer") check_bearer(header->token);
  if (const auto decoded = base64url_decode(input)) FUZZ_CHECK(base64url_encode(*decoded) == input);
  if (const auto key = parse_jwk(input)) FUZZ_CHECK(key->pem.rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
  const auto keys = parse_jwks(input);
  if (keys) {
    FUZZ_CHECK(!keys->empty());
  } else {
    FUZZ_CHECK(!keys.status().message().empty());
  }

  static const CookieSigner signer(std::string(32, 'k'), "ldap", std::chrono::hours(1));
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  FUZZ_CHECK(!signer.verify(input, now));
  if (const auto cookie = find_cookie(input, kAuthCookieName)) FUZZ_CHECK(!signer.verify(*cookie, now));
  const std::string user(input.substr(0, 64));
  if (const auto signed_value = signer.sign(user, now)) {
    const auto back = signer.verify(*signed_value, now);
    FUZZ_CHECK(back && *back == user);
    FUZZ_CHECK(!signer.verify(*signed_value, now + std::chrono::hours(1)));
  }
  return 0;
}
