// The driver channel over TLS (sessions.driver-tls): the certificate livyd makes and keeps,
// or loads; TLS clients on the real listener, a byte at a time, in bulk both ways with the
// session slow to read; a client that speaks plain TCP to it. And the channel's addresses
// (sessions.driver-bind-host, sessions.driver-host), checked at start-up.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "channel/channel_tls.h"
#include "channel/driver_address.h"
#include "channel/driver_channel.h"
#include "support/eventually.h"
#include "support/temp_dir.h"
#include "support/test_pki.h"
#include "support/tls_client.h"

using livy::ChannelTlsContext;
using livy::DriverChannelOptions;
using livy::DriverConnection;
using livy::DriverListener;
using livy::DriverMessage;
using livy_test::eventually;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSecret = "tls-secret";
constexpr const char* kWelcome = R"({"type":"welcome","version":1})";

std::string hello_line() {
  return std::string(R"({"type":"hello","version":1,"session":1,"secret":")") + kSecret + R"(","pid":1})" + "\n";
}

std::string started_line(int id, const std::string& pad) {
  return R"({"type":"started","id":)" + std::to_string(id) + R"(,"pad":")" + pad + "\"}\n";
}

// Accepts session 1 with kSecret; records what it was sent, and may be held up.
class Events : public livy::DriverEvents {
 public:
  bool on_hello(const DriverMessage& hello, const std::shared_ptr<DriverConnection>& connection) override {
    std::lock_guard lock(mu_);
    if (hello.session_id != 1 || hello.secret != kSecret || driver_) return false;
    driver_ = connection;
    return true;
  }
  void on_message(std::int64_t, const DriverMessage& message) override {
    std::unique_lock lock(mu_);
    released_cv_.wait(lock, [&] { return released_; });
    ids_.push_back(message.statement_id);
  }
  void on_closed(std::int64_t, const DriverConnection*) override {
    std::lock_guard lock(mu_);
    driver_.reset();
    ++closed_;
  }
  void hold() {
    std::lock_guard lock(mu_);
    released_ = false;
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    released_cv_.notify_all();
  }
  std::shared_ptr<DriverConnection> driver() {
    std::lock_guard lock(mu_);
    return driver_;
  }
  std::vector<std::int64_t> ids() {
    std::lock_guard lock(mu_);
    return ids_;
  }
  int closed() {
    std::lock_guard lock(mu_);
    return closed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable released_cv_;
  bool released_ = true;
  std::shared_ptr<DriverConnection> driver_;
  std::vector<std::int64_t> ids_;
  int closed_ = 0;
};

// A driver's side over TLS on a blocking socket (5 s timeouts), as Python's ssl does it.
// One thread at a time.
class TlsDriver {
 public:
  explicit TlsDriver(int port) : fd_(livy_test::connect_loopback(port)) {
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ctx_ = SSL_CTX_new(TLS_client_method());
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    connected_ = SSL_connect(ssl_) == 1;
    ERR_clear_error();
  }
  ~TlsDriver() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  TlsDriver(const TlsDriver&) = delete;
  TlsDriver& operator=(const TlsDriver&) = delete;

  bool connected() const { return connected_; }
  int version() const { return SSL_version(ssl_); }
  // The server certificate's SHA-256, as livyd writes it.
  std::string fingerprint() const {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (cert == nullptr || X509_digest(cert, EVP_sha256(), md, &size) != 1) size = 0;
    X509_free(cert);
    std::string out;
    char hex[4];
    for (unsigned int i = 0; i < size; ++i) {
      std::snprintf(hex, sizeof hex, i == 0 ? "%02X" : ":%02X", md[i]);
      out += hex;
    }
    return out;
  }
  bool send(const std::string& data) {
    for (std::size_t at = 0; at < data.size();) {
      std::size_t n = 0;
      if (SSL_write_ex(ssl_, data.data() + at, data.size() - at, &n) != 1) return false;
      at += n;
    }
    return true;
  }
  // The next line, or "" when the connection ends or nothing comes within 5 s.
  std::string line() {
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string out = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return out;
      }
      char chunk[16384];
      std::size_t n = 0;
      if (SSL_read_ex(ssl_, chunk, sizeof chunk, &n) != 1) return "";
      buffer_.append(chunk, n);
    }
  }

 private:
  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
  std::string buffer_;
};

std::shared_ptr<ChannelTlsContext> generated(const livy_test::TempDir& dir) {
  auto tls = ChannelTlsContext::load("", "", (dir / "driver-tls").string());
  REQUIRE(tls.has_value());
  return *tls;
}

std::unique_ptr<DriverListener> listen(DriverChannelOptions options, livy::DriverEvents& events) {
  auto listener = DriverListener::start(options, events);
  REQUIRE(listener.has_value());
  return std::move(*listener);
}

