// libFuzzer target: the HTTP front end's framing (lib/http/request_head.h), the
// first code that reads a network client's bytes, and the UTF-8 checks of the edge.
// The first byte of an input picks where it is split, as two network reads.
// Checked, beyond "no crash, no sanitizer report":
//  - the result does not depend on how the bytes arrive: all at once, or in two
//    reads, gives the same answer, the same head size and the same forwarded head;
//  - an error is a 4xx/5xx with a message; a complete head lies within the input,
//    ends where a blank line ends, and forwards neither Expect nor a line cpp-httplib
//    would refuse;
//  - a chunked body found complete is so however it is split;
//  - repair_utf8 always gives valid UTF-8, and leaves valid text as it was;
//  - a path's route template (lib/http/route_templates.h, the metrics' label) is one of
//    the templates or "other", and extra slashes around the path do not change it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/utf8.h"
#include "fuzz_check.h"
#include "http/request_head.h"
#include "http/route_templates.h"

namespace {

using livy::http::ChunkedScanner;
using livy::http::HeadLimits;
using livy::http::HeadScanner;

constexpr HeadLimits kLimits{4096, 512, 16};

void check_head(std::string_view bytes, std::size_t split) {
  HeadScanner whole(kLimits);
  const auto r1 = whole.feed(bytes);
  HeadScanner pieces(kLimits);
  auto r2 = pieces.feed(bytes.substr(0, split));
  if (r2 == HeadScanner::Result::kIncomplete) r2 = pieces.feed(bytes);
  FUZZ_CHECK(r1 == r2);
  if (r1 == HeadScanner::Result::kError) {
    FUZZ_CHECK(whole.error().status >= 400 && whole.error().status < 600);
    FUZZ_CHECK(!whole.error().message.empty());
    FUZZ_CHECK(whole.error().status == pieces.error().status);
  }
  if (r1 != HeadScanner::Result::kComplete) return;
  const auto& head = whole.head();
  FUZZ_CHECK(head.size <= bytes.size());
  FUZZ_CHECK(head.size == pieces.head().size);
  FUZZ_CHECK(head.forwarded == pieces.head().forwarded);
  FUZZ_CHECK(bytes.substr(0, head.size).ends_with("\r\n\r\n"));
  FUZZ_CHECK(head.forwarded.ends_with("\r\n\r\n"));
  std::string lower = head.forwarded;
  for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  FUZZ_CHECK(lower.find("\nexpect:") == std::string::npos);
  std::size_t line_start = 0;
  for (std::size_t nl = lower.find('\n'); nl != std::string::npos; nl = lower.find('\n', line_start)) {
    FUZZ_CHECK(nl + 1 - line_start <= 8192);  // cpp-httplib's compiled-in line limit
    line_start = nl + 1;
  }
  if (head.body == livy::http::RequestHead::Body::kChunked) {
    ChunkedScanner once(1024);
    const auto c1 = once.feed(bytes.substr(head.size));
    ChunkedScanner twice(1024);
    const std::size_t body_split = std::min(split, bytes.size() - head.size);
    auto c2 = twice.feed(bytes.substr(head.size, body_split));
    if (c2 == ChunkedScanner::Result::kIncomplete) c2 = twice.feed(bytes.substr(head.size));
    FUZZ_CHECK(c1 == c2);
    if (c1 == ChunkedScanner::Result::kComplete) {
      FUZZ_CHECK(once.size() == twice.size());
      FUZZ_CHECK(head.size + once.size() <= bytes.size());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  check_head(bytes, split);

  static const livy::http::RouteTemplates routes({"/version", "/sessions", "/sessions/{id}",
                                                  "/sessions/{id}/statements/{sid}", "/sessions/{id}/upload-{kind}",
                                                  "/sessions/{id}/upload-jar", "/batches/{id}/log"});
  const std::string_view route = routes.match(bytes);
  FUZZ_CHECK(route == livy::http::RouteTemplates::kOther || route.starts_with('/'));
  if (bytes.starts_with('/')) FUZZ_CHECK(routes.match("//" + std::string(bytes) + "//") == route);

  const std::string repaired = livy::repair_utf8(bytes);
  FUZZ_CHECK(livy::is_valid_utf8(repaired));
  if (livy::is_valid_utf8(bytes)) FUZZ_CHECK(repaired == bytes);
  return 0;
}
