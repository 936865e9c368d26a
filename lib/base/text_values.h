// Parsing of the text forms settings and requests use: numbers, sizes, durations, lists.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livy {

std::optional<std::int64_t> parse_int(std::string_view text);
std::optional<bool> parse_bool(std::string_view text);

// "30s", "10m", "1h", "2d", "500ms"; a bare number is seconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::string format_duration(std::chrono::milliseconds d);

// "1048576", "512k", "10m", "1g", "1mb", "1GiB" (powers of 1024).
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

// Spark's memory strings: digits then an optional unit k, m, g, t, p (with an
// optional b), as spark-submit accepts them. The value must be > 0.
bool is_spark_memory_string(std::string_view text);

// "a, b,c" -> {"a","b","c"}; empty items dropped.
std::vector<std::string> split_list(std::string_view text, char sep = ',');

std::string trim(std::string_view text);

// ASCII case folding, whatever the locale: for names HTTP, Spark and URIs compare without case.
inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool equals_ignoring_case(std::string_view a, std::string_view b);

}  // namespace livy
