// The signed hadoop.auth cookie: what it accepts, what it refuses.
#include <catch2/catch.hpp>

#include "auth/auth_cookie.h"
#include "auth/authenticator.h"

using livy::auth::CookieSigner;
using namespace std::chrono_literals;

namespace {
const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
}

TEST_CASE("auth cookie: a signed value verifies until it expires", "[auth]") {
  const CookieSigner signer(CookieSigner::random_key(), "ldap", 10min);
  const auto value = signer.sign("alice", kNow);
  REQUIRE(value);
  CHECK(value->rfind("u=alice&p=alice&t=ldap&e=1700000600000&s=", 0) == 0);
  const auto user = signer.verify(*value, kNow + 9min);
  REQUIRE(user);
  CHECK(*user == "alice");
  const auto expired = signer.verify(*value, kNow + 10min);
  REQUIRE_FALSE(expired);
  CHECK(expired.status().message() == "the auth cookie has expired");
}

TEST_CASE("auth cookie: tampered, foreign, truncated or other-type values are refused", "[auth]") {
  const CookieSigner signer(CookieSigner::random_key(), "kerberos", 10min);
  const std::string value = *signer.sign("alice", kNow);
  std::string tampered = value;
  tampered.replace(2, 5, "admin");  // u=admin with alice's signature
  CHECK_FALSE(signer.verify(tampered, kNow));
  std::string longer = value;
  longer.replace(value.find("&e=") + 3, 1, "9");  // a later expiry
  CHECK_FALSE(signer.verify(longer, kNow));
  const CookieSigner other(CookieSigner::random_key(), "kerberos", 10min);
  CHECK_FALSE(other.verify(value, kNow));
  const CookieSigner same_key_other_type(std::string(32, 'k'), "ldap", 10min);
  const CookieSigner kerberos_same_key(std::string(32, 'k'), "kerberos", 10min);
  CHECK_FALSE(same_key_other_type.verify(*kerberos_same_key.sign("bob", kNow), kNow));
  for (std::size_t n = 0; n < value.size(); ++n) CHECK_FALSE(signer.verify(value.substr(0, n), kNow));
  CHECK_FALSE(signer.verify("", kNow));
  CHECK_FALSE(signer.verify("&s=", kNow));
}

TEST_CASE("auth cookie: user names the format cannot carry get no cookie", "[auth]") {
  const CookieSigner signer(CookieSigner::random_key(), "ldap", 10min);
  for (const char* user : {"", "a&u=admin", "a=b", "a b", "a\"", "a;b", "a,b", "a\\b"}) {
    CHECK_FALSE(signer.sign(user, kNow));
  }
  CHECK(signer.sign("alice@EXAMPLE.COM", kNow));
}

TEST_CASE("auth cookie: Set-Cookie is HttpOnly, quoted, with an expiry", "[auth]") {
  const CookieSigner signer(CookieSigner::random_key(), "ldap", 10min);
  const std::string header = signer.set_cookie("u=a&s=b", kNow);
  CHECK(header == "hadoop.auth=\"u=a&s=b\"; Path=/; Expires=Tue, 14 Nov 2023 22:23:20 GMT; HttpOnly");
}

namespace {

// A mechanism that takes "Basic ok" as the user alice and refuses anything else.
class StandIn final : public livy::auth::Authenticator {
 public:
  livy::auth::AuthOutcome authenticate(const livy::auth::AuthRequest& request) override {
    if (request.authorization == "Basic ok") return livy::auth::AuthOutcome::accept("alice");
    return livy::auth::AuthOutcome::reject(livy::Status::unauthenticated("no"), "Basic");
  }
};

}  // namespace

TEST_CASE("auth cookie: Secure over HTTPS only, on the cookie given and on the one cleared", "[auth]") {
  for (const bool secure : {false, true}) {
    INFO("secure " << secure);
    auto auth = livy::auth::with_auth_cookie(std::make_unique<StandIn>(), "ldap", std::chrono::hours(1), secure);
    const auto given = auth->authenticate({"Basic ok", ""});
    REQUIRE(given.status.is_ok());
    REQUIRE(given.set_cookie.rfind("hadoop.auth=", 0) == 0);
    CHECK((given.set_cookie.find("; Secure") != std::string::npos) == secure);
    // The cookie it gave is the caller on the next request, with no credentials.
    const auto value = given.set_cookie.substr(std::string("hadoop.auth=").size(),
                                               given.set_cookie.find(';') - std::string("hadoop.auth=").size());
    const auto again = auth->authenticate({"", "hadoop.auth=" + value});
    CHECK(again.status.is_ok());
    CHECK(again.user == "alice");
    // A forged cookie is refused and cleared, the clearing cookie Secure like the one given.
    const auto forged = auth->authenticate({"", "hadoop.auth=\"u=alice&p=alice&t=ldap&e=9999999999999&s=AAAA\""});
    CHECK_FALSE(forged.status.is_ok());
    REQUIRE(forged.set_cookie.find("Expires=Thu, 01 Jan 1970") != std::string::npos);
    CHECK((forged.set_cookie.find("; Secure") != std::string::npos) == secure);
  }
}
