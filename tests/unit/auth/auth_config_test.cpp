// The auth.* keys from YAML and from a Livy livy.conf, by their Livy names.
#include <catch2/catch.hpp>
#include <fstream>

#include "livy/config.h"
#include "support/temp_dir.h"

TEST_CASE("auth keys: Livy's names in livy.conf", "[auth][config]") {
  livy_test::TempDir dir;
  const auto path = dir.path() / "livy.conf";
  std::ofstream(path) << "livy.server.auth.type = ldap\n"
                         "livy.server.auth.ldap.url = ldap://ldap.example.com:389\n"
                         "livy.server.auth.ldap.base-dn = ou=people,dc=example,dc=com\n"
                         "livy.server.auth.ldap.username-domain = example.com\n"
                         "livy.server.auth.ldap.enable-start-tls = true\n"
                         "livy.server.auth.ldap.security-authentication = simple\n"
                         "livy.server.auth.kerberos.name-rules = RULE:[1:$1@$0](.*@EXAMPLE.COM)s/@.*// DEFAULT\n";
  livy::Config c;
  std::vector<std::string> warnings;
  REQUIRE(livy::load_config_file(path.string(), c, &warnings));
  CHECK(warnings.empty());
  CHECK(c.auth_type == "ldap");
  CHECK(c.auth_ldap_url == "ldap://ldap.example.com:389");
  CHECK(c.auth_ldap_base_dn == "ou=people,dc=example,dc=com");
  CHECK(c.auth_ldap_username_domain == "example.com");
  CHECK(c.auth_ldap_start_tls);
  CHECK(c.auth_kerberos_name_rules == "RULE:[1:$1@$0](.*@EXAMPLE.COM)s/@.*// DEFAULT");
}

TEST_CASE("auth keys: YAML names, and auth.type's values", "[auth][config]") {
  livy_test::TempDir dir;
  const auto path = dir.path() / "livyd.yaml";
  std::ofstream(path) << "auth:\n  type: Kerberos\n  kerberos:\n    principal: HTTP/_HOST@EXAMPLE.COM\n"
                         "    keytab: /etc/livy/spnego.keytab\n  cookie-validity: 1h\n";
  livy::Config c;
  REQUIRE(livy::load_config_file(path.string(), c, nullptr));
  CHECK(c.auth_type == "kerberos");
  CHECK(c.auth_kerberos_principal == "HTTP/_HOST@EXAMPLE.COM");
  CHECK(c.auth_kerberos_keytab == "/etc/livy/spnego.keytab");
  CHECK(c.auth_cookie_validity == std::chrono::hours(1));
  CHECK(livy::set_config_value(c, "auth.type", "none"));
  CHECK(c.auth_type.empty());
  CHECK(livy::get_config_value(c, "auth.type") == "none");
  const livy::Status bad = livy::set_config_value(c, "livy.server.auth.type", "jwt-maybe");
  REQUIRE_FALSE(bad);
  CHECK(bad.message().find("none, ldap, kerberos or jwt") != std::string::npos);
}
