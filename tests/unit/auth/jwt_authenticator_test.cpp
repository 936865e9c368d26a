// auth.type jwt as a whole: the authenticator's answers (401 with a Bearer
// challenge, 503), the issuer's keys fetched, cached, refreshed and rate-limited
// (with a scripted fetch and a manual clock), http_fetch against a real server
// on loopback, and the REST routes in-process with a JWKS file.
#include "auth/jwt_authenticator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "jwt_test_keys.h"
#include "livy/http.h"
#include "support/http_harness.h"
#include "support/manual_clock.h"
#include "support/temp_dir.h"
#include "support/test_pki.h"
#include "support/test_runtime.h"

using livy::ErrorCode;
using livy::auth::AuthOutcome;
using livy::auth::IssuerKeySource;
using livy::auth::IssuerOptions;
using livy::auth::JwtAuthenticator;
using livy::auth::JwtOptions;
using livy_test::JwtTestKey;
using livy_test::ManualClock;

namespace {

const std::string kIssuer = "https://idp.test/realms/x";

std::string claims(const ManualClock& clock, const std::string& user = "alice") {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
  return R"({"iss":")" + kIssuer + R"(","aud":"livy","sub":")" + user + R"(","exp":)" + std::to_string(now + 300) + "}";
}

std::string header(const JwtTestKey& key, const std::string& kid) {
  return R"({"alg":")" + std::string(key.alg()) + R"(","kid":")" + kid + R"("})";
}

// An issuer as the fetch sees it: its discovery document and JWKS, and the URLs asked for.
struct FakeIssuer {
  std::mutex mu;
  std::string jwks;
  bool down = false;
  std::string discovery_issuer = kIssuer;
  std::vector<std::string> asked;

  IssuerKeySource::Fetch fetch() {
    return [this](const std::string& url) -> livy::Result<std::string> {
      std::lock_guard lock(mu);
      asked.push_back(url);
      if (down) return livy::Status::unavailable("connection refused");
      if (url == kIssuer + "/.well-known/openid-configuration") {
        return R"({"issuer":")" + discovery_issuer + R"(","jwks_uri":"https://idp.test/certs"})";
      }
      if (url == "https://idp.test/certs") return jwks;
      return livy::Status::unavailable("404");
    };
  }
  std::size_t jwks_fetches() {
    std::lock_guard lock(mu);
    return static_cast<std::size_t>(std::count(asked.begin(), asked.end(), "https://idp.test/certs"));
  }
};

IssuerOptions issuer_options() {
  IssuerOptions o;
  o.issuer_url = kIssuer;
  o.refresh_interval = std::chrono::minutes(10);
  o.min_refresh_interval = std::chrono::seconds(30);
  o.fetch_timeout = std::chrono::seconds(2);
  return o;
}

JwtOptions jwt_options() {
  JwtOptions o;
  o.issuer = kIssuer;
  o.audiences = {"livy"};
  return o;
}

std::string jwks(std::initializer_list<std::string> keys) {
  std::string out = R"({"keys":[)";
  for (const auto& k : keys) out += (out.back() == '[' ? "" : ",") + k;
  return out + "]}";
}

AuthOutcome bearer(JwtAuthenticator& auth, const std::string& token) {
  const std::string value = "Bearer " + token;
  return auth.authenticate({value, ""});
}

}  // namespace

