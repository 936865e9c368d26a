#include "http/request_head.h"

#include <httplib.h>

#include <charconv>

#include "base/text_values.h"

namespace livy::http {
namespace {

// cpp-httplib (Debian's is compiled, so this cannot be raised) refuses a
// header line longer than this, CRLF included: such lines are handed to it
// after its own parse instead (RequestHead::long_headers).
constexpr std::size_t kHttplibLineMax = CPPHTTPLIB_HEADER_MAX_LENGTH;
// Room for the method, the version and their spaces beside the URI.
constexpr std::size_t kRequestLineExtra = 32;
// A chunk-size line: the size and any chunk extensions.
constexpr std::size_t kMaxChunkLine = 1024;

bool is_tchar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

HeadScanner::Result HeadScanner::fail(int status, std::string message) {
  error_ = {status, std::move(message)};
  return Result::kError;
}

HeadScanner::Result HeadScanner::feed(std::string_view bytes) {
  for (std::size_t i = scanned_; i < bytes.size(); ++i) {
    if (bytes[i] != '\n') continue;
    if (i + 1 > limits_.max_head_bytes) break;  // refused below
    const std::string_view line = bytes.substr(line_start_, i + 1 - line_start_);
    if (line.size() < 2 || line[line.size() - 2] != '\r') return fail(400, "request lines must end with CRLF");
    if (line.size() == 2) {
      if (lines_ > 0) return finish(bytes.substr(0, i + 1));
      head_start_ = i + 1;  // an empty line before the request line is ignored (RFC 9112 §2.2)
    } else if (lines_ == 0 && line.size() - 2 > limits_.max_uri_bytes + kRequestLineExtra) {
      return fail(414, "request URI is longer than " + std::to_string(limits_.max_uri_bytes) + " bytes");
    } else if (lines_ > limits_.max_headers) {
      return fail(431, "request has more than " + std::to_string(limits_.max_headers) + " header lines");
    } else {
      ++lines_;
    }
    line_start_ = i + 1;
  }
  scanned_ = bytes.size();
  if (lines_ == 0 && scanned_ - line_start_ > limits_.max_uri_bytes + kRequestLineExtra) {
    return fail(414, "request URI is longer than " + std::to_string(limits_.max_uri_bytes) + " bytes");
  }
  if (scanned_ > limits_.max_head_bytes) {
    return fail(431, "request header is larger than " + std::to_string(limits_.max_head_bytes) + " bytes");
  }
  return Result::kIncomplete;
}

HeadScanner::Result HeadScanner::finish(std::string_view bytes) {
  head_.size = bytes.size();
  std::string_view rest = bytes.substr(head_start_);
  const auto next_line = [&rest] {
    const std::size_t end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    return line;
  };

  const std::string_view request_line = next_line();
  const std::size_t sp1 = request_line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || request_line.find(' ', sp2 + 1) != std::string_view::npos) {
    return fail(400, "malformed request line");
  }
  const std::string_view method = request_line.substr(0, sp1);
  const std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = request_line.substr(sp2 + 1);
  if (!is_token(method) || target.empty()) return fail(400, "malformed request line");
  for (const char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return fail(400, "the request target has a byte that must be percent-encoded");
  }
  if (target.size() > limits_.max_uri_bytes) {
    return fail(414, "request URI is longer than " + std::to_string(limits_.max_uri_bytes) + " bytes");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return fail(505, "only HTTP/1.1 and HTTP/1.0 are supported");
  head_.forwarded.reserve(bytes.size());
  head_.forwarded.append(request_line).append("\r\n");

  bool have_length = false;
  bool chunked = false;
  while (rest.size() > 2) {
    const std::string_view line = next_line();
    if (line.front() == ' ' || line.front() == '\t') return fail(400, "obsolete header line folding is not accepted");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return fail(400, "malformed header line");
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7F) {
        return fail(400, "header " + std::string(name) + " has a control character");
      }
    }
    // httplib drops a header with an empty value: a create would silently lose its idempotency.
    if (value.empty() && equals_ignoring_case(name, "Idempotency-Key")) {
      return fail(400, "Idempotency-Key must not be empty");
    }
    if (equals_ignoring_case(name, "Content-Length")) {
      std::uint64_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || value.size() > 19 || ec != std::errc() || end != value.data() + value.size() ||
          (have_length && n != head_.content_length)) {
        return fail(400, "invalid Content-Length");
      }
      have_length = true;
      head_.content_length = n;
    } else if (equals_ignoring_case(name, "Transfer-Encoding")) {
      if (chunked) return fail(400, "more than one Transfer-Encoding header");
      if (!equals_ignoring_case(value, "chunked")) return fail(501, "only the chunked Transfer-Encoding is supported");
      chunked = true;
    } else if (equals_ignoring_case(name, "Expect")) {
      if (!equals_ignoring_case(value, "100-continue")) return fail(417, "only Expect: 100-continue is supported");
      head_.expect_continue = true;
      continue;  // answered by the front end
    }
    if (line.size() + 2 > kHttplibLineMax) {
      head_.long_headers.emplace_back(name, value);
    } else {
      head_.forwarded.append(line).append("\r\n");
    }
  }
  head_.forwarded.append("\r\n");
  if (have_length && chunked) return fail(400, "a request cannot have both Content-Length and Transfer-Encoding");
  head_.body = chunked ? RequestHead::Body::kChunked
                       : have_length ? RequestHead::Body::kLength : RequestHead::Body::kNone;
  return Result::kComplete;
}

