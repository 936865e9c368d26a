// livy::http::Server over TLS: the handshake and requests through the event
// loop and the workers, the keys it loads (and refuses), and hostile bytes
// where a TLS record should be. Certificates come from tests/support/test_pki.h.
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "livy/client.h"
#include "livy/http.h"
#include "support/http_harness.h"
#include "support/test_pki.h"
#include "support/tls_client.h"

namespace {

using Catch::Matchers::Contains;
using livy_test::TestPki;
using livy_test::TlsClient;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

livy::http::ServerOptions tls_options(livy::http::ServerOptions o = {}) {
  const TestPki& pki = TestPki::shared();
  o.host = "127.0.0.1";
  o.port = 0;
  o.tls.certificate_file = pki.path("server.pem");
  o.tls.key_file = pki.path("server.key");
  return o;
}

// A Server over TLS with small routes, run on its own thread.
struct TlsServer {
  livy::http::Server server;
  int port = -1;
  std::thread thread;

  explicit TlsServer(livy::http::ServerOptions o = tls_options()) : server(std::move(o)) {
    server.router().Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("hi", "text/plain");
    });
    server.router().Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "text/plain");
    });
    auto bound = server.bind();
    REQUIRE(bound);
    port = *bound;
    thread = std::thread([this] { server.run(); });
  }
  ~TlsServer() {
    server.stop();
    thread.join();
  }
};

