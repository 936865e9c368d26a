// The authentication hook of the REST routes (auth.type), in-process, with an
// LDAP server that cannot be reached (a real slapd is in tests/security).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>

#include "base/base64.h"
#include "livy/http.h"
#include "support/http_harness.h"
#include "support/temp_dir.h"
#include "support/test_runtime.h"

using livy_test::HttpHarness;
using livy_test::TestRuntime;

namespace {

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

struct Fixture {
  TestRuntime t;
  std::unique_ptr<HttpHarness> http;

  explicit Fixture(const std::function<void(livy::Config&)>& configure) {
    configure(t.config());
    t.open();
    http = std::make_unique<HttpHarness>(t.runtime());
  }
  ~Fixture() { http.reset(); }
  httplib::Client& client() { return http->client(); }
};

void ldap_nowhere(livy::Config& c) {
  c.auth_type = "ldap";
  c.auth_ldap_url = "ldap://127.0.0.1:" + std::to_string(closed_port());
  c.auth_ldap_timeout = std::chrono::milliseconds(500);
}

bool is_json_msg(const httplib::Result& res) {
  return res->get_header_value("Content-Type").rfind("application/json", 0) == 0 &&
         res->body.rfind("{\"msg\":", 0) == 0;
}

}  // namespace

TEST_CASE("auth: a request without credentials is 401 with a challenge and a JSON message", "[auth][http]") {
  Fixture f(ldap_nowhere);
  for (const char* path : {"/batches", "/sessions", "/version", "/batches/0", "/nowhere", "/metrics"}) {
    INFO(path);
    const auto res = f.client().Get(path);
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(res->get_header_value("WWW-Authenticate").rfind("Basic realm=", 0) == 0);
    CHECK(is_json_msg(res));
  }
  const auto post = f.client().Post("/batches", R"({"file": "x.py"})", "application/json");
  REQUIRE(post);
  CHECK(post->status == 401);
  CHECK(f.t.launcher().launched().empty());
}

TEST_CASE("auth: hostile Authorization headers get 400 or 401, the server stays up", "[auth][http]") {
  Fixture f(ldap_nowhere);
  const std::vector<std::string> hostile = {
      "Basic", "Basic ", "Basic =", "Basic ====", "Basic !!!!", "Basic " + std::string(60'000, 'A'),
      "Basic " + livy::base64_encode(std::string(40'000, 'u')), "Basic " + livy::base64_encode("\xc3\x28:pw"),
      "Negotiate", "Negotiate YII=", "Negotiate " + std::string(50'000, '/'), std::string(70'000, 'B'), "(((",
      "Basic " + livy::base64_encode(":"), "basic " + livy::base64_encode("a:")};
  for (const auto& value : hostile) {
    INFO(value.substr(0, 40));
    const auto res = f.client().Get("/batches", {{"Authorization", value}});
    REQUIRE(res);
    CHECK((res->status == 400 || res->status == 401));
    CHECK(is_json_msg(res));
  }
  const auto twice = f.client().Get("/batches", {{"Authorization", "Basic YTpi"}, {"Authorization", "Basic YTpi"}});
  REQUIRE(twice);
  CHECK(twice->status == 400);
  const auto forged = f.client().Get("/batches", {{"Cookie", "hadoop.auth=\"u=admin&p=admin&t=ldap&e=99999999999999&s=AAAA\""}});
  REQUIRE(forged);
  CHECK(forged->status == 401);
  CHECK(forged->get_header_value("Set-Cookie").find("Expires=Thu, 01 Jan 1970") != std::string::npos);
}

TEST_CASE("auth: well-formed credentials and an unreachable LDAP server are 503", "[auth][http]") {
  Fixture f(ldap_nowhere);
  const auto res = f.client().Get("/batches", {{"Authorization", "Basic " + livy::base64_encode("alice:pw")}});
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(is_json_msg(res));
  CHECK(res->get_header_value("Set-Cookie").empty());
}

TEST_CASE("auth: settings it cannot use close every route (503) and are reported", "[auth][http]") {
  livy::Config bad;
  bad.auth_type = "ldap";  // no URL
  const livy::Status st = livy::http::check_authentication(bad);
  REQUIRE_FALSE(st);
  CHECK(st.message().find("auth.ldap.url") != std::string::npos);
  Fixture f([](livy::Config& c) { c.auth_type = "ldap"; });
  const auto res = f.client().Get("/batches");
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(livy::http::check_authentication(livy::Config{}));
}

TEST_CASE("auth: none means no user, and owner stays null", "[auth][http]") {
  Fixture f([](livy::Config&) {});
  const auto res = f.client().Post("/batches", R"({"file": ")" + f.t.job_file() + R"("})", "application/json");
  REQUIRE(res);
  CHECK(res->status == 201);
  CHECK(res->body.find("\"owner\":null") != std::string::npos);
  CHECK(res->get_header_value("Set-Cookie").empty());
}

TEST_CASE("auth: kerberos settings it cannot use are named at start-up", "[auth]") {
  livy::Config c;
  c.auth_type = "kerberos";
  const livy::Status no_principal = livy::http::check_authentication(c);
  REQUIRE_FALSE(no_principal);
  CHECK(no_principal.message().find("auth.kerberos.principal") != std::string::npos);
  c.auth_kerberos_principal = "HTTP/_HOST@EXAMPLE.COM";
  c.auth_kerberos_keytab = "/nonexistent/spnego.keytab";
  const livy::Status no_keytab = livy::http::check_authentication(c);
  REQUIRE_FALSE(no_keytab);
  CHECK(no_keytab.message().find("auth.kerberos.keytab") != std::string::npos);
  livy_test::TempDir dir;
  const auto empty = dir.path() / "empty.keytab";
  std::ofstream(empty).put('\0');
  c.auth_kerberos_keytab = empty.string();
  const livy::Status bad_keytab = livy::http::check_authentication(c);  // no key of the principal
  REQUIRE_FALSE(bad_keytab);
  CHECK(bad_keytab.message().find("cannot use the key") != std::string::npos);
  c.auth_kerberos_name_rules = "RULE:[9:$1]";
  CHECK_FALSE(livy::http::check_authentication(c));
}