std::string openssl_fingerprint(const std::string& pem) {
  const std::string command = "openssl x509 -noout -fingerprint -sha256 -in " + pem;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[256] = {};
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, p);
  ::pclose(p);
  std::string out(buf, n);
  const auto eq = out.find('=');
  REQUIRE(eq != std::string::npos);
  out = out.substr(eq + 1);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("channel TLS: the generated certificate is made once, kept 0600, and read back the same", "[driver][tls]") {
  livy_test::TempDir dir;
  const auto first = generated(dir);
  const auto again = generated(dir);  // a restart: the drivers' pin still holds
  CHECK(first->fingerprint() == again->fingerprint());
  CHECK(first->fingerprint().size() == 32 * 3 - 1);
  CHECK(first->fingerprint() == openssl_fingerprint((dir / "driver-tls" / "certificate.pem").string()));
  for (const char* name : {"certificate.pem", "key.pem"}) {
    struct stat st {};
    REQUIRE(::stat((dir / "driver-tls" / name).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  livy_test::TempDir other;
  CHECK(generated(other)->fingerprint() != first->fingerprint());
}

TEST_CASE("channel TLS: configured PEM files, and the mistakes that stop start-up", "[driver][tls]") {
  const auto& pki = livy_test::TestPki::shared();
  livy_test::TempDir unused;
  auto tls = ChannelTlsContext::load(pki.path("server.pem"), pki.path("server.key"), unused.str());
  REQUIRE(tls.has_value());
  CHECK((*tls)->fingerprint() == openssl_fingerprint(pki.path("server.pem")));

  const auto half = ChannelTlsContext::load(pki.path("server.pem"), "", unused.str());
  CHECK(half.status().code() == livy::ErrorCode::kInvalidArgument);
  CHECK_THAT(half.status().message(), Contains("sessions.driver-tls-key-file"));
  const auto missing = ChannelTlsContext::load(pki.path("nothing.pem"), pki.path("server.key"), unused.str());
  CHECK_THAT(missing.status().message(), Contains("sessions.driver-tls-certificate-file"));
  const auto swapped = ChannelTlsContext::load(pki.path("server.key"), pki.path("server.pem"), unused.str());
  CHECK(swapped.status().code() == livy::ErrorCode::kInvalidArgument);
  const auto other_key = ChannelTlsContext::load(pki.path("ca.pem"), pki.path("server.key"), unused.str());
  CHECK_THAT(other_key.status().message(), Contains("does not belong"));
}

TEST_CASE("channel TLS: a driver's hello and lines go over TLS; it sees the certificate livyd pins", "[driver][tls]") {
  livy_test::TempDir dir;
  Events events;
  DriverChannelOptions options;
  options.tls = generated(dir);
  auto listener = listen(options, events);
  TlsDriver driver(listener->port());
  REQUIRE(driver.connected());
  CHECK(driver.version() >= TLS1_2_VERSION);
  CHECK(driver.fingerprint() == options.tls->fingerprint());
  // The hello and the next line in one record: the line after the hello is not lost.
  REQUIRE(driver.send(hello_line() + started_line(7, "x")));
  CHECK(driver.line() == kWelcome);
  REQUIRE(eventually([&] { return events.ids() == std::vector<std::int64_t>{7}; }));
  REQUIRE(events.driver() != nullptr);
  CHECK(events.driver()->send(R"({"type":"ping"})" "\n"));
  CHECK(driver.line() == R"({"type":"ping"})");
  events.driver()->close_when_sent();
  CHECK(driver.line().empty());  // close_notify, then the end
  CHECK(eventually([&] { return events.closed() == 1; }));
}

TEST_CASE("channel TLS: a handshake and hello dripped a byte at a time still get in", "[driver][tls]") {
  livy_test::TempDir dir;
  Events events;
  DriverChannelOptions options;
  options.tls = generated(dir);
  auto listener = listen(options, events);
  livy_test::TlsClient::Options byte_at_a_time;
  byte_at_a_time.chunk = 1;
  livy_test::TlsClient driver(listener->port(), byte_at_a_time);
  REQUIRE(driver.handshake());
  REQUIRE(driver.send(hello_line()));
  const auto answer = driver.read_until([](const std::string& a) { return a.find('\n') != std::string::npos; });
  CHECK(answer == std::string(kWelcome) + "\n");
}

TEST_CASE("channel TLS: plain TCP to a TLS channel is closed without a hello, and counted", "[driver][tls]") {
  livy_test::TempDir dir;
  Events events;
  DriverChannelOptions options;
  options.tls = generated(dir);
  auto listener = listen(options, events);
  const int fd = livy_test::connect_loopback(listener->port());
  REQUIRE(livy_test::send_all(fd, hello_line()));
  char buf[256];
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (::recv(fd, buf, sizeof buf, 0) > 0) {
  }
  ::close(fd);
  CHECK(eventually([&] { return listener->stats().pending.tls_failed == 1; }));
  CHECK(listener->stats().pending.hellos == 0);
  CHECK(events.driver() == nullptr);
}

// A session slow to take its driver's messages pauses the reading of a TLS driver too;
// reading resumes from what OpenSSL holds, not only from what the socket reports, and every
// line arrives in order, with small read rounds and backlog making both bounds bite often.
TEST_CASE("channel TLS: bulk both ways with a slow session: paused, resumed, nothing lost", "[driver][tls]") {
  livy_test::TempDir dir;
  Events events;
  DriverChannelOptions options;
  options.tls = generated(dir);
  options.read_per_round = 16 * 1024;
  options.max_dispatch_backlog = 64 * 1024;
  options.send_timeout = 20s;
  auto listener = listen(options, events);
  TlsDriver driver(listener->port());
  REQUIRE(driver.connected());
  REQUIRE(driver.send(hello_line()));
  REQUIRE(driver.line() == kWelcome);

  events.hold();
  constexpr int kLines = 20'000;
  const std::string pad(1000, 'p');
  auto sender = std::async(std::launch::async, [&] {
    std::string batch;
    for (int i = 0; i < kLines; ++i) {
      batch += started_line(i, pad);
      if (batch.size() > 256 * 1024 || i == kLines - 1) {
        if (!driver.send(batch)) return false;
        batch.clear();
      }
    }
    return true;
  });
  // 20 MB cannot all sit in socket buffers and 64 KiB of backlog: the driver is held up.
  CHECK(sender.wait_for(1s) == std::future_status::timeout);
  CHECK(events.ids().empty());
  events.release();
  REQUIRE(sender.wait_for(30s) == std::future_status::ready);
  CHECK(sender.get());
  REQUIRE(eventually([&] { return events.ids().size() == kLines; }, 30s));
  const auto ids = events.ids();
  bool in_order = true;
  for (int i = 0; i < kLines; ++i) in_order = in_order && ids[static_cast<std::size_t>(i)] == i;
  CHECK(in_order);

  // And livyd to the driver: more than the socket takes at once, written as it drains.
  const auto connection = events.driver();
  REQUIRE(connection != nullptr);
  std::vector<std::string> sent;
  for (int i = 0; i < 3000; ++i) {
    sent.push_back(R"({"type":"execute","id":)" + std::to_string(i) + R"(,"code":")" + pad + R"(","kind":"pyspark"})");
    REQUIRE(connection->send(sent.back() + "\n"));
  }
  for (const auto& line : sent) {
    const std::string got = driver.line();
    REQUIRE(got == line);
  }
}

TEST_CASE("driver addresses: bind and advertised, their defaults and the mistakes that stop start-up", "[driver]") {
  livy::Config c;
  auto a = livy::driver_addresses(c);
  REQUIRE(a.has_value());
  CHECK(a->bind_host == "127.0.0.1");
  CHECK(a->advertised_host == "127.0.0.1");

  c.driver_host = "10.0.0.5";  // as before driver-bind-host existed: listened on, and advertised
  a = livy::driver_addresses(c);
  REQUIRE(a.has_value());
  CHECK(a->bind_host == "10.0.0.5");
  CHECK(a->advertised_host == "10.0.0.5");

  c.driver_host = "livyd.example.com";
  c.driver_bind_host = "0.0.0.0";
  c.driver_advertised_port = 31000;
  a = livy::driver_addresses(c);
  REQUIRE(a.has_value());
  CHECK(a->bind_host == "0.0.0.0");
  CHECK(a->advertised_host == "livyd.example.com");
  CHECK(a->advertised_port == 31000);
  CHECK(livy::driver_callback(a->advertised_host, 31000) == "livyd.example.com:31000");
  CHECK(livy::driver_callback("fd00::1", 7) == "[fd00::1]:7");

  const auto fails = [](livy::Config config, const std::string& key) {
    const auto r = livy::driver_addresses(config);
    INFO(key);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.status().code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Contains(key));
  };
  livy::Config bad;
  bad.driver_host = "livyd.example.com";  // a name, and no address to listen on
  fails(bad, "sessions.driver-bind-host");
  bad = {};
  bad.driver_bind_host = "0.0.0.0";  // every interface, and nothing to tell the drivers
  fails(bad, "sessions.driver-host");
  bad = {};
  bad.driver_bind_host = "livyd.example.com";
  fails(bad, "sessions.driver-bind-host");
  bad = {};
  bad.driver_host = "bad host!";
  fails(bad, "sessions.driver-host");
  bad = {};
  bad.driver_host = "0.0.0.0";
  fails(bad, "sessions.driver-host");
  bad = {};
  bad.driver_host = "-leading.example.com";
  fails(bad, "sessions.driver-host");

  livy::Config local;
  local.driver_host = "localhost";
  a = livy::driver_addresses(local);
  REQUIRE(a.has_value());
  CHECK(a->bind_host == "127.0.0.1");
  CHECK(a->advertised_host == "localhost");
}
