// UTF-8 checks for text that crosses livyd's edges: requests in, replies out.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace livy {

// Offset of the first byte that does not start a well-formed UTF-8 sequence
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or
// npos when all of `text` is well-formed.
std::size_t invalid_utf8_at(std::string_view text);

inline bool is_valid_utf8(std::string_view text) { return invalid_utf8_at(text) == std::string_view::npos; }

// `text` with each ill-formed sequence replaced by U+FFFD, as the Unicode
// standard's "maximal subpart" practice does. Valid text comes back unchanged.
std::string repair_utf8(std::string_view text);

}  // namespace livy