TEST_CASE("jwt authenticator: no token, another scheme and bad tokens get 401 with a Bearer challenge", "[auth][jwt]") {
  auto clock = std::make_shared<ManualClock>();
  FakeIssuer idp;
  const auto rsa = JwtTestKey::rsa();
  idp.jwks = jwks({rsa.jwk("k1")});
  JwtAuthenticator auth(jwt_options(), std::make_unique<IssuerKeySource>(issuer_options(), clock, idp.fetch()), clock);

  auto out = auth.authenticate({"", ""});
  CHECK(out.status.code() == ErrorCode::kUnauthenticated);
  CHECK(out.challenge == "Bearer realm=\"livy\"");
  out = auth.authenticate({"Basic YTpi", ""});
  CHECK(out.status.code() == ErrorCode::kUnauthenticated);
  CHECK(out.challenge == "Bearer realm=\"livy\"");
  for (const std::string& bad : std::vector<std::string>{"", "abc", "a.b", "a.b.c.d", std::string(20'000, 'x')}) {
    out = bearer(auth, bad);
    CHECK(out.status.code() == ErrorCode::kUnauthenticated);
    CHECK(out.challenge == JwtAuthenticator::kInvalidToken);
  }
  out = auth.authenticate({"Bearer a\x01.b.c", ""});
  CHECK(out.status.code() == ErrorCode::kInvalidArgument);
  CHECK(out.challenge == JwtAuthenticator::kInvalidRequest);
  CHECK(idp.asked.empty());  // nothing fetched for tokens that are not even well-formed

  out = bearer(auth, rsa.sign(header(rsa, "k1"), claims(*clock)));
  REQUIRE(out.status);
  CHECK(out.user == "alice");
  CHECK(out.set_cookie.empty());
  out = bearer(auth, livy_test::hs256_token(R"({"alg":"HS256","kid":"k1"})", claims(*clock), rsa.public_pem()));
  CHECK(out.status.code() == ErrorCode::kUnauthenticated);
  CHECK(out.challenge == JwtAuthenticator::kInvalidToken);
  out = bearer(auth, JwtTestKey::rsa().sign(header(rsa, "k1"), claims(*clock)));
  CHECK(out.status.code() == ErrorCode::kUnauthenticated);
}

TEST_CASE("jwt issuer: unreachable is 503, then keys are fetched once and cached", "[auth][jwt]") {
  auto clock = std::make_shared<ManualClock>();
  FakeIssuer idp;
  const auto rsa = JwtTestKey::rsa();
  idp.jwks = jwks({rsa.jwk("k1")});
  idp.down = true;
  JwtAuthenticator auth(jwt_options(), std::make_unique<IssuerKeySource>(issuer_options(), clock, idp.fetch()), clock);
  const auto token = rsa.sign(header(rsa, "k1"), claims(*clock));
  auto out = bearer(auth, token);
  CHECK(out.status.code() == ErrorCode::kUnavailable);
  CHECK(out.challenge.empty());
  // Retried no sooner than min-refresh-interval: still 503, without a fetch.
  idp.down = false;
  const auto asked = idp.asked.size();
  CHECK(bearer(auth, token).status.code() == ErrorCode::kUnavailable);
  CHECK(idp.asked.size() == asked);
  clock->advance(std::chrono::seconds(31));
  REQUIRE(bearer(auth, token).status);
  for (int i = 0; i < 5; ++i) CHECK(bearer(auth, token).status);
  CHECK(idp.jwks_fetches() == 1);
}

TEST_CASE("jwt issuer: an unknown kid fetches again, at most once per min-refresh-interval", "[auth][jwt]") {
  auto clock = std::make_shared<ManualClock>();
  FakeIssuer idp;
  const auto old_key = JwtTestKey::rsa();
  const auto new_key = JwtTestKey::p256();
  idp.jwks = jwks({old_key.jwk("old")});
  JwtAuthenticator auth(jwt_options(), std::make_unique<IssuerKeySource>(issuer_options(), clock, idp.fetch()), clock);
  REQUIRE(bearer(auth, old_key.sign(header(old_key, "old"), claims(*clock))).status);
  CHECK(idp.jwks_fetches() == 1);
  // The issuer rotates to a new key; the first token with its kid fetches, 30 s after the last fetch.
  idp.jwks = jwks({old_key.jwk("old"), new_key.jwk("new")});
  const auto fresh = new_key.sign(header(new_key, "new"), claims(*clock, "bob"));
  auto out = bearer(auth, fresh);
  CHECK(out.status.code() == ErrorCode::kUnauthenticated);  // rate-limited: the last fetch was just now
  CHECK(out.status.message().find("kid") != std::string::npos);
  CHECK(idp.jwks_fetches() == 1);
  clock->advance(std::chrono::seconds(31));
  out = bearer(auth, new_key.sign(header(new_key, "new"), claims(*clock, "bob")));
  REQUIRE(out.status);
  CHECK(out.user == "bob");
  CHECK(idp.jwks_fetches() == 2);
  // A flood of unknown kids costs one fetch per interval.
  const auto stranger = JwtTestKey::rsa();
  for (int i = 0; i < 20; ++i) {
    CHECK(bearer(auth, stranger.sign(header(stranger, "kid-" + std::to_string(i)), claims(*clock))).status.code() ==
          ErrorCode::kUnauthenticated);
  }
  CHECK(idp.jwks_fetches() == 2);
  clock->advance(std::chrono::seconds(31));
  CHECK_FALSE(bearer(auth, stranger.sign(header(stranger, "kid-x"), claims(*clock))).status);
  CHECK(idp.jwks_fetches() == 3);
}

TEST_CASE("jwt issuer: stale keys are refreshed; a failed refresh keeps them; a wrong discovery is 503",
          "[auth][jwt]") {
  auto clock = std::make_shared<ManualClock>();
  FakeIssuer idp;
  const auto rsa = JwtTestKey::rsa();
  idp.jwks = jwks({rsa.jwk("k1")});
  IssuerKeySource source(issuer_options(), clock, idp.fetch());
  REQUIRE(source.keys(false));
  clock->advance(std::chrono::minutes(11));
  idp.down = true;
  auto keys = source.keys(false);
  REQUIRE(keys);  // the old keys go on serving
  CHECK((*keys)->size() == 1);
  CHECK(idp.asked.size() == 3);  // discovery, JWKS, then the failed discovery
  // Within min-refresh-interval of that attempt an unknown kid fetches nothing: the old keys (then 401).
  keys = source.keys(true);
  REQUIRE(keys);
  CHECK((*keys)->size() == 1);
  CHECK(idp.asked.size() == 3);
  // After it, an unknown kid with the issuer down is 503.
  clock->advance(std::chrono::seconds(31));
  CHECK(source.keys(true).status().code() == ErrorCode::kUnavailable);
  CHECK(idp.asked.size() == 4);
  idp.down = false;
  idp.discovery_issuer = "https://evil.test";
  IssuerKeySource other(issuer_options(), clock, idp.fetch());
  const auto wrong = other.keys(false);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.status().code() == ErrorCode::kUnavailable);
  CHECK(wrong.status().message().find("another issuer") != std::string::npos);
}

TEST_CASE("jwt issuer: a fetch holds no lock; the others go on with the keys they have", "[auth][jwt]") {
  auto clock = std::make_shared<ManualClock>();
  const auto rsa = JwtTestKey::rsa();
  const std::string doc = jwks({rsa.jwk("k1")});
  std::mutex mu;
  std::condition_variable cv;
  bool blocked = false, release = false;
  std::atomic<int> fetches{0};
  IssuerKeySource source(issuer_options(), clock, [&](const std::string& url) -> livy::Result<std::string> {
    ++fetches;
    if (url.find("well-known") != std::string::npos) {
      return R"({"issuer":")" + kIssuer + R"(","jwks_uri":"https://idp.test/certs"})";
    }
    std::unique_lock lock(mu);
    if (fetches > 2) {  // the refresh: hang until the test lets it go
      blocked = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    }
    return doc;
  });
  REQUIRE(source.keys(false));
  clock->advance(std::chrono::minutes(11));
  auto refresh = std::async(std::launch::async, [&] { return source.keys(false); });
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return blocked; }));
  }
  // The refresh hangs in its fetch: these return at once with the old keys, fetching nothing.
  for (int i = 0; i < 3; ++i) REQUIRE(source.keys(false));
  CHECK(fetches == 4);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  CHECK(refresh.get());
}

