// Hadoop's auth_to_local rules: principal -> user.
#include <catch2/catch.hpp>

#include "auth/name_rules.h"

using livy::auth::NameRules;

namespace {
NameRules rules(const std::string& text) {
  auto r = NameRules::parse(text, "EXAMPLE.COM");
  INFO(text);
  REQUIRE(r);
  return *r;
}
}  // namespace

TEST_CASE("name rules: DEFAULT takes the first component of the default realm's principals", "[auth]") {
  const auto r = rules("DEFAULT");
  CHECK(r.map("alice@EXAMPLE.COM") == "alice");
  CHECK(r.map("HTTP/host.example.com@EXAMPLE.COM") == "HTTP");
  CHECK(r.map("alice@OTHER.ORG") == std::nullopt);
  CHECK(r.map("alice") == std::nullopt);
}

TEST_CASE("name rules: RULE:[1:$1@$0](.*@REALM)s/@.*// strips a realm", "[auth]") {
  const auto r = rules("RULE:[1:$1@$0](.*@PARTNER.ORG)s/@.*// DEFAULT");
  CHECK(r.map("bob@PARTNER.ORG") == "bob");
  CHECK(r.map("alice@EXAMPLE.COM") == "alice");  // DEFAULT, after the rule
  CHECK(r.map("bob@ELSEWHERE.ORG") == std::nullopt);
  CHECK(r.map("svc/host@PARTNER.ORG") == std::nullopt);  // [1:...] is for one component
}

TEST_CASE("name rules: two components, g, /L, and results that are not simple names", "[auth]") {
  const auto r = rules("RULE:[2:$1;$2@$0](^.*;admin@EXAMPLE.COM$)s/;admin@.*//  \n RULE:[1:$1](A.*)s/a/x/g/L");
  CHECK(r.map("root/admin@EXAMPLE.COM") == "root");
  CHECK(r.map("Abaca@ANY") == "abxcx");
  CHECK(rules("RULE:[1:$1@$0](.*)").map("u@EXAMPLE.COM") == std::nullopt);  // u@EXAMPLE.COM is not simple
  CHECK(rules("RULE:[1:$2](.*)").map("u@EXAMPLE.COM") == std::nullopt);
}

TEST_CASE("name rules: rules it cannot read are errors that say so", "[auth]") {
  for (const char* bad : {"", "  ", "NOPE", "RULE:[3:$1]", "RULE:[1:$1", "RULE:[1:$1](x", "RULE:[1:$1]s/a/b",
                          "RULE:[1:$1]([)", "DEFAULTX", "RULE:[x:$1]"}) {
    INFO(bad);
    const auto r = NameRules::parse(bad, "EXAMPLE.COM");
    REQUIRE_FALSE(r);
    CHECK(r.status().message().find("name-rules") != std::string::npos);
  }
}
