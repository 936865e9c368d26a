// auth.type ldap without a server: the bind DN rule, and what a request gets
// before and instead of a bind (a real slapd is in tests/security).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "auth/ldap_authenticator.h"
#include "base/base64.h"

using livy::ErrorCode;
using livy::auth::LdapAuthenticator;
using livy::auth::LdapOptions;
using livy::auth::ldap_bind_dn;

namespace {

// A loopback port nothing listens on: bound, then closed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string basic(const std::string& user_password) { return "Basic " + livy::base64_encode(user_password); }

}  // namespace

TEST_CASE("ldap bind DN: Livy's rule, with the user's part escaped", "[auth]") {
  LdapOptions o;
  CHECK(ldap_bind_dn(o, "alice") == "alice");
  o.username_domain = "corp.example";
  CHECK(ldap_bind_dn(o, "alice") == "alice@corp.example");
  CHECK(ldap_bind_dn(o, "alice@other") == "alice@other");
  CHECK(ldap_bind_dn(o, "dom/alice") == "dom/alice");
  CHECK(ldap_bind_dn(o, "@alice") == "@alice@corp.example");  // a domain part starts after the first character
  o.base_dn = "ou=people,dc=example,dc=org";
  CHECK(ldap_bind_dn(o, "alice") == "uid=alice@corp.example,ou=people,dc=example,dc=org");
  o.username_domain.clear();
  CHECK(ldap_bind_dn(o, "alice") == "uid=alice,ou=people,dc=example,dc=org");
  CHECK(ldap_bind_dn(o, "a,ou=admins") == "uid=a\\,ou\\=admins,ou=people,dc=example,dc=org");
  CHECK(ldap_bind_dn(o, "#a+b ") == "uid=\\#a\\+b\\ ,ou=people,dc=example,dc=org");
}

TEST_CASE("ldap: no or other credentials are 401 with a Basic challenge; malformed ones 400", "[auth]") {
  LdapOptions o;
  o.url = "ldap://127.0.0.1:" + std::to_string(closed_port());
  LdapAuthenticator a(o);
  for (const char* h : {"", "Negotiate YWJj", "Bearer x.y.z"}) {
    INFO(h);
    const auto out = a.authenticate({h, ""});
    CHECK(out.status.code() == ErrorCode::kUnauthenticated);
    CHECK(out.challenge.rfind("Basic realm=", 0) == 0);
  }
  for (const char* h : {"Basic !!!", "Basic bm9jb2xvbg==", "Basic\x01"}) {
    INFO(h);
    CHECK(a.authenticate({h, ""}).status.code() == ErrorCode::kInvalidArgument);
  }
  CHECK(a.authenticate({basic("alice:"), ""}).status.code() == ErrorCode::kUnauthenticated);
}

TEST_CASE("ldap: an unreachable server is 503, never a success", "[auth]") {
  LdapOptions o;
  o.url = "ldap://127.0.0.1:" + std::to_string(closed_port());
  o.timeout = std::chrono::milliseconds(500);
  LdapAuthenticator a(o);
  const auto out = a.authenticate({basic("alice:secret"), ""});
  CHECK(out.status.code() == ErrorCode::kUnavailable);
  CHECK(out.user.empty());
  CHECK(out.status.message().find("secret") == std::string::npos);
}

TEST_CASE("ldap: a server that accepts and never answers costs the timeout, then 503", "[auth]") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  LdapOptions o;
  o.url = "ldap://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  o.timeout = std::chrono::milliseconds(300);
  LdapAuthenticator a(o);
  const auto start = std::chrono::steady_clock::now();
  const auto out = a.authenticate({basic("alice:secret"), ""});
  const auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  CHECK(out.status.code() == ErrorCode::kUnavailable);
  CHECK(took < std::chrono::seconds(5));  // bounded by the timeout, not by the kernel's
}
