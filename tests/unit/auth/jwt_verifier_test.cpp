// auth.type jwt's pieces without a server: JWKs turned into keys, and tokens
// checked against them. Every rejection the issue lists has a case here; the
// tokens are made with OpenSSL in jwt_test_keys.h, not with libjwt.
#include "auth/jwt_verifier.h"

#include <catch2/catch.hpp>

#include "auth/jwk.h"
#include "jwt_test_keys.h"

using livy::ErrorCode;
using livy::auth::base64url_decode;
using livy::auth::base64url_encode;
using livy::auth::find_jwt_key;
using livy::auth::JsonWebKey;
using livy::auth::JwtAlgorithm;
using livy::auth::JwtOptions;
using livy::auth::parse_jwk;
using livy::auth::parse_jwks;
using livy::auth::read_jwt_header;
using livy::auth::verify_jwt;
using livy_test::JwtTestKey;

namespace {

constexpr long long kNow = 1'700'000'000;
const auto kNowTime = std::chrono::system_clock::time_point(std::chrono::seconds(kNow));

JwtOptions options() {
  JwtOptions o;
  o.issuer = "https://idp.test";
  o.audiences = {"livy", "other"};
  return o;
}

std::string claims(const std::string& extra = "", long long exp = kNow + 300) {
  return R"({"iss":"https://idp.test","aud":"livy","sub":"alice","exp":)" + std::to_string(exp) + extra + "}";
}

std::string header(const std::string& alg, const std::string& kid) {
  return R"({"alg":")" + alg + R"(","typ":"JWT","kid":")" + kid + R"("})";
}

JsonWebKey key_of(const JwtTestKey& k, const std::string& kid) {
  auto key = parse_jwk(k.jwk(kid));
  REQUIRE(key);
  return *key;
}

// The reason verify_jwt gives for `token`, or "" when it is accepted.
std::string rejection(const std::string& token, const JsonWebKey& key, const JwtOptions& o = options()) {
  const auto user = verify_jwt(token, key, o, kNowTime);
  if (user) return "";
  CHECK(user.status().code() == ErrorCode::kUnauthenticated);
  return user.status().message();
}

}  // namespace

TEST_CASE("jwt: base64url without padding, one text per byte string", "[auth][jwt]") {
  for (const std::string s : {"", "f", "fo", "foo", "foob", "\xff\xfe\x00", "any carnal pleasure"}) {
    CHECK(base64url_decode(base64url_encode(s)) == s);
  }
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK_FALSE(base64url_decode("Zm9v="));  // padding
  CHECK_FALSE(base64url_decode("Zm9+"));   // the standard alphabet
  CHECK_FALSE(base64url_decode("Z"));      // a length no encoder makes
  CHECK_FALSE(base64url_decode("Zh"));     // stray low bits ("Zg" is "f")
  CHECK(base64url_decode("Zg") == "f");
}

TEST_CASE("jwt: JWKs of RSA and P-256 keys become PEM keys; others are refused", "[auth][jwt]") {
  const auto rsa = JwtTestKey::rsa();
  const auto ec = JwtTestKey::p256();
  auto r = parse_jwk(rsa.jwk("r1", R"(,"alg":"RS256","use":"sig")"));
  REQUIRE(r);
  CHECK(r->kid == "r1");
  CHECK(r->alg == JwtAlgorithm::kRS256);
  CHECK(r->pem == rsa.public_pem());
  auto e = parse_jwk(ec.jwk("e1"));
  REQUIRE(e);
  CHECK(e->alg == JwtAlgorithm::kES256);
  CHECK(e->pem == ec.public_pem());

  CHECK(parse_jwk(JwtTestKey::ec("P-384").jwk("x")).status().message().find("P-256") != std::string::npos);
  CHECK_FALSE(parse_jwk(JwtTestKey::rsa(1024).jwk("small")));
  CHECK_FALSE(parse_jwk(rsa.jwk("r", R"(,"alg":"ES256")")));  // alg disagrees with kty
  CHECK_FALSE(parse_jwk(rsa.jwk("r", R"(,"alg":"HS256")")));
  CHECK_FALSE(parse_jwk(rsa.jwk("r", R"(,"use":"enc")")));
  CHECK_FALSE(parse_jwk(R"({"kty":"oct","kid":"h","k":"c2VjcmV0"})"));  // a symmetric key, never
  CHECK_FALSE(parse_jwk(R"({"kty":"RSA","n":"!!","e":"AQAB"})"));
  CHECK_FALSE(parse_jwk(R"({"kty":"RSA","n":7,"e":"AQAB"})"));
  CHECK_FALSE(parse_jwk(R"({"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"})"));
  CHECK_FALSE(parse_jwk("[1,2]"));
  CHECK_FALSE(parse_jwk("{"));
  // A point not on the curve: y changed.
  std::string bad = ec.jwk("e1");
  const auto y = bad.find("\"y\":\"") + 5;
  bad[y] = bad[y] == 'A' ? 'B' : 'A';
  CHECK_FALSE(parse_jwk(bad));
}

