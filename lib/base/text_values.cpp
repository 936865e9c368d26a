#include "base/text_values.h"

#include <cctype>
#include <charconv>
#include <limits>

namespace livy {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// Splits "123abc" into the number and the unit; nullopt if there are no leading
// digits or the number does not fit 64 bits.
std::optional<std::pair<std::uint64_t, std::string>> number_and_unit(std::string_view text) {
  const std::string t = trim(text);
  std::size_t i = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
  if (i == 0) return std::nullopt;
  std::uint64_t n = 0;
  if (std::from_chars(t.data(), t.data() + i, n).ec != std::errc()) return std::nullopt;
  return std::make_pair(n, lower(trim(std::string_view(t).substr(i))));
}

}  // namespace

std::string trim(std::string_view text) {
  std::size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return std::string(text.substr(b, e - b));
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  const std::string t = trim(text);
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || ptr != t.data() + t.size() || t.empty()) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string t = lower(trim(text));
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  const auto nu = number_and_unit(text);
  if (!nu) return std::nullopt;
  const auto [n, unit] = *nu;
  std::uint64_t ms_per_unit = 0;
  if (unit.empty() || unit == "s" || unit == "sec" || unit == "second" || unit == "seconds") ms_per_unit = 1000;
  else if (unit == "ms") ms_per_unit = 1;
  else if (unit == "m" || unit == "min" || unit == "minute" || unit == "minutes") ms_per_unit = 60'000;
  else if (unit == "h" || unit == "hour" || unit == "hours") ms_per_unit = 3'600'000;
  else if (unit == "d" || unit == "day" || unit == "days") ms_per_unit = 86'400'000;
  else return std::nullopt;
  if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / ms_per_unit) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(n * ms_per_unit));
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 3'600'000 == 0 && ms != 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0 && ms != 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  const auto nu = number_and_unit(text);
  if (!nu) return std::nullopt;
  auto [n, unit] = *nu;
  if (unit.size() > 1 && (unit.back() == 'b')) unit.pop_back();
  if (unit.size() == 2 && unit[1] == 'i') unit.pop_back();  // "kib" -> "k"
  int shift = 0;
  if (unit.empty() || unit == "b") shift = 0;
  else if (unit == "k") shift = 10;
  else if (unit == "m") shift = 20;
  else if (unit == "g") shift = 30;
  else if (unit == "t") shift = 40;
  else return std::nullopt;
  if (shift > 0 && n > (std::numeric_limits<std::uint64_t>::max() >> shift)) return std::nullopt;
  return n << shift;
}

bool is_spark_memory_string(std::string_view text) {
  if (text.empty() || text.size() > 20) return false;
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || i > 12) return false;
  bool nonzero = false;
  for (std::size_t j = 0; j < i; ++j) nonzero = nonzero || text[j] != '0';
  if (!nonzero) return false;
  const std::string unit = lower(text.substr(i));
  static const char* const kUnits[] = {"", "b", "k", "kb", "m", "mb", "g", "gb", "t", "tb", "p", "pb"};
  for (const char* u : kUnits) {
    if (unit == u) return true;
  }
  return false;
}

std::vector<std::string> split_list(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    std::string item = trim(text.substr(start, end - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = end + 1;
  }
  return out;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace livy
