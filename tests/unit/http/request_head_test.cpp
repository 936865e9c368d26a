// The front end's incremental request framing (issue 9: F3, F4, F9, F13).
#include "http/request_head.h"

#include <catch2/catch.hpp>
#include <string>

using livy::http::ChunkedScanner;
using livy::http::HeadLimits;
using livy::http::HeadScanner;
using livy::http::RequestHead;

namespace {

constexpr HeadLimits kLimits{16 * 1024, 1024, 20};

// Feeds `bytes` in pieces of `step` bytes, as a network would deliver them.
HeadScanner::Result feed_in_steps(HeadScanner& scanner, const std::string& bytes, std::size_t step) {
  HeadScanner::Result r = HeadScanner::Result::kIncomplete;
  for (std::size_t n = step; r == HeadScanner::Result::kIncomplete; n += step) {
    r = scanner.feed(std::string_view(bytes).substr(0, std::min(n, bytes.size())));
    if (n >= bytes.size()) break;
  }
  return r;
}

}  // namespace

TEST_CASE("a head is complete at its blank line, whatever the pieces it arrives in", "[http_front]") {
  const std::string head = "POST /batches HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n";
  for (const std::size_t step : {std::size_t{1}, std::size_t{7}, head.size() + 10}) {
    HeadScanner scanner(kLimits);
    REQUIRE(feed_in_steps(scanner, head + "{}GET / HTTP/1.1\r\n\r\n", step) == HeadScanner::Result::kComplete);
    CHECK(scanner.head().size == head.size());
    CHECK(scanner.head().body == RequestHead::Body::kLength);
    CHECK(scanner.head().content_length == 2);
    CHECK(scanner.head().forwarded == head);
  }
}

TEST_CASE("incomplete heads wait; empty lines before the request line are skipped", "[http_front]") {
  HeadScanner scanner(kLimits);
  CHECK(scanner.feed("GET /x HTTP/1.1\r\nHost: a\r\n") == HeadScanner::Result::kIncomplete);
  HeadScanner leading(kLimits);
  REQUIRE(leading.feed("\r\nGET /x HTTP/1.1\r\n\r\n") == HeadScanner::Result::kComplete);
  CHECK(leading.head().forwarded == "GET /x HTTP/1.1\r\n\r\n");
  CHECK(leading.head().size == 21);
  CHECK(leading.head().body == RequestHead::Body::kNone);
}

TEST_CASE("F4: a head past its bound is refused before its end arrives", "[http_front]") {
  HeadScanner scanner(kLimits);
  std::string flood = "GET / HTTP/1.1\r\n";
  while (flood.size() <= kLimits.max_head_bytes) flood += "X-A: " + std::string(1000, 'a') + "\r\n";
  REQUIRE(scanner.feed(flood) == HeadScanner::Result::kError);
  CHECK(scanner.error().status == 431);

  HeadScanner one_header(kLimits);
  REQUIRE(one_header.feed("GET / HTTP/1.1\r\nX-Big: " + std::string(kLimits.max_head_bytes, 'b')) ==
          HeadScanner::Result::kError);
  CHECK(one_header.error().status == 431);
}

TEST_CASE("F4: more header lines than the bound is 431, however short", "[http_front]") {
  std::string head = "GET / HTTP/1.1\r\n";
  for (std::size_t i = 0; i <= kLimits.max_headers; ++i) head += "a: b\r\n";
  HeadScanner scanner(kLimits);
  REQUIRE(scanner.feed(head) == HeadScanner::Result::kError);  // before the blank line
  CHECK(scanner.error().status == 431);
  std::string ok = "GET / HTTP/1.1\r\n";
  for (std::size_t i = 0; i < kLimits.max_headers; ++i) ok += "a: b\r\n";
  HeadScanner at_bound(kLimits);
  CHECK(at_bound.feed(ok + "\r\n") == HeadScanner::Result::kComplete);
}

TEST_CASE("F13: a long URI is 414 as soon as the line passes the bound", "[http_front]") {
  HeadScanner scanner(kLimits);
  REQUIRE(scanner.feed("GET /" + std::string(kLimits.max_uri_bytes + 64, 'a')) == HeadScanner::Result::kError);
  CHECK(scanner.error().status == 414);
  HeadScanner whole(kLimits);
  REQUIRE(whole.feed("GET /" + std::string(kLimits.max_uri_bytes, 'a') + " HTTP/1.1\r\n\r\n") ==
          HeadScanner::Result::kError);
  CHECK(whole.error().status == 414);
}

TEST_CASE("framing that could smuggle a request is refused", "[http_front]") {
  const auto status_of = [](const std::string& head) {
    HeadScanner scanner(kLimits);
    const auto r = scanner.feed(head);
    return r == HeadScanner::Result::kError ? scanner.error().status : 0;
  };
  CHECK(status_of("GET / HTTP/1.1\nHost: a\n\n") == 400);  // bare LF
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n") == 0);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 501);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nBad Name: b\r\n\r\n") == 400);
  CHECK(status_of(std::string("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 26)) == 400);
  CHECK(status_of("GET /\xff HTTP/1.1\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/2.0\r\n\r\n") == 505);
  CHECK(status_of("GET  / HTTP/1.1\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nExpect: something\r\n\r\n") == 417);
}

TEST_CASE("Expect is answered by the front end; header lines too long for cpp-httplib go around it",
          "[http_front]") {
  const std::string token(20 * 1024 - 100, 't');  // a SPNEGO token of a user in many groups
  HeadScanner scanner({64 * 1024, 1024, 20});
  REQUIRE(scanner.feed("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nAuthorization: Negotiate " + token +
                       "\r\nContent-Length: 3\r\n\r\n") == HeadScanner::Result::kComplete);
  const RequestHead& head = scanner.head();
  CHECK(head.expect_continue);
  CHECK(head.forwarded == "POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\n");
  REQUIRE(head.long_headers.size() == 1);
  CHECK(head.long_headers[0].first == "Authorization");
  CHECK(head.long_headers[0].second == "Negotiate " + token);
}

TEST_CASE("a chunked body ends at its last chunk and trailers, in any pieces", "[http_front]") {
  const std::string body = "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: x\r\n\r\n";
  for (const std::size_t step : {std::size_t{1}, std::size_t{5}, body.size()}) {
    ChunkedScanner scanner(1024);
    auto r = ChunkedScanner::Result::kIncomplete;
    for (std::size_t n = step; r == ChunkedScanner::Result::kIncomplete; n += step) {
      r = scanner.feed(std::string_view(body + "GET").substr(0, std::min(n, body.size() + 3)));
    }
    REQUIRE(r == ChunkedScanner::Result::kComplete);
    CHECK(scanner.size() == body.size());
  }
}

TEST_CASE("malformed or unbounded chunk framing is refused", "[http_front]") {
  for (const std::string& body : {std::string("x\r\n"), std::string("4\r\nWikiXX"), std::string("4\nWiki\r\n0\r\n\r\n"),
                                 std::string("ffffffffffffffff\r\n"), std::string(2000, '1'),
                                 "0\r\n" + std::string(2000, 'a')}) {
    ChunkedScanner scanner(1024);
    CHECK(scanner.feed(body) == ChunkedScanner::Result::kError);
  }
}
