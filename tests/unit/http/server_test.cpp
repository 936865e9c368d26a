// livy::http::Server against the attacks of issue 9 (F3 slowloris, F4 header
// flood, F9 pipelining, F13 prompt 414/431), over real sockets on loopback.
// Each would fail against a plain cpp-httplib 0.11 server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fcntl.h>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "livy/http.h"
#include "support/http_harness.h"

namespace {

using livy_test::connect_loopback;
using livy_test::send_all;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A Server with two small routes, run on its own thread.
struct TestServer {
  livy::http::Server server;
  int port = -1;
  std::thread thread;

  // `more_routes` adds routes before the server runs.
  explicit TestServer(livy::http::ServerOptions o, const std::function<void(httplib::Server&)>& more_routes = {})
      : server(with_any_port(o)) {
    if (more_routes) more_routes(server.router());
    server.router().Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("hi", "text/plain");
    });
    server.router().Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "text/plain");
    });
    server.router().Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      res.set_content("slow", "text/plain");
    });
    server.router().Get("/auth", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(std::to_string(req.get_header_value("Authorization").size()), "text/plain");
    });
    auto bound = server.bind();
    REQUIRE(bound);
    port = *bound;
    thread = std::thread([this] { server.run(); });
  }
  ~TestServer() {
    server.stop();
    thread.join();
  }
  static livy::http::ServerOptions with_any_port(livy::http::ServerOptions o) {
    o.host = "127.0.0.1";
    o.port = 0;
    return o;
  }
};

