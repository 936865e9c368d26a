#include "auth/jwk.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <rapidjson/document.h>

#include <memory>

namespace livy::auth {
namespace {

// RSA moduli livyd takes: below 2048 bits is breakable, above 8192 makes each
// verification a cost an attacker chooses.
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;
constexpr std::size_t kP256CoordinateBytes = 32;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

int b64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// A string member's value, or nullopt when absent or not a string.
std::optional<std::string> string_member(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

Result<std::string> pem_of(const Pkey& key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) return Status::internal("cannot write a PEM key");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  if (n <= 0 || data == nullptr) return Status::internal("cannot write a PEM key");
  return std::string(data, static_cast<std::size_t>(n));
}

Result<Pkey> from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || raw == nullptr) {
    return Status::invalid_argument("OpenSSL refuses the key's parameters");
  }
  Pkey key(raw);
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return Status::invalid_argument("the public key is not valid");
  return key;
}

std::unique_ptr<BIGNUM, BnFree> bignum(const std::string& bytes) {
  return std::unique_ptr<BIGNUM, BnFree>(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
}

Result<Pkey> rsa_key(const rapidjson::Value& jwk) {
  const auto n64 = string_member(jwk, "n");
  const auto e64 = string_member(jwk, "e");
  if (!n64 || !e64) return Status::invalid_argument("an RSA key needs string members n and e");
  const auto n = base64url_decode(*n64);
  const auto e = base64url_decode(*e64);
  if (!n || !e || n->empty() || e->empty()) return Status::invalid_argument("n or e is not base64url");
  if (n->size() > kMaxRsaBits / 8 + 1 || e->size() > 8) return Status::invalid_argument("n or e is too large");
  auto bn_n = bignum(*n);
  auto bn_e = bignum(*e);
  if (!bn_n || !bn_e) return Status::internal("out of memory");
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return Status::invalid_argument("an RSA modulus of " + std::to_string(bits) + " bits (2048 to 8192 taken)");
  }
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get())) return Status::invalid_argument("e is not a valid exponent");
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return Status::internal("out of memory");
  }
  return from_params("RSA", bld.get());
}

Result<Pkey> ec_key(const rapidjson::Value& jwk) {
  const auto crv = string_member(jwk, "crv");
  if (!crv || *crv != "P-256") return Status::invalid_argument("an EC key must be on curve P-256");
  const auto x64 = string_member(jwk, "x");
  const auto y64 = string_member(jwk, "y");
  if (!x64 || !y64) return Status::invalid_argument("an EC key needs string members x and y");
  const auto x = base64url_decode(*x64);
  const auto y = base64url_decode(*y64);
  if (!x || !y || x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return Status::invalid_argument("x and y must be 32 bytes of base64url each");
  }
  std::string point = "\x04" + *x + *y;  // SEC 1 uncompressed point
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return Status::internal("out of memory");
  }
  return from_params("EC", bld.get());
}

Result<JsonWebKey> key_of(const rapidjson::Value& jwk) {
  if (!jwk.IsObject()) return Status::invalid_argument("a key is not a JSON object");
  const auto kty = string_member(jwk, "kty");
  if (!kty) return Status::invalid_argument("a key has no kty");
  if (const auto use = string_member(jwk, "use"); use && *use != "sig") {
    return Status::invalid_argument("a key whose use is not sig");
  }
  if (jwk.HasMember("use") && !jwk["use"].IsString()) return Status::invalid_argument("use is not a string");
  if (jwk.HasMember("kid") && !jwk["kid"].IsString()) return Status::invalid_argument("kid is not a string");
  if (jwk.HasMember("alg") && !jwk["alg"].IsString()) return Status::invalid_argument("alg is not a string");
  JsonWebKey out;
  out.kid = string_member(jwk, "kid").value_or("");
  Result<Pkey> key = Status::invalid_argument("kty " + *kty + " is not taken (RSA or EC)");
  if (*kty == "RSA") {
    out.alg = JwtAlgorithm::kRS256;
    key = rsa_key(jwk);
  } else if (*kty == "EC") {
    out.alg = JwtAlgorithm::kES256;
    key = ec_key(jwk);
  }
  if (!key) return key.status();
  if (const auto alg = string_member(jwk, "alg"); alg && *alg != jwt_algorithm_name(out.alg)) {
    return Status::invalid_argument("alg " + *alg + " does not fit a key of kty " + *kty);
  }
  auto pem = pem_of(*key);
  if (!pem) return pem.status();
  out.pem = std::move(*pem);
  return out;
}

}  // namespace

std::optional<JwtAlgorithm> jwt_algorithm_from_name(std::string_view name) {
  if (name == "RS256") return JwtAlgorithm::kRS256;
  if (name == "ES256") return JwtAlgorithm::kES256;
  return std::nullopt;
}

const char* jwt_algorithm_name(JwtAlgorithm alg) { return alg == JwtAlgorithm::kRS256 ? "RS256" : "ES256"; }

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = b64url_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero: one text per byte string.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : bytes) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

Result<JsonWebKey> parse_jwk(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError()) return Status::invalid_argument("a key is not JSON");
  return key_of(doc);
}

Result<std::vector<JsonWebKey>> parse_jwks(std::string_view json, std::vector<std::string>* skipped) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return Status::invalid_argument("the JWKS is not a JSON object");
  const auto keys = doc.FindMember("keys");
  if (keys == doc.MemberEnd() || !keys->value.IsArray()) {
    return Status::invalid_argument("the JWKS has no \"keys\" array");
  }
  std::vector<JsonWebKey> out;
  std::size_t index = 0;
  for (const auto& jwk : keys->value.GetArray()) {
    auto key = key_of(jwk);
    if (key) {
      out.push_back(std::move(*key));
    } else if (skipped != nullptr) {
      skipped->push_back("key " + std::to_string(index) + ": " + key.status().message());
    }
    ++index;
  }
  if (out.empty()) return Status::invalid_argument("the JWKS holds no usable signing key (RSA, or EC on P-256)");
  return out;
}

}  // namespace livy::auth
