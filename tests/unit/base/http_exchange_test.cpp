// http_exchange against a real HTTP server on loopback: what is sent, and each bound.
#include "base/http_exchange.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

using Catch::Contains;

namespace {

struct LoopbackServer {
  httplib::Server server;
  std::thread thread;
  std::string origin;

  void start() {
    const int port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    origin = "http://127.0.0.1:" + std::to_string(port);
  }
  ~LoopbackServer() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
};

livy::HttpLimits limits() {
  livy::HttpLimits l;
  l.connect_timeout = std::chrono::milliseconds(500);
  l.request_timeout = std::chrono::milliseconds(500);
  l.max_bytes = 1000;
  l.connect_timeout_key = "test.connect-timeout";
  l.request_timeout_key = "test.request-timeout";
  l.max_bytes_key = "test.max-response-bytes";
  return l;
}

}  // namespace

TEST_CASE("http_exchange sends the method, path, headers and a JSON body, and returns any status", "[http_exchange]") {
  LoopbackServer s;
  s.server.Put("/ws/v1/state", [](const httplib::Request& req, httplib::Response& res) {
    res.status = 202;
    res.set_content(req.get_header_value("Authorization") + "|" + req.get_header_value("Content-Type") + "|" +
                        req.get_header_value("Accept") + "|" + req.body,
                    "text/plain");
  });
  s.start();
  livy::HttpCall call;
  call.method = "PUT";
  call.path = "/ws/v1/state";
  call.headers = {{"Authorization", "Bearer t0ken"}};
  call.body = R"({"state":"KILLED"})";
  const auto answer = livy::http_exchange(s.origin, "the test server", call, limits());
  REQUIRE(answer.has_value());
  CHECK(answer->status == 202);
  CHECK(answer->body == R"(Bearer t0ken|application/json|application/json|{"state":"KILLED"})");
  call.path = "/nothing";
  call.method = "GET";
  const auto missing = livy::http_exchange(s.origin, "the test server", call, limits());
  REQUIRE(missing.has_value());
  CHECK(missing->status == 404);
}

TEST_CASE("http_exchange: an answer over max_bytes, or trickling past the deadline, names its bound",
          "[http_exchange]") {
  LoopbackServer s;
  s.server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(5000, 'x'), "text/plain");
  });
  // A byte every 100 ms for 3 s: no read waits past the request timeout, the whole takes too long.
  s.server.Get("/trickle", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [](std::size_t offset, httplib::DataSink& sink) {
      if (offset >= 30) {
        sink.done();
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return sink.write("x", 1);
    });
  });
  s.start();
  livy::HttpCall call;
  call.path = "/big";
  const auto big = livy::http_exchange(s.origin, "the test server", call, limits());
  REQUIRE_FALSE(big.has_value());
  CHECK(big.status().code() == livy::ErrorCode::kUnavailable);
  CHECK_THAT(big.status().message(),
             Contains("the test server sent an answer larger than test.max-response-bytes (1000)"));
  call.path = "/trickle";
  const auto started = std::chrono::steady_clock::now();
  const auto slow = livy::http_exchange(s.origin, "the test server", call, limits());
  REQUIRE_FALSE(slow.has_value());
  CHECK_THAT(slow.status().message(), Contains("did not answer within test.request-timeout"));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(2500));
  // `total` overrides connect + request timeouts as the deadline.
  auto tight = limits();
  tight.total = std::chrono::milliseconds(300);
  const auto tight_started = std::chrono::steady_clock::now();
  CHECK_FALSE(livy::http_exchange(s.origin, "the test server", call, tight).has_value());
  CHECK(std::chrono::steady_clock::now() - tight_started < std::chrono::milliseconds(900));
}

TEST_CASE("http_exchange: nobody listening, or not an http URL, is unavailable with a message", "[http_exchange]") {
  std::string origin;
  {
    LoopbackServer s;
    s.start();
    origin = s.origin;
  }  // stopped: its port refuses connections now
  livy::HttpCall call;
  const auto refused = livy::http_exchange(origin, "the test server", call, limits());
  REQUIRE_FALSE(refused.has_value());
  CHECK_THAT(refused.status().message(), Contains("cannot connect to the test server") &&
                                             Contains("test.connect-timeout"));
  const auto not_http = livy::http_exchange("ftp://127.0.0.1:21", "the test server", call, limits());
  REQUIRE_FALSE(not_http.has_value());
  CHECK(not_http.status().code() == livy::ErrorCode::kUnavailable);
}
