// Reading HTTP/1.1 request framing incrementally, with every bound checked as
// bytes arrive: the front end of livy::http::Server (server.cpp) uses it to
// know when a request is complete before a worker thread sees it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace livy::http {

struct HeadLimits {
  std::size_t max_head_bytes = 128 * 1024;  // request line, headers and the blank line
  std::size_t max_uri_bytes = 4096;
  std::size_t max_headers = 100;
};

// A request head, read once it is complete.
struct RequestHead {
  std::size_t size = 0;  // bytes through the blank line
  // The head as cpp-httplib gets it: the request line and headers, without
  // `Expect` (the front end answers it) and without lines longer than
  // cpp-httplib's compiled-in limit, which are in `long_headers` instead.
  std::string forwarded;
  std::vector<std::pair<std::string, std::string>> long_headers;
  enum class Body { kNone, kLength, kChunked };
  Body body = Body::kNone;
  std::uint64_t content_length = 0;
  bool expect_continue = false;
};

// An answer the front end gives itself, then closes the connection.
struct HeadError {
  int status = 0;  // 0: none
  std::string message;
};

// Finds the end of a request head in bytes that arrive in pieces. feed() is
// given the whole buffer each time (the same bytes, and more); it examines
// each byte once.
class HeadScanner {
 public:
  explicit HeadScanner(HeadLimits limits) : limits_(limits) {}

  enum class Result { kIncomplete, kComplete, kError };
  Result feed(std::string_view bytes);

  const RequestHead& head() const { return head_; }  // kComplete
  const HeadError& error() const { return error_; }  // kError
  bool started() const { return scanned_ > 0; }

 private:
  Result fail(int status, std::string message);
  Result finish(std::string_view head);

  HeadLimits limits_;
  std::size_t scanned_ = 0;     // bytes examined so far
  std::size_t line_start_ = 0;  // where the line being read starts
  std::size_t head_start_ = 0;  // where the request line starts (after empty lines)
  std::size_t lines_ = 0;       // complete lines: the request line and headers
  RequestHead head_;
  HeadError error_;
};

// Finds the end of a chunked body (RFC 9112 §7.1) in bytes that arrive in
// pieces, without decoding it: cpp-httplib decodes it afterwards.
class ChunkedScanner {
 public:
  explicit ChunkedScanner(std::size_t max_trailer_bytes) : max_trailer_bytes_(max_trailer_bytes) {}

  enum class Result { kIncomplete, kComplete, kError };
  // `body` starts at the first chunk; feed() is given all of it each time.
  Result feed(std::string_view body);
  std::size_t size() const { return end_; }  // kComplete: bytes through the last CRLF

 private:
  enum class State { kSize, kData, kDataEnd, kTrailer };
  State state_ = State::kSize;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  std::uint64_t remaining_ = 0;
  std::size_t trailer_bytes_ = 0;
  std::size_t end_ = 0;
  std::size_t max_trailer_bytes_;
};

}  // namespace livy::http