TEST_CASE("jwt: a JWKS keeps its usable keys and says why it skipped the others", "[auth][jwt]") {
  const auto rsa = JwtTestKey::rsa();
  const std::string doc =
      R"({"keys":[)" + rsa.jwk("r1") + R"(,{"kty":"oct","k":"c2VjcmV0"},)" + JwtTestKey::ec("P-384").jwk("p384") + "]}";
  std::vector<std::string> skipped;
  const auto keys = parse_jwks(doc, &skipped);
  REQUIRE(keys);
  REQUIRE(keys->size() == 1);
  CHECK((*keys)[0].kid == "r1");
  CHECK(skipped.size() == 2);
  CHECK_FALSE(parse_jwks(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})"));
  CHECK_FALSE(parse_jwks(R"({"keys":{}})"));
  CHECK_FALSE(parse_jwks("[]"));
  CHECK_FALSE(parse_jwks(""));
}

TEST_CASE("jwt: signed RS256 and ES256 tokens give their user", "[auth][jwt]") {
  const auto rsa = JwtTestKey::rsa();
  const auto ec = JwtTestKey::p256();
  CHECK(*verify_jwt(rsa.sign(header("RS256", "r1"), claims()), key_of(rsa, "r1"), options(), kNowTime) == "alice");
  CHECK(*verify_jwt(ec.sign(header("ES256", "e1"), claims()), key_of(ec, "e1"), options(), kNowTime) == "alice");
  // aud as an array holding one of ours; nbf and iat in the past; a claim other than sub.
  auto o = options();
  o.user_claim = "preferred_username";
  const auto token =
      rsa.sign(header("RS256", "r1"),
               R"({"iss":"https://idp.test","aud":["x","other"],"sub":"u-123","preferred_username":"bob",)"
               R"("exp":)" +
                   std::to_string(kNow + 60) + R"(,"nbf":)" + std::to_string(kNow - 10) + R"(,"iat":)" +
                   std::to_string(kNow - 10) + "}");
  CHECK(*verify_jwt(token, key_of(rsa, "r1"), o, kNowTime) == "bob");
}

TEST_CASE("jwt: the algorithm is the key's: none, HS256 with the public key, and mismatches are refused",
          "[auth][jwt]") {
  const auto rsa = JwtTestKey::rsa();
  const auto key = key_of(rsa, "r1");
  const std::string body = base64url_encode(claims());
  // alg none, unsigned and with some signature.
  CHECK_FALSE(read_jwt_header(base64url_encode(R"({"alg":"none"})") + "." + body + ".", options()));
  CHECK(rejection(base64url_encode(R"({"alg":"none","kid":"r1"})") + "." + body + ".c2ln", key)
            .find("algorithm not accepted") != std::string::npos);
  // The classic key confusion: HMAC keyed with the RSA key's public PEM.
  const auto confused = livy_test::hs256_token(header("HS256", "r1"), claims(), rsa.public_pem());
  CHECK(rejection(confused, key).find("algorithm not accepted") != std::string::npos);
  // The same with two alg members (JSON parsers differ on which one wins).
  const auto doubled =
      livy_test::hs256_token(R"({"alg":"RS256","kid":"r1","alg":"HS256"})", claims(), rsa.public_pem());
  CHECK_FALSE(rejection(doubled, key).empty());
  // A header that names ES256 for an RSA key: no key is found, and verify_jwt refuses it too.
  const auto es_header = rsa.sign(header("ES256", "r1"), claims());
  CHECK(find_jwt_key({key}, *read_jwt_header(es_header, options())) == nullptr);
  CHECK(rejection(es_header, key).find("not the key's") != std::string::npos);
  // Only the configured algorithms.
  auto only_es = options();
  only_es.algorithms = {JwtAlgorithm::kES256};
  CHECK_FALSE(read_jwt_header(rsa.sign(header("RS256", "r1"), claims()), only_es));
}

