#include "auth/jwt_verifier.h"

#include <jwt.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>

#include "base/utf8.h"

namespace livy::auth {
namespace {

Status invalid(const std::string& why) { return Status::unauthenticated("invalid bearer token: " + why); }

struct JwtFree {
  void operator()(jwt_t* p) const { jwt_free(p); }
};
struct CharFree {
  void operator()(char* p) const { std::free(p); }
};

jwt_alg_t libjwt_alg(JwtAlgorithm alg) { return alg == JwtAlgorithm::kRS256 ? JWT_ALG_RS256 : JWT_ALG_ES256; }

// A NumericDate claim (seconds since the epoch, RFC 7519 section 2): absent is fine
// (`present` false), anything but a finite number is not.
Status numeric_date(const rapidjson::Value& claims, const char* name, double* value, bool* present) {
  const auto it = claims.FindMember(name);
  *present = it != claims.MemberEnd();
  if (!*present) return Status::ok();
  if (!it->value.IsNumber() || !std::isfinite(it->value.GetDouble()))
    return invalid(std::string(name) + " is not a number");
  *value = it->value.GetDouble();
  return Status::ok();
}

bool audience_matches(const rapidjson::Value& aud, const std::vector<std::string>& audiences) {
  const auto wanted = [&](const rapidjson::Value& v) {
    return v.IsString() && std::find(audiences.begin(), audiences.end(),
                                     std::string(v.GetString(), v.GetStringLength())) != audiences.end();
  };
  if (aud.IsString()) return wanted(aud);
  if (!aud.IsArray()) return false;
  for (const auto& v : aud.GetArray()) {
    if (!v.IsString()) return false;
  }
  return std::any_of(aud.Begin(), aud.End(), wanted);
}

Result<std::string> check_claims(const rapidjson::Value& claims, const JwtOptions& options,
                                 std::chrono::system_clock::time_point now) {
  if (!claims.IsObject()) return invalid("the claims are not a JSON object");
  const auto iss = claims.FindMember("iss");
  if (iss == claims.MemberEnd() || !iss->value.IsString() ||
      std::string_view(iss->value.GetString(), iss->value.GetStringLength()) != options.issuer) {
    return invalid("wrong issuer");
  }
  const auto aud = claims.FindMember("aud");
  if (aud == claims.MemberEnd() || !audience_matches(aud->value, options.audiences)) {
    return invalid("wrong audience");
  }
  const double t = std::chrono::duration<double>(now.time_since_epoch()).count();
  const double skew = static_cast<double>(options.clock_skew.count());
  double exp = 0, nbf = 0, iat = 0;
  bool has_exp = false, has_nbf = false, has_iat = false;
  if (Status st = numeric_date(claims, "exp", &exp, &has_exp); !st) return st;
  if (Status st = numeric_date(claims, "nbf", &nbf, &has_nbf); !st) return st;
  if (Status st = numeric_date(claims, "iat", &iat, &has_iat); !st) return st;
  if (!has_exp) return invalid("no exp claim");
  if (t >= exp + skew) return invalid("the token has expired");
  if (has_nbf && t + skew < nbf) return invalid("the token is not valid yet (nbf)");
  if (has_iat && t + skew < iat) return invalid("the token is issued in the future (iat)");
  const auto user = claims.FindMember(options.user_claim.c_str());
  if (user == claims.MemberEnd() || !user->value.IsString()) {
    return invalid("no string claim " + options.user_claim + " for the user name");
  }
  std::string name(user->value.GetString(), user->value.GetStringLength());
  if (name.empty() || !is_valid_utf8(name)) return invalid("the user claim is empty or not UTF-8");
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return invalid("the user claim holds a control character");
  }
  return name;
}

}  // namespace

Result<JwtHeader> read_jwt_header(std::string_view token, const JwtOptions& options) {
  if (token.size() > options.max_token_bytes) {
    return invalid("longer than " + std::to_string(options.max_token_bytes) + " bytes (auth.jwt.max-token-bytes)");
  }
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return invalid("not three dot-separated parts");
  }
  for (const std::string_view part :
       {token.substr(0, dot1), token.substr(dot1 + 1, dot2 - dot1 - 1), token.substr(dot2 + 1)}) {
    if (part.empty() || !base64url_decode(part)) return invalid("a part is not base64url");
  }
  const auto text = base64url_decode(token.substr(0, dot1));
  rapidjson::Document header;
  header.Parse<rapidjson::kParseIterativeFlag>(text->data(), text->size());
  if (header.HasParseError() || !header.IsObject()) return invalid("the header is not a JSON object");
  const auto alg = header.FindMember("alg");
  if (alg == header.MemberEnd() || !alg->value.IsString()) return invalid("the header has no alg");
  const auto known = jwt_algorithm_from_name(std::string_view(alg->value.GetString(), alg->value.GetStringLength()));
  if (!known || std::find(options.algorithms.begin(), options.algorithms.end(), *known) == options.algorithms.end()) {
    return invalid("algorithm not accepted (auth.jwt.algorithms)");
  }
  // RFC 7515 section 4.1.11: an extension the receiver does not understand must be refused.
  if (header.HasMember("crit")) return invalid("the header has crit extensions");
  JwtHeader out;
  out.alg = *known;
  if (const auto kid = header.FindMember("kid"); kid != header.MemberEnd()) {
    if (!kid->value.IsString()) return invalid("kid is not a string");
    out.kid.assign(kid->value.GetString(), kid->value.GetStringLength());
  }
  return out;
}

const JsonWebKey* find_jwt_key(const std::vector<JsonWebKey>& keys, const JwtHeader& header) {
  const JsonWebKey* only = nullptr;
  std::size_t with_alg = 0;
  for (const auto& key : keys) {
    if (key.alg != header.alg) continue;
    if (!header.kid.empty() && key.kid == header.kid) return &key;
    ++with_alg;
    only = &key;
  }
  return header.kid.empty() && with_alg == 1 ? only : nullptr;
}

Result<std::string> verify_jwt(std::string_view token, const JsonWebKey& key, const JwtOptions& options,
                               std::chrono::system_clock::time_point now) {
  // The header is read again here so that no caller can check a token with a
  // key of another algorithm: libjwt verifies with the algorithm the header
  // names, so the header must name the key's.
  const auto header = read_jwt_header(token, options);
  if (!header) return header.status();
  if (header->alg != key.alg) return invalid("the header's alg is not the key's");
  const std::string text(token);
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key.pem.data()),
                            static_cast<int>(key.pem.size()));
  std::unique_ptr<jwt_t, JwtFree> jwt(raw);
  if (rc != 0 || !jwt) return invalid("the signature does not verify");
  if (jwt_get_alg(jwt.get()) != libjwt_alg(key.alg)) return invalid("the signature does not verify");
  std::unique_ptr<char, CharFree> claims_text(jwt_get_grants_json(jwt.get(), nullptr));
  if (!claims_text) return invalid("the claims are not a JSON object");
  rapidjson::Document claims;
  claims.Parse<rapidjson::kParseIterativeFlag>(claims_text.get());
  if (claims.HasParseError()) return invalid("the claims are not a JSON object");
  return check_claims(claims, options, now);
}

}  // namespace livy::auth
