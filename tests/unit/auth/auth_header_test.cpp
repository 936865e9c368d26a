// Parsing of Authorization, Basic credentials and cookies: any text gives a value or an error.
#include <catch2/catch.hpp>

#include "auth/auth_header.h"
#include "base/base64.h"

using livy::ErrorCode;
using livy::auth::find_cookie;
using livy::auth::parse_authorization;
using livy::auth::parse_basic;

TEST_CASE("parse_authorization: scheme without case, token trimmed", "[auth]") {
  const auto h = parse_authorization("  BaSiC   dXNlcjpwdw==  ");
  REQUIRE(h);
  CHECK(h->scheme == "basic");
  CHECK(h->token == "dXNlcjpwdw==");
  const auto bare = parse_authorization("Negotiate");
  REQUIRE(bare);
  CHECK(bare->scheme == "negotiate");
  CHECK(bare->token.empty());
}

TEST_CASE("parse_authorization: malformed values are errors", "[auth]") {
  for (const std::string& bad : {std::string(""), std::string("   "), std::string(" =abc"), std::string("Basic\x01x"),
                                std::string("Bas(ic abc"), std::string("Basic a\x7f"), std::string("Basic a\nb"),
                                std::string("B\0asic x", 8)}) {
    INFO(bad);
    const auto h = parse_authorization(bad);
    REQUIRE_FALSE(h);
    CHECK(h.status().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("parse_basic: user and password split at the first colon", "[auth]") {
  const auto c = parse_basic(livy::base64_encode("alice:pa:ss word"));
  REQUIRE(c);
  CHECK(c->user == "alice");
  CHECK(c->password == "pa:ss word");
}

TEST_CASE("parse_basic: bad base64, no colon, control characters are 400; empty parts 401", "[auth]") {
  for (const std::string& bad : {std::string("!!!"), std::string("dXNlcjpwdw=x"), livy::base64_encode("nocolon"),
                                livy::base64_encode("al\nice:pw"), livy::base64_encode(std::string("al:p\0w", 6)),
                                livy::base64_encode("\xff\xfe:pw")}) {
    INFO(bad);
    const auto c = parse_basic(bad);
    REQUIRE_FALSE(c);
    CHECK(c.status().code() == ErrorCode::kInvalidArgument);
  }
  // An empty password would be an anonymous LDAP bind, which succeeds: never let one through.
  for (const char* empty : {":pw", "alice:", ":"}) {
    const auto c = parse_basic(livy::base64_encode(empty));
    REQUIRE_FALSE(c);
    CHECK(c.status().code() == ErrorCode::kUnauthenticated);
  }
}

TEST_CASE("find_cookie: the named cookie, quotes removed", "[auth]") {
  CHECK(find_cookie("a=1; hadoop.auth=\"u=x&s=y\"; b=2", "hadoop.auth") == "u=x&s=y");
  CHECK(find_cookie("hadoop.auth=v", "hadoop.auth") == "v");
  CHECK(find_cookie("xhadoop.auth=v; a=b", "hadoop.auth") == std::nullopt);
  CHECK(find_cookie("", "hadoop.auth") == std::nullopt);
  CHECK(find_cookie(";;;=;hadoop.auth", "hadoop.auth") == std::nullopt);
  CHECK(find_cookie("hadoop.auth=\"", "hadoop.auth") == "\"");
}
