// Keys and tokens for the jwt tests, made here with OpenSSL (never with libjwt,
// the code under test): a key pair, its JWK, and tokens signed as RFC 7515 says
// (ES256 as the raw R || S pair), or crafted to be wrong.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "auth/jwk.h"

namespace livy_test {

class JwtTestKey {
 public:
  static JwtTestKey rsa(int bits = 2048) {
    return JwtTestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)), true);
  }
  static JwtTestKey p256() { return JwtTestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), false); }
  static JwtTestKey ec(const char* curve) {
    return JwtTestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve), false);
  }

  const char* alg() const { return rsa_ ? "RS256" : "ES256"; }

  // {"kty": ..., "kid": kid, ...}; `extra` is added inside the object (",\"alg\":\"RS256\"").
  std::string jwk(const std::string& kid, const std::string& extra = "") const {
    using livy::auth::base64url_encode;
    if (rsa_) {
      return R"({"kty":"RSA","kid":")" + kid + R"(","n":")" + base64url_encode(bn(OSSL_PKEY_PARAM_RSA_N, 0)) +
             R"(","e":")" + base64url_encode(bn(OSSL_PKEY_PARAM_RSA_E, 0)) + "\"" + extra + "}";
    }
    char group[64] = {0};
    EVP_PKEY_get_utf8_string_param(key_.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, nullptr);
    const std::string crv = std::string(group) == "prime256v1" ? "P-256" : group;
    const int size = (EVP_PKEY_get_bits(key_.get()) + 7) / 8;
    return R"({"kty":"EC","crv":")" + crv + R"(","kid":")" + kid + R"(","x":")" +
           base64url_encode(bn(OSSL_PKEY_PARAM_EC_PUB_X, size)) + R"(","y":")" +
           base64url_encode(bn(OSSL_PKEY_PARAM_EC_PUB_Y, size)) + "\"" + extra + "}";
  }

  std::string public_pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), key_.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
  }

  // header.payload.signature, signed with this key's algorithm whatever the header says.
  std::string sign(const std::string& header_json, const std::string& payload_json) const {
    using livy::auth::base64url_encode;
    const std::string input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t len = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) !=
            1) {
      throw std::runtime_error("cannot sign");
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
      throw std::runtime_error("cannot sign");
    }
    sig.resize(len);
    if (!rsa_) sig = der_to_raw(sig, (EVP_PKEY_get_bits(key_.get()) + 7) / 8);
    return input + "." + base64url_encode(sig);
  }

 private:
  JwtTestKey(EVP_PKEY* key, bool rsa) : key_(key, EVP_PKEY_free), rsa_(rsa) {
    if (key == nullptr) throw std::runtime_error("cannot make a key");
  }

  std::string bn(const char* name, int pad) const {
    BIGNUM* raw = nullptr;
    EVP_PKEY_get_bn_param(key_.get(), name, &raw);
    std::unique_ptr<BIGNUM, decltype(&BN_free)> b(raw, BN_free);
    std::string out(pad > 0 ? static_cast<std::size_t>(pad) : static_cast<std::size_t>(BN_num_bytes(raw)), '\0');
    BN_bn2binpad(raw, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    return out;
  }

  static std::string der_to_raw(const std::string& der, int size) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())),
                                                              ECDSA_SIG_free);
    std::string out(static_cast<std::size_t>(2 * size), '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), reinterpret_cast<unsigned char*>(out.data()), size);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), reinterpret_cast<unsigned char*>(out.data()) + size, size);
    return out;
  }

  std::shared_ptr<EVP_PKEY> key_;
  bool rsa_;
};

// A token "signed" with HMAC-SHA256 under `secret` (the key-confusion attack uses a public PEM).
inline std::string hs256_token(const std::string& header_json, const std::string& payload_json,
                               const std::string& secret) {
  using livy::auth::base64url_encode;
  const std::string input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  char digest[] = "SHA256";
  EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, secret.data(), secret.size(),
            reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, sizeof mac, &len);
  return input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), len));
}

}  // namespace livy_test