TEST_CASE("jwt: http_fetch reads a real server's answer, bounded in size and time", "[auth][jwt]") {
  httplib::Server server;
  server.Get("/doc",
             [](const httplib::Request&, httplib::Response& res) { res.set_content("{\"a\":1}", "application/json"); });
  server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(10'000, 'x'), "application/json");
  });
  server.Get("/moved", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/doc"); });
  server.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("late", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const auto timeout = std::chrono::milliseconds(500);
  CHECK(*livy::auth::http_fetch(base + "/doc", timeout, 1000) == "{\"a\":1}");
  CHECK(livy::auth::http_fetch(base + "/big", timeout, 1000).status().message().find("max-document-bytes") !=
        std::string::npos);
  CHECK(livy::auth::http_fetch(base + "/nothing", timeout, 1000).status().message().find("404") != std::string::npos);
  CHECK(livy::auth::http_fetch(base + "/moved", timeout, 1000).status().code() == ErrorCode::kUnavailable);
  const auto started = std::chrono::steady_clock::now();
  CHECK(livy::auth::http_fetch(base + "/slow", timeout, 1000).status().code() == ErrorCode::kUnavailable);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1400));
  CHECK(livy::auth::http_fetch("ftp://127.0.0.1/", timeout, 1000).status().code() == ErrorCode::kUnavailable);
  CHECK(livy::auth::http_fetch("http://user@127.0.0.1/", timeout, 1000).status().code() == ErrorCode::kUnavailable);
  server.stop();
  thread.join();
  CHECK(livy::auth::http_fetch(base + "/doc", timeout, 1000).status().code() == ErrorCode::kUnavailable);
}