TlsClient::Options verifying() {
  TlsClient::Options o;
  o.ca_file = TestPki::shared().path("ca.pem");
  return o;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

// One GET /hello over a fresh verified TLS connection: the answer, or "" on failure.
std::string hello(int port) {
  TlsClient c(port, verifying());
  if (!c.handshake()) return "";
  c.send("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
  return c.read_until([](const std::string& a) { return has(a, "\r\n\r\nhi"); });
}

bool eventually_no_connections(livy::http::Server& server, std::chrono::milliseconds within = 3s) {
  const auto deadline = Clock::now() + within;
  while (server.open_connections() != 0 && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  return server.open_connections() == 0;
}

livy::Status bind_status(const livy::http::ServerOptions& o) {
  livy::http::Server server(o);
  const auto bound = server.bind();
  return bound ? livy::Status::ok() : bound.status();
}

}  // namespace

TEST_CASE("TLS: a request over a verified handshake, HSTS on the answer, no server version", "[tls]") {
  TlsServer s;
  TlsClient c(s.port, verifying());
  REQUIRE(c.handshake());
  CHECK(c.verify_result() == X509_V_OK);
  CHECK(c.version() >= TLS1_2_VERSION);
  REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const std::string got = c.read_until([](const std::string& a) { return has(a, "\r\n\r\nhi"); });
  CHECK(got.find("HTTP/1.1 200 OK\r\n") == 0);
  CHECK(has(got, "Strict-Transport-Security: max-age=31536000\r\n"));
  CHECK_FALSE(has(got, "\r\nServer:"));
  // Kept alive: a second request on the same connection.
  REQUIRE(c.send("GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const std::string missing = c.read_until([](const std::string& a) { return has(a, "\r\n\r\n"); });
  CHECK(missing.find("HTTP/1.1 404") == 0);
  CHECK(has(missing, "Strict-Transport-Security: max-age=31536000\r\n"));
}

TEST_CASE("TLS: a client that trusts another CA fails the handshake", "[tls]") {
  TlsServer s;
  TlsClient::Options o;
  o.ca_file = TestPki::shared().path("other-ca.pem");
  TlsClient c(s.port, o);
  CHECK_FALSE(c.handshake());
  CHECK(c.verify_result() != X509_V_OK);
  CHECK(has(hello(s.port), "hi"));
}

TEST_CASE("TLS: pipelined requests, and a body larger than the buffer, are all answered in order", "[tls]") {
  auto o = tls_options();
  o.max_buffered_body_bytes = 1024;  // larger bodies are read by the worker, through TLS
  TlsServer s(o);
  TlsClient c(s.port, verifying());
  REQUIRE(c.handshake());
  std::string gets;
  for (int i = 0; i < 100; ++i) gets += "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(c.send(gets));
  const std::string answers = c.read_until([](const std::string& a) { return count(a, "\r\n\r\nhi") == 100; });
  CHECK(count(answers, "HTTP/1.1 200 OK") == 100);

  // A streamed body followed, in the same TLS records, by the next request:
  // what the worker's last read left inside OpenSSL is served too.
  const std::string big(200 * 1024, 'b');
  std::string posts = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(big.size()) +
                      "\r\n\r\n" + big + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nlast";
  REQUIRE(c.send(posts));
  const std::string echoed = c.read_until([](const std::string& a) { return has(a, "\r\n\r\nlast"); });
  CHECK(count(echoed, "HTTP/1.1 200 OK") == 2);
  CHECK(has(echoed, "Content-Length: " + std::to_string(big.size()) + "\r\n"));
  CHECK(has(echoed, big));
  CHECK(has(echoed, "\r\n\r\nlast"));
}

TEST_CASE("TLS: the front end's own answers go through TLS, with HSTS", "[tls]") {
  auto o = tls_options();
  o.max_headers = 5;
  TlsServer s(o);
  TlsClient c(s.port, verifying());
  REQUIRE(c.handshake());
  std::string flood = "GET /hello HTTP/1.1\r\n";
  for (int i = 0; i < 10; ++i) flood += "X-" + std::to_string(i) + ": y\r\n";
  REQUIRE(c.send(flood + "\r\n"));
  const std::string got = c.read_until([](const std::string& a) { return has(a, "}"); });
  CHECK(got.find("HTTP/1.1 431") == 0);
  CHECK(has(got, "Strict-Transport-Security: max-age="));
  CHECK(c.closed_by_server(3s));
}

TEST_CASE("TLS: Expect: 100-continue gets its 100 through TLS, then the answer", "[tls]") {
  TlsServer s;
  TlsClient c(s.port, verifying());
  REQUIRE(c.handshake());
  REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  CHECK(c.read_until([](const std::string& a) { return has(a, "\r\n\r\n"); }) == "HTTP/1.1 100 Continue\r\n\r\n");
  REQUIRE(c.send("hello"));
  const std::string got = c.read_until([](const std::string& a) { return has(a, "hello"); });
  CHECK(got.find("HTTP/1.1 200") == 0);
  CHECK(has(got, "\r\n\r\nhello"));
}

TEST_CASE("TLS: a client that does not read its answer is dropped at the write timeout, freeing the worker",
          "[tls]") {
  auto o = tls_options();
  o.threads = 1;
  o.write_timeout = 300ms;
  TlsServer s(o);
  s.server.router().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(16 << 20, 'x'), "text/plain");
  });
  TlsClient c(s.port, verifying());
  REQUIRE(c.handshake());
  const int small = 4096;
  ::setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  REQUIRE(c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The client reads nothing from here on. Without the write timeout the one worker would
  // wait on it for ever; with it, the worker is freed and serves another client. Asked again
  // until a deadline, not timed: under sanitizers on a loaded machine, making and encrypting
  // 16 MiB alone can take seconds.
  const auto deadline = Clock::now() + 30s;
  bool served = false;
  while (!served && Clock::now() < deadline) served = has(hello(s.port), "hi");
  CHECK(served);
}

TEST_CASE("TLS: a client that offers only TLS 1.1 is refused; min-version 1.3 refuses 1.2", "[tls]") {
  SECTION("TLS 1.1 against the default minimum, 1.2") {
    TlsServer s;
    TlsClient::Options o = verifying();
    o.min_version = TLS1_1_VERSION;
    o.max_version = TLS1_1_VERSION;
    TlsClient c(s.port, o);
    CHECK_FALSE(c.handshake());
    CHECK(has(hello(s.port), "hi"));
  }
  SECTION("TLS 1.2 against server.tls.min-version 1.3") {
    auto options = tls_options();
    options.tls.min_version = livy::http::TlsVersion::kTls13;
    TlsServer s(options);
    TlsClient::Options o = verifying();
    o.max_version = TLS1_2_VERSION;
    TlsClient old(s.port, o);
    CHECK_FALSE(old.handshake());
    TlsClient c(s.port, verifying());
    REQUIRE(c.handshake());
    CHECK(c.version() == TLS1_3_VERSION);
  }
}

TEST_CASE("TLS: a handshake that stalls is closed at the head deadline, holding no worker", "[tls]") {
  auto o = tls_options();
  o.head_timeout = 300ms;
  o.threads = 1;
  TlsServer s(o);
  SECTION("nothing sent") {
    TlsClient c(s.port, verifying());
    const auto start = Clock::now();
    CHECK(c.closed_by_server(3s));
    CHECK(Clock::now() - start >= 250ms);
  }
  SECTION("half a ClientHello") {
    TlsClient c(s.port, verifying());
    // A handshake record header announcing 512 bytes, then 100 of them.
    REQUIRE(c.send_raw(std::string("\x16\x03\x01\x02\x00", 5) + std::string(100, '\x01')));
    const auto start = Clock::now();
    CHECK(c.closed_by_server(3s));
    CHECK(Clock::now() - start >= 200ms);
  }
  CHECK(has(hello(s.port), "hi"));  // the one worker is free
  CHECK(eventually_no_connections(s.server));
}

TEST_CASE("TLS: plain HTTP on the TLS port gets a 400 that says so, and is closed", "[tls]") {
  TlsServer s;
  const std::string got = livy_test::raw_exchange(s.port, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(got.find("HTTP/1.1 400") == 0);
  CHECK(has(got, "HTTPS"));
}

TEST_CASE("TLS: hostile bytes instead of TLS are closed without harm", "[tls][hostile]") {
  auto o = tls_options();
  o.threads = 1;
  o.head_timeout = 2s;
  TlsServer s(o);
  SECTION("garbage instead of a ClientHello") {
    TlsClient c(s.port, verifying());
    REQUIRE(c.send_raw(std::string("\x16\x03\x01\x00\x20", 5) + std::string(32, '\xff')));
    CHECK(c.closed_by_server(1s));  // well before the head deadline
  }
  SECTION("binary garbage with no record header") {
    TlsClient c(s.port, verifying());
    REQUIRE(c.send_raw(std::string("\x00\x01\x02\x03\xfe\xed\xfe\xed", 8) + std::string(4096, '\x7f')));
    CHECK(c.closed_by_server(1s));
  }
  SECTION("a ClientHello, and the whole exchange, sent a byte at a time") {
    TlsClient::Options split = verifying();
    split.chunk = 1;
    TlsClient c(s.port, split);
    REQUIRE(c.handshake());
    REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(has(c.read_until([](const std::string& a) { return has(a, "\r\n\r\nhi"); }), "\r\n\r\nhi"));
  }
  SECTION("a record announcing 64 KiB before the handshake") {
    TlsClient c(s.port, verifying());
    c.send_raw(std::string("\x16\x03\x03\xff\xff", 5) + std::string(65535, 'A'));
    CHECK(c.closed_by_server(1s));
  }
  SECTION("a record announcing 64 KiB after the handshake") {
    TlsClient c(s.port, verifying());
    REQUIRE(c.handshake());
    c.send_raw(std::string("\x17\x03\x03\xff\xff", 5) + std::string(65535, 'A'));
    CHECK(c.closed_by_server(1s));
  }
  SECTION("a valid request, then bytes that are not a record") {
    TlsClient c(s.port, verifying());
    REQUIRE(c.handshake());
    REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(has(c.read_until([](const std::string& a) { return has(a, "\r\n\r\nhi"); }), "hi"));
    c.send_raw("GET / HTTP/1.1\r\n\r\n");
    CHECK(c.closed_by_server(1s));
  }
  SECTION("many handshakes abandoned halfway") {
    for (int i = 0; i < 50; ++i) {
      TlsClient c(s.port, verifying());
      REQUIRE(c.send_raw(std::string("\x16\x03\x01\x02\x00", 5) + std::string(200, '\x01')));
    }
  }
  CHECK(has(hello(s.port), "hi"));
  CHECK(eventually_no_connections(s.server));
}

TEST_CASE("TLS: stop() closes TLS connections cleanly and promptly", "[tls]") {
  auto s = std::make_unique<TlsServer>();
  TlsClient idle(s->port, verifying());
  REQUIRE(idle.handshake());
  TlsClient stalled(s->port, verifying());
  const auto asked = Clock::now();
  s.reset();
  CHECK(Clock::now() - asked < 1s);
  // The idle client gets close_notify: a clean end, not a reset.
  CHECK(idle.read_until([](const std::string&) { return false; }, 1s).empty());
  CHECK(idle.got_close_notify());
}

// A PKCS12 keystore whose private key has a password of its own (the openssl command uses one
// password for everything; Java's KeyStore API can make such keystores): built from the test
// PKI's key and certificates with OpenSSL's bag API, the certificates in a safe encrypted with
// the store password, the key shrouded with the key password, both AES-256 (PBES2).
std::string keystore_with_key_password(const std::string& store_password, const std::string& key_password) {
  const TestPki& pki = TestPki::shared();
  const auto read_pem = [&](const std::string& name, auto reader) {
    BIO* in = BIO_new_file(pki.path(name).c_str(), "r");
    REQUIRE(in != nullptr);
    auto* object = reader(in, nullptr, nullptr, nullptr);
    BIO_free(in);
    REQUIRE(object != nullptr);
    return object;
  };
  EVP_PKEY* key = read_pem("server.key", PEM_read_bio_PrivateKey);
  X509* cert = read_pem("server.pem", PEM_read_bio_X509);
  X509* ca = read_pem("ca.pem", PEM_read_bio_X509);
  STACK_OF(PKCS12_SAFEBAG)* cert_bags = nullptr;
  STACK_OF(PKCS12_SAFEBAG)* key_bags = nullptr;
  STACK_OF(PKCS7)* safes = nullptr;
  REQUIRE(PKCS12_add_cert(&cert_bags, ca) != nullptr);
  REQUIRE(PKCS12_add_cert(&cert_bags, cert) != nullptr);
  REQUIRE(PKCS12_add_key(&key_bags, key, 0, PKCS12_DEFAULT_ITER, NID_aes_256_cbc, key_password.c_str()) != nullptr);
  REQUIRE(PKCS12_add_safe(&safes, cert_bags, NID_aes_256_cbc, PKCS12_DEFAULT_ITER, store_password.c_str()) == 1);
  REQUIRE(PKCS12_add_safe(&safes, key_bags, -1, 0, nullptr) == 1);
  PKCS12* p12 = PKCS12_add_safes(safes, 0);
  REQUIRE(p12 != nullptr);
  REQUIRE(PKCS12_set_mac(p12, store_password.c_str(), -1, nullptr, 0, PKCS12_DEFAULT_ITER, nullptr) == 1);
  const std::string path = pki.path("own-key-password.p12");
  BIO* out = BIO_new_file(path.c_str(), "wb");
  REQUIRE(out != nullptr);
  REQUIRE(i2d_PKCS12_bio(out, p12) == 1);
  BIO_free(out);
  PKCS12_free(p12);
  sk_PKCS7_pop_free(safes, PKCS7_free);
  sk_PKCS12_SAFEBAG_pop_free(cert_bags, PKCS12_SAFEBAG_free);
  sk_PKCS12_SAFEBAG_pop_free(key_bags, PKCS12_SAFEBAG_free);
  X509_free(ca);
  X509_free(cert);
  EVP_PKEY_free(key);
  return path;
}

TEST_CASE("TLS keys: a PKCS12 keystore whose key has its own password (livy.key-password)", "[tls]") {
  livy::http::ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.tls.keystore = keystore_with_key_password("store-pw", "key-pw");
  o.tls.keystore_password = "store-pw";
  SECTION("with the key password it serves the certificate that belongs to the key") {
    o.tls.key_password = "key-pw";
    TlsServer s(o);
    CHECK(has(hello(s.port), "hi"));  // hello() verifies the chain against the test CA
  }
  SECTION("without it, start-up says to set livy.key-password") {
    CHECK_THAT(bind_status(o).message(), Contains("cannot read its key") && Contains("set livy.key-password"));
  }
  SECTION("with a wrong one, start-up asks whether livy.key-password is right") {
    o.tls.key_password = "not-the-key-pw";
    CHECK_THAT(bind_status(o).message(), Contains("is livy.key-password") && Contains("right"));
  }
}

TEST_CASE("TLS keys: a PKCS12 keystore, and what is refused at bind with a message that names the key", "[tls]") {
  const TestPki& pki = TestPki::shared();
  livy::http::ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;

  SECTION("PKCS12 with its password serves") {
    o.tls.keystore = pki.path("server.p12");
    o.tls.keystore_password = TestPki::kPassword;
    TlsServer s(o);
    CHECK(has(hello(s.port), "hi"));
  }
  SECTION("PKCS12 as Java before 8u301 wrote it (RC2-40) serves") {
    o.tls.keystore = pki.path("server-legacy.p12");
    o.tls.keystore_password = TestPki::kPassword;
    TlsServer s(o);
    CHECK(has(hello(s.port), "hi"));
  }
  SECTION("PKCS12 with a wrong password") {
    o.tls.keystore = pki.path("server.p12");
    o.tls.keystore_password = "wrong";
    const auto st = bind_status(o);
    CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains("livy.keystore") && Contains("wrong password") &&
                                 Contains("livy.keystore.password"));
  }
  SECTION("a JKS keystore gives the keytool command that converts it") {
    const std::string jks = pki.path("keystore.jks");
    livy_test::write_file(jks, std::string("\xfe\xed\xfe\xed\x00\x00\x00\x02", 8) + std::string(64, '\0'));
    o.tls.keystore = jks;
    const auto st = bind_status(o);
    CHECK_THAT(st.message(), Contains("JKS") && Contains("keytool -importkeystore -srckeystore " + jks) &&
                                 Contains("-deststoretype PKCS12"));
  }
  SECTION("a file that is no keystore") {
    o.tls.keystore = pki.path("server.pem");
    CHECK_THAT(bind_status(o).message(), Contains("is not a PKCS12 keystore"));
  }
  SECTION("a missing keystore") {
    o.tls.keystore = pki.path("nowhere.p12");
    CHECK_THAT(bind_status(o).message(), Contains("cannot read") && Contains("nowhere.p12"));
  }
  SECTION("a PEM key that is not the certificate's") {
    o.tls.certificate_file = pki.path("server.pem");
    o.tls.key_file = pki.path("other-ca.key");
    CHECK_THAT(bind_status(o).message(), Contains("does not belong to the certificate"));
  }
  SECTION("a PEM certificate without its key file") {
    o.tls.certificate_file = pki.path("server.pem");
    CHECK_THAT(bind_status(o).message(), Contains("server.tls.key-file is not"));
  }
  SECTION("a PEM key file without its certificate file (not plain HTTP instead)") {
    o.tls.key_file = pki.path("server.key");
    CHECK_THAT(bind_status(o).message(), Contains("server.tls.certificate-file is not"));
  }
  SECTION("both a keystore and PEM files") {
    o.tls.keystore = pki.path("server.p12");
    o.tls.certificate_file = pki.path("server.pem");
    CHECK_THAT(bind_status(o).message(), Contains("choose one"));
  }
}

TEST_CASE("TLS: server.tls.hsts-max-age 0 sends no Strict-Transport-Security; plain HTTP never does", "[tls]") {
  auto o = tls_options();
  o.tls.hsts_max_age = 0s;
  TlsServer s(o);
  const std::string got = hello(s.port);
  CHECK(got.find("HTTP/1.1 200") == 0);
  CHECK_FALSE(has(got, "Strict-Transport-Security"));

  livy::http::ServerOptions plain;
  plain.host = "127.0.0.1";
  plain.port = 0;
  livy::http::Server server(plain);
  server.router().Get("/hello",
                      [](const httplib::Request&, httplib::Response& res) { res.set_content("hi", "text/plain"); });
  const auto bound = server.bind();
  REQUIRE(bound);
  std::thread t([&server] { server.run(); });
  const std::string answer = livy_test::raw_exchange(*bound, "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n");
  server.stop();
  t.join();
  CHECK(answer.find("HTTP/1.1 200") == 0);
  CHECK_FALSE(has(answer, "Strict-Transport-Security"));
  CHECK_FALSE(has(answer, "\r\nServer:"));
}

TEST_CASE("livy::Client over https:// verifies the server against ca_cert_file", "[tls][client]") {
  TlsServer s;
  s.server.router().Get("/version", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"version":"0.9.0"})", "application/json");
  });
  const TestPki& pki = TestPki::shared();
  livy::ClientOptions trusting;
  trusting.ca_cert_file = pki.path("ca.pem");
  livy::Client client("https://127.0.0.1:" + std::to_string(s.port), trusting);
  const auto version = client.version();
  REQUIRE(version);
  CHECK(version->version == "0.9.0");

  livy::ClientOptions other;
  other.ca_cert_file = pki.path("other-ca.pem");
  const auto refused = livy::Client("https://127.0.0.1:" + std::to_string(s.port), other).version();
  REQUIRE_FALSE(refused);
  CHECK(refused.status().code() == livy::ErrorCode::kUnavailable);
  CHECK_THAT(refused.status().message(), Contains("not trusted"));
  CHECK_FALSE(livy::Client("https://127.0.0.1:" + std::to_string(s.port)).version());  // the system's CAs
  CHECK_FALSE(livy::Client("http://127.0.0.1:" + std::to_string(s.port)).version());   // plain HTTP
}