// Reads until `done(answer)`, the peer closes, or `timeout` passes.
template <typename Done>
std::string read_until(int fd, Done done, std::chrono::milliseconds timeout = 5s) {
  std::string answer;
  const auto deadline = Clock::now() + timeout;
  while (!done(answer)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  return answer;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

std::string ask(int port, const std::string& request, std::chrono::milliseconds timeout = 5s) {
  const int fd = connect_loopback(port);
  send_all(fd, request);
  std::string answer = read_until(
      fd, [](const std::string& a) { return a.find("hi") != std::string::npos || a.find("}") != std::string::npos; },
      timeout);
  ::close(fd);
  return answer;
}

}  // namespace

TEST_CASE("F9: pipelined requests are all answered, in order", "[http_front]") {
  TestServer s({});
  const int fd = connect_loopback(s.port);
  std::string gets;
  for (int i = 0; i < 100; ++i) gets += "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(send_all(fd, gets));
  const std::string answers = read_until(fd, [](const std::string& a) { return count(a, "\r\n\r\nhi") == 100; });
  CHECK(count(answers, "HTTP/1.1 200 OK") == 100);

  std::string posts;
  for (int i = 0; i < 5; ++i) {
    const std::string body = "statement " + std::to_string(i);
    posts += "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  REQUIRE(send_all(fd, posts));
  const std::string echoed =
      read_until(fd, [](const std::string& a) { return a.find("statement 4") != std::string::npos; });
  std::size_t at = 0;
  for (int i = 0; i < 5; ++i) {
    const std::size_t found = echoed.find("statement " + std::to_string(i), at);
    CHECK(found != std::string::npos);
    at = found == std::string::npos ? at : found;
  }
  ::close(fd);
}

TEST_CASE("F3: hundreds of dawdling clients hold no worker; others are served; dawdlers get 408", "[http_front]") {
  livy::http::ServerOptions o;
  o.threads = 2;  // a plain cpp-httplib server would be stuck behind two dawdlers
  o.max_connections_per_client = 0;  // all from 127.0.0.1: the head deadline alone is tested here
  o.head_timeout = 1500ms;
  TestServer s(o);
  std::vector<int> dawdlers;
  for (int i = 0; i < 300; ++i) {
    dawdlers.push_back(connect_loopback(s.port));
    send_all(dawdlers.back(), "GET /hello HTTP/1.1\r\nX-Slow: ");
  }
  // They drip a byte each 200 ms; a normal client comes in the middle.
  const auto start = Clock::now();
  for (int round = 0; round < 3; ++round) {
    for (const int fd : dawdlers) send_all(fd, "a");
    std::this_thread::sleep_for(200ms);
  }
  const auto asked = Clock::now();
  const std::string answer = ask(s.port, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 1s);
  CHECK(answer.find("HTTP/1.1 200 OK") == 0);
  CHECK(Clock::now() - asked < 1s);
  // One deadline for the whole head, though the drip kept each read short.
  std::size_t timed_out = 0;
  for (const int fd : dawdlers) {
    const std::string got =
        read_until(fd, [](const std::string& a) { return a.find("\r\n\r\n{") != std::string::npos; }, 3s);
    if (got.find("HTTP/1.1 408") == 0) ++timed_out;
    ::close(fd);
  }
  CHECK(timed_out == dawdlers.size());
  CHECK(Clock::now() - start < 6s);
}

TEST_CASE("F4: a header flood is 431 before it is all sent, and nothing of it is kept", "[http_front]") {
  livy::http::ServerOptions o;
  o.max_head_bytes = 128 * 1024;
  TestServer s(o);
  SECTION("a million headers") {
    const int fd = connect_loopback(s.port);
    std::thread sender([fd] {
      std::string chunk;
      for (int i = 0; i < 1000; ++i) chunk += "X-Flood: 1\r\n";
      send_all(fd, "GET /hello HTTP/1.1\r\n");
      for (int i = 0; i < 1000 && send_all(fd, chunk); ++i) {
      }
    });
    const std::string got = read_until(fd, [](const std::string& a) { return a.find("}") != std::string::npos; });
    ::shutdown(fd, SHUT_RDWR);
    sender.join();
    ::close(fd);
    CHECK(got.find("HTTP/1.1 431") == 0);
  }
  SECTION("one 10 MB header, and 100 kB over the line limit: 431 at once, with what was wrong") {
    const auto asked = Clock::now();
    const std::string got = ask(s.port, "GET /hello HTTP/1.1\r\nX-Big: " + std::string(10 << 20, 'b'));
    CHECK(got.find("HTTP/1.1 431") == 0);
    CHECK(got.find("request header is larger than 131072 bytes") != std::string::npos);
    CHECK(Clock::now() - asked < 2s);
  }
  SECTION("101 short headers") {
    std::string head = "GET /hello HTTP/1.1\r\n";
    for (int i = 0; i < 101; ++i) head += "a: b\r\n";
    CHECK(ask(s.port, head + "\r\n").find("HTTP/1.1 431") == 0);
  }
  // The server holds nothing for the flood once answered.
  const auto deadline = Clock::now() + 5s;
  while (s.server.open_connections() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  CHECK(s.server.open_connections() == 0);
}

TEST_CASE("F13: a 9,000-byte URL is 414 before the request line even ends", "[http_front]") {
  TestServer s({});
  const auto asked = Clock::now();
  const std::string got = ask(s.port, "GET /" + std::string(9000, 'a'));
  CHECK(got.find("HTTP/1.1 414") == 0);
  CHECK(got.find("request URI is longer than 4096 bytes") != std::string::npos);
  CHECK(Clock::now() - asked < 2s);
}

TEST_CASE("a client address over its connection bound loses its oldest waiting connection", "[http_front]") {
  livy::http::ServerOptions o;
  o.max_connections_per_client = 4;
  TestServer s(o);
  std::vector<int> idle;
  for (int i = 0; i < 4; ++i) idle.push_back(connect_loopback(s.port));
  std::this_thread::sleep_for(100ms);
  CHECK(ask(s.port, "GET /hello HTTP/1.1\r\n\r\n").find("HTTP/1.1 200") == 0);
  // The first idle connection was closed to make room: it reads end of file.
  CHECK(read_until(idle[0], [](const std::string&) { return false; }, 2s).empty());
  pollfd p{idle[0], POLLIN, 0};
  CHECK(::poll(&p, 1, 0) == 1);
  for (const int fd : idle) ::close(fd);
}

TEST_CASE("server.max-connections: a connection beyond it gets 503", "[http_front]") {
  livy::http::ServerOptions o;
  o.max_connections = 3;
  TestServer s(o);
  std::vector<int> open;
  for (int i = 0; i < 3; ++i) open.push_back(connect_loopback(s.port));
  std::this_thread::sleep_for(100ms);
  const int extra = connect_loopback(s.port);
  const std::string got = read_until(extra, [](const std::string& a) { return a.find("}") != std::string::npos; });
  CHECK(got.find("HTTP/1.1 503") == 0);
  ::close(extra);
  for (const int fd : open) ::close(fd);
}

TEST_CASE("Expect: 100-continue gets one 100, then the answer", "[http_front]") {
  TestServer s({});
  const int fd = connect_loopback(s.port);
  send_all(fd, "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  CHECK(read_until(fd, [](const std::string& a) { return a.find("\r\n\r\n") != std::string::npos; }) ==
        "HTTP/1.1 100 Continue\r\n\r\n");
  send_all(fd, "hello");
  const std::string got = read_until(fd, [](const std::string& a) { return a.find("hello") != std::string::npos; });
  CHECK(got.find("HTTP/1.1 200") == 0);
  CHECK(count(got, "100 Continue") == 0);
  ::close(fd);
}

TEST_CASE("Expect: 100-continue in any capitalisation gets its 100 at once, in the JDK's form too",
          "[http_front]") {
  TestServer s({});
  // The JDK's HttpClient writes "100-Continue"; RFC 9110 compares it case-insensitively.
  for (const std::string expect : {"Expect: 100-Continue", "expect: 100-CONTINUE", "EXPECT:100-continue"}) {
    const int fd = connect_loopback(s.port);
    const auto start = Clock::now();
    send_all(fd, "POST /echo HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nContent-Length: 5\r\n" + expect +
                     "\r\nHost: 127.0.0.1\r\nUser-Agent: Java-http-client/17.0.9\r\n"
                     "Content-Type: application/json\r\n\r\n");
    const std::string interim =
        read_until(fd, [](const std::string& a) { return a.find("\r\n\r\n") != std::string::npos; }, 3s);
    CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
    CHECK(Clock::now() - start < 1s);
    send_all(fd, "hello");  // the body only after the 100, as the JDK sends it
    const std::string got = read_until(fd, [](const std::string& a) { return a.find("hello") != std::string::npos; });
    CHECK(got.find("HTTP/1.1 200") == 0);
    ::close(fd);
  }
}

TEST_CASE("Expect on a body too large to buffer: the 100 comes when the handler reads it", "[http_front]") {
  livy::http::ServerOptions o;
  o.max_buffered_body_bytes = 16;
  TestServer s(o, [](httplib::Server& router) {
    // Refuses without reading, as livyd's routes refuse a Content-Length over their limit.
    router.Post("/refuse", [](const httplib::Request&, httplib::Response& res, const httplib::ContentReader&) {
      res.status = 413;
      res.set_header("Connection", "close");
      res.set_content("{}", "application/json");
    });
    router.Post("/read", [](const httplib::Request&, httplib::Response& res, const httplib::ContentReader& reader) {
      std::string body;
      reader([&](const char* data, std::size_t n) {
        body.append(data, n);
        return true;
      });
      res.set_content(std::to_string(body.size()), "text/plain");
    });
  });
  {  // refused unread: the final answer at once, and no 100
    const int fd = connect_loopback(s.port);
    const auto start = Clock::now();
    send_all(fd, "POST /refuse HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1000000000\r\n\r\n");
    const std::string got = read_until(fd, [](const std::string& a) { return a.find("{}") != std::string::npos; }, 3s);
    CHECK(got.find("HTTP/1.1 413") == 0);
    CHECK(count(got, "100 Continue") == 0);
    CHECK(Clock::now() - start < 1s);
    ::close(fd);
  }
  {  // read by the handler: the 100 first, then the body, then the answer
    const int fd = connect_loopback(s.port);
    const std::string body(40, 'b');
    send_all(fd, "POST /read HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 40\r\n\r\n");
    CHECK(read_until(fd, [](const std::string& a) { return a.find("\r\n\r\n") != std::string::npos; }, 3s) ==
          "HTTP/1.1 100 Continue\r\n\r\n");
    send_all(fd, body);
    const std::string got = read_until(fd, [](const std::string& a) { return a.find("\r\n\r\n40") != std::string::npos; });
    CHECK(got.find("HTTP/1.1 200") == 0);
    CHECK(count(got, "100 Continue") == 0);
    ::close(fd);
  }
}

TEST_CASE("a header line longer than cpp-httplib's 8 KiB reaches the handler whole", "[http_front]") {
  TestServer s({});
  const std::string token = "Negotiate " + std::string(40 * 1024, 'Y');
  const int fd = connect_loopback(s.port);
  send_all(fd, "GET /auth HTTP/1.1\r\nAuthorization: " + token + "\r\n\r\n");
  const std::string got = read_until(
      fd, [&](const std::string& a) { return a.find("\r\n\r\n" + std::to_string(token.size())) != std::string::npos; });
  CHECK(got.find("HTTP/1.1 200") == 0);
  CHECK(got.find("\r\n\r\n" + std::to_string(token.size())) != std::string::npos);
  ::close(fd);
}

TEST_CASE("a connection on a descriptor above FD_SETSIZE is served (cpp-httplib 0.11 answers 500)", "[http_front]") {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_max < 2048) {
    WARN("the descriptor hard limit is below 2048: not tested");
    return;
  }
  const rlimit saved = limit;
  limit.rlim_cur = 2048;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
  std::vector<int> filler;
  while (filler.size() < 1100) filler.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  {
    TestServer s({});
    CHECK(ask(s.port, "GET /hello HTTP/1.1\r\n\r\n").find("HTTP/1.1 200") == 0);
  }
  for (const int fd : filler) ::close(fd);
  ::setrlimit(RLIMIT_NOFILE, &saved);
}

TEST_CASE("stop() returns promptly with dawdling clients connected", "[http_front]") {
  auto s = std::make_unique<TestServer>(livy::http::ServerOptions{});
  std::vector<int> dawdlers;
  for (int i = 0; i < 50; ++i) {
    dawdlers.push_back(connect_loopback(s->port));
    send_all(dawdlers.back(), "GET /hel");
  }
  const auto asked = Clock::now();
  s.reset();
  CHECK(Clock::now() - asked < 1s);
  for (const int fd : dawdlers) ::close(fd);
}

TEST_CASE("a client that hangs up while its request is served costs no spinning, and is closed", "[http_front]") {
  TestServer s({});
  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  const int fd = connect_loopback(s.port);
  send_all(fd, "GET /slow HTTP/1.1\r\n\r\n");
  std::this_thread::sleep_for(50ms);
  ::close(fd);  // the worker is still in the handler
  std::this_thread::sleep_for(700ms);
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  const auto cpu_us = [](const rusage& r) {
    return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1'000'000L + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
  };
  CHECK(cpu_us(after) - cpu_us(before) < 250'000);  // a loop woken by the hang-up would burn ~500 ms
  CHECK(s.server.open_connections() == 0);
  CHECK(ask(s.port, "GET /hello HTTP/1.1\r\n\r\n").find("HTTP/1.1 200") == 0);
}