ChunkedScanner::Result ChunkedScanner::feed(std::string_view body) {
  while (pos_ < body.size()) {
    switch (state_) {
      case State::kSize:
      case State::kTrailer: {
        const std::size_t nl = body.find('\n', pos_);
        const std::size_t limit = state_ == State::kSize ? kMaxChunkLine : max_trailer_bytes_ - trailer_bytes_;
        if (nl == std::string_view::npos) {
          if (body.size() - line_start_ > limit) return Result::kError;
          pos_ = body.size();
          return Result::kIncomplete;
        }
        const std::string_view line = body.substr(line_start_, nl + 1 - line_start_);
        if (line.size() > limit || line.size() < 2 || line[line.size() - 2] != '\r') return Result::kError;
        pos_ = line_start_ = nl + 1;
        if (state_ == State::kTrailer) {
          if (line.size() == 2) {
            end_ = pos_;
            return Result::kComplete;
          }
          trailer_bytes_ += line.size();
          break;
        }
        std::size_t digits = 0;
        std::uint64_t size = 0;
        for (; digits < line.size() - 2 && hex_value(line[digits]) >= 0; ++digits) {
          if (digits == 15) return Result::kError;  // no chunk is that large
          size = size * 16 + static_cast<std::uint64_t>(hex_value(line[digits]));
        }
        const char after = line[digits];
        if (digits == 0 || (after != '\r' && after != ';' && after != ' ' && after != '\t')) return Result::kError;
        remaining_ = size;
        state_ = size == 0 ? State::kTrailer : State::kData;
        break;
      }
      case State::kData: {
        const std::uint64_t take = std::min<std::uint64_t>(remaining_, body.size() - pos_);
        pos_ += static_cast<std::size_t>(take);
        remaining_ -= take;
        if (remaining_ > 0) return Result::kIncomplete;
        state_ = State::kDataEnd;
        break;
      }
      case State::kDataEnd:
        if (body.size() - pos_ < 2) return Result::kIncomplete;
        if (body[pos_] != '\r' || body[pos_ + 1] != '\n') return Result::kError;
        pos_ += 2;
        line_start_ = pos_;
        state_ = State::kSize;
        break;
    }
  }
  return Result::kIncomplete;
}

}  // namespace livy::http