TEST_CASE("jwt: http_fetch over https checks the issuer's certificate against auth.jwt.ca-file", "[auth][jwt]") {
  const livy_test::TestPki& pki = livy_test::TestPki::shared();
  httplib::SSLServer server(pki.path("server.pem").c_str(), pki.path("server.key").c_str());
  REQUIRE(server.is_valid());
  server.Get("/doc",
             [](const httplib::Request&, httplib::Response& res) { res.set_content("{\"a\":1}", "application/json"); });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto timeout = std::chrono::milliseconds(2000);
  for (const std::string host : {"127.0.0.1", "localhost"}) {  // both in the certificate's names
    const std::string url = "https://" + host + ":" + std::to_string(port) + "/doc";
    CHECK(*livy::auth::http_fetch(url, timeout, 1000, pki.path("ca.pem")) == "{\"a\":1}");
    // Signed by a CA it was not told of (the system's do not know the test CA): no answer.
    CHECK(livy::auth::http_fetch(url, timeout, 1000, pki.path("other-ca.pem")).status().code() ==
          ErrorCode::kUnavailable);
    CHECK(livy::auth::http_fetch(url, timeout, 1000).status().code() == ErrorCode::kUnavailable);
  }
  server.stop();
  thread.join();
}

TEST_CASE("jwt: settings it cannot use are named at start-up", "[auth][jwt]") {
  livy_test::TempDir dir;
  const auto rsa = JwtTestKey::rsa();
  const auto file = dir.path() / "jwks.json";
  livy_test::write_file(file, jwks({rsa.jwk("k1")}));
  const auto error = [](const livy::Config& c) { return livy::http::check_authentication(c).message(); };
  livy::Config c;
  c.auth_type = "jwt";
  c.auth_jwt_audiences = {"livy"};
  CHECK(error(c).find("auth.jwt.jwks-file") != std::string::npos);
  c.auth_jwt_jwks_file = file.string();
  CHECK(error(c).find("auth.jwt.issuer") != std::string::npos);
  c.auth_jwt_issuer = kIssuer;
  CHECK(livy::http::check_authentication(c));
  c.auth_jwt_issuer_url = kIssuer;
  CHECK(error(c).find("exactly one") != std::string::npos);
  c.auth_jwt_issuer_url.clear();
  c.auth_jwt_audiences.clear();
  CHECK(error(c).find("auth.jwt.audience") != std::string::npos);
  c.auth_jwt_audiences = {"livy"};
  livy_test::write_file(file, jwks({JwtTestKey::ec("P-384").jwk("k")}));
  CHECK(error(c).find("no usable signing key") != std::string::npos);
  c.auth_jwt_jwks_file = (dir.path() / "missing.json").string();
  CHECK(error(c).find("cannot be read") != std::string::npos);
  livy::Config url;
  url.auth_type = "jwt";
  url.auth_jwt_audiences = {"livy"};
  url.auth_jwt_issuer_url = "ldap://idp.test";
  CHECK(error(url).find("https://") != std::string::npos);
}

TEST_CASE("jwt: the REST routes answer 401 with WWW-Authenticate Bearer, 503, or let the user in",
          "[auth][jwt][http]") {
  livy_test::TestRuntime t;
  const auto rsa = JwtTestKey::rsa();
  const auto file = t.jobs_dir() / "jwks.json";
  livy_test::write_file(file, jwks({rsa.jwk("k1")}));
  t.config().auth_type = "jwt";
  t.config().auth_jwt_jwks_file = file.string();
  t.config().auth_jwt_issuer = kIssuer;
  t.config().auth_jwt_audiences = {"livy"};
  t.open();
  livy_test::HttpHarness http(t.runtime());
  auto none = http.client().Get("/batches");
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(none->get_header_value("WWW-Authenticate") == "Bearer realm=\"livy\"");
  ManualClock wall(std::chrono::system_clock::now());
  const auto token = rsa.sign(header(rsa, "k1"), claims(wall));
  auto ok = http.client().Get("/batches", {{"Authorization", "Bearer " + token}});
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->get_header_value("Set-Cookie").empty());
  auto made = http.client().Post("/batches", {{"Authorization", "Bearer " + token}},
                                 "{\"file\": \"" + t.job_file() + "\"}", "application/json");
  REQUIRE(made);
  CHECK(made->body.find("\"owner\":\"alice\"") != std::string::npos);
  auto forged = http.client().Get(
      "/batches", {{"Authorization", "Bearer " + livy_test::hs256_token(R"({"alg":"HS256","kid":"k1"})", claims(wall),
                                                                        rsa.public_pem())}});
  REQUIRE(forged);
  CHECK(forged->status == 401);
  CHECK(forged->get_header_value("WWW-Authenticate") == JwtAuthenticator::kInvalidToken);
  CHECK(forged->body.rfind("{\"msg\":", 0) == 0);
}