TEST_CASE("jwt: another key's signature, a changed payload, a crit header are refused", "[auth][jwt]") {
  const auto rsa = JwtTestKey::rsa();
  const auto other = JwtTestKey::rsa();
  const auto key = key_of(rsa, "r1");
  CHECK(rejection(other.sign(header("RS256", "r1"), claims()), key).find("signature") != std::string::npos);
  const auto ec_other = JwtTestKey::p256();
  CHECK(rejection(ec_other.sign(header("ES256", "e1"), claims()), key_of(JwtTestKey::p256(), "e1")).find("signature") !=
        std::string::npos);
  std::string token = rsa.sign(header("RS256", "r1"), claims());
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  token.replace(dot1 + 1, dot2 - dot1 - 1, base64url_encode(claims().replace(claims().find("alice"), 5, "admin")));
  CHECK(rejection(token, key).find("signature") != std::string::npos);
  CHECK(rejection(rsa.sign(R"({"alg":"RS256","kid":"r1","crit":["exp"]})", claims()), key).find("crit") !=
        std::string::npos);
}

TEST_CASE("jwt: exp is required; exp, nbf and iat hold within the clock skew", "[auth][jwt]") {
  const auto rsa = JwtTestKey::rsa();
  const auto key = key_of(rsa, "r1");
  const auto h = header("RS256", "r1");
  CHECK(rejection(rsa.sign(h, R"({"iss":"https://idp.test","aud":"livy","sub":"alice"})"), key) ==
        "invalid bearer token: no exp claim");
  CHECK(rejection(rsa.sign(h, claims("", kNow - 61)), key) == "invalid bearer token: the token has expired");
  CHECK(rejection(rsa.sign(h, claims("", kNow - 59)), key).empty());  // within the 60 s skew
  CHECK(rejection(rsa.sign(h, claims(R"(,"nbf":)" + std::to_string(kNow + 61))), key).find("nbf") != std::string::npos);
  CHECK(rejection(rsa.sign(h, claims(R"(,"nbf":)" + std::to_string(kNow + 59))), key).empty());
  CHECK(rejection(rsa.sign(h, claims(R"(,"iat":)" + std::to_string(kNow + 3600))), key).find("iat") !=
        std::string::npos);
  CHECK(rejection(rsa.sign(h, R"({"iss":"https://idp.test","aud":"livy","sub":"a","exp":"tomorrow"})"), key)
            .find("exp is not a number") != std::string::npos);
  auto strict = options();
  strict.clock_skew = std::chrono::seconds(0);
  CHECK_FALSE(rejection(rsa.sign(h, claims("", kNow - 1)), key, strict).empty());
  // A fractional NumericDate is a number too.
  CHECK(rejection(rsa.sign(h, R"({"iss":"https://idp.test","aud":"livy","sub":"a","exp":1700000100.5})"), key).empty());
}

TEST_CASE("jwt: issuer, audience and the user's claim are checked", "[auth][jwt]") {
  const auto rsa = JwtTestKey::rsa();
  const auto key = key_of(rsa, "r1");
  const auto h = header("RS256", "r1");
  const std::string exp = R"("exp":)" + std::to_string(kNow + 60);
  CHECK(rejection(rsa.sign(h, R"({"iss":"https://evil.test","aud":"livy","sub":"a",)" + exp + "}"), key) ==
        "invalid bearer token: wrong issuer");
  CHECK(rejection(rsa.sign(h, R"({"aud":"livy","sub":"a",)" + exp + "}"), key) == "invalid bearer token: wrong issuer");
  CHECK(rejection(rsa.sign(h, R"({"iss":"https://idp.test","aud":"hive","sub":"a",)" + exp + "}"), key) ==
        "invalid bearer token: wrong audience");
  CHECK(rejection(rsa.sign(h, R"({"iss":"https://idp.test","aud":["hive","spark"],"sub":"a",)" + exp + "}"), key) ==
        "invalid bearer token: wrong audience");
  CHECK(rejection(rsa.sign(h, R"({"iss":"https://idp.test","aud":["livy",3],"sub":"a",)" + exp + "}"), key) ==
        "invalid bearer token: wrong audience");
  CHECK(rejection(rsa.sign(h, R"({"iss":"https://idp.test","sub":"a",)" + exp + "}"), key) ==
        "invalid bearer token: wrong audience");
  CHECK(rejection(rsa.sign(h, R"({"iss":"https://idp.test","aud":"livy",)" + exp + "}"), key)
            .find("no string claim sub") != std::string::npos);
  CHECK_FALSE(rejection(rsa.sign(h, R"({"iss":"https://idp.test","aud":"livy","sub":42,)" + exp + "}"), key).empty());
  CHECK_FALSE(rejection(rsa.sign(h, R"({"iss":"https://idp.test","aud":"livy","sub":"",)" + exp + "}"), key).empty());
  CHECK_FALSE(
      rejection(rsa.sign(h, R"({"iss":"https://idp.test","aud":"livy","sub":"a\nb",)" + exp + "}"), key).empty());
  auto o = options();
  o.user_claim = "preferred_username";
  CHECK(rejection(rsa.sign(h, claims()), key, o).find("preferred_username") != std::string::npos);
}

TEST_CASE("jwt: malformed tokens are refused before any key is looked at", "[auth][jwt]") {
  const auto rsa = JwtTestKey::rsa();
  const auto good = rsa.sign(header("RS256", "r1"), claims());
  const auto bad = [](const std::string& token, const JwtOptions& o = options()) {
    const auto h = read_jwt_header(token, o);
    if (h) return std::string();
    CHECK(h.status().code() == ErrorCode::kUnauthenticated);
    return h.status().message();
  };
  CHECK(bad(good).empty());
  CHECK(bad(good.substr(0, good.rfind('.'))).find("three") != std::string::npos);  // two parts
  CHECK(bad(good + ".x").find("three") != std::string::npos);
  CHECK(bad("").find("three") != std::string::npos);
  CHECK(bad("..").find("base64url") != std::string::npos);
  CHECK(bad("e30.e30.c2ln!").find("base64url") != std::string::npos);
  CHECK(bad("eyJhbGciOiJSUzI1NiJ9+.e30.c2ln").find("base64url") != std::string::npos);
  CHECK(bad(base64url_encode("not json") + ".e30.c2ln").find("JSON") != std::string::npos);
  CHECK(bad(base64url_encode("[\"RS256\"]") + ".e30.c2ln").find("JSON") != std::string::npos);
  CHECK(bad(base64url_encode(R"({"kid":"r1"})") + ".e30.c2ln").find("no alg") != std::string::npos);
  CHECK(bad(base64url_encode(R"({"alg":"RS256","kid":5})") + ".e30.c2ln").find("kid") != std::string::npos);
  auto small = options();
  small.max_token_bytes = 64;
  CHECK(bad(good, small).find("auth.jwt.max-token-bytes") != std::string::npos);
  CHECK(bad(std::string(20'000, 'a')).find("max-token-bytes") != std::string::npos);
  // Nesting deep enough to overflow a recursive parser's stack: read iteratively, refused.
  auto roomy = options();
  roomy.max_token_bytes = 1024 * 1024;
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  CHECK(bad(base64url_encode(deep) + ".e30.c2ln", roomy).find("JSON") != std::string::npos);
  CHECK_FALSE(parse_jwks(R"({"keys":)" + deep + "}"));
}

TEST_CASE("jwt: keys are found by kid and algorithm", "[auth][jwt]") {
  const auto rsa = JwtTestKey::rsa();
  const auto ec = JwtTestKey::p256();
  const std::vector<JsonWebKey> keys{key_of(rsa, "a"), key_of(ec, "b")};
  const auto with = [](JwtAlgorithm alg, std::string kid) { return livy::auth::JwtHeader{alg, std::move(kid)}; };
  CHECK(find_jwt_key(keys, with(JwtAlgorithm::kRS256, "a")) == &keys[0]);
  CHECK(find_jwt_key(keys, with(JwtAlgorithm::kES256, "b")) == &keys[1]);
  CHECK(find_jwt_key(keys, with(JwtAlgorithm::kES256, "a")) == nullptr);
  CHECK(find_jwt_key(keys, with(JwtAlgorithm::kRS256, "zzz")) == nullptr);  // unknown kid
  // No kid: the one key of that algorithm, and none when it is ambiguous.
  CHECK(find_jwt_key(keys, with(JwtAlgorithm::kRS256, "")) == &keys[0]);
  const std::vector<JsonWebKey> two{key_of(rsa, "a"), key_of(JwtTestKey::rsa(), "c")};
  CHECK(find_jwt_key(two, with(JwtAlgorithm::kRS256, "")) == nullptr);
}
