#include "base/utf8.h"

namespace livy {
namespace {

// Length of the well-formed sequence at `at`, or 0 when the bytes there are
// not one. When 0, `*bad` is how many bytes form the maximal ill-formed
// subpart to replace (at least 1).
std::size_t sequence_at(std::string_view s, std::size_t at, std::size_t* bad) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(at);
  *bad = 1;
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte (Unicode Table 3-7)
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    if (at + k >= s.size()) return 0;
    const unsigned char b = byte(at + k);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
    *bad = k + 1;
  }
  return len;
}

}  // namespace

std::size_t invalid_utf8_at(std::string_view text) {
  std::size_t bad = 0;
  for (std::size_t at = 0; at < text.size();) {
    // ASCII runs are the common case: skip them a byte at a time without the table.
    if (static_cast<unsigned char>(text[at]) < 0x80) {
      ++at;
      continue;
    }
    const std::size_t n = sequence_at(text, at, &bad);
    if (n == 0) return at;
    at += n;
  }
  return std::string_view::npos;
}

std::string repair_utf8(std::string_view text) {
  std::size_t at = invalid_utf8_at(text);
  if (at == std::string_view::npos) return std::string(text);
  std::string out(text.substr(0, at));
  out.reserve(text.size() + 16);
  std::size_t bad = 0;
  while (at < text.size()) {
    const std::size_t n = sequence_at(text, at, &bad);
    if (n > 0) {
      out.append(text.substr(at, n));
      at += n;
    } else {
      out.append("\xEF\xBF\xBD");
      at += bad;
    }
  }
  return out;
}

}  // namespace livy
