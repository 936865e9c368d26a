#include "spark/app_watch.h"

#include <httplib.h>

#include "wire/spark_ui_json.h"

namespace livy {
namespace {

// Spark's ids are at most ~40 characters; a longer run of digits is not one,
// and is never copied out of a line a batch printed.
constexpr std::size_t kMaxAppIdLength = 64;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_word(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

// These scanners replace a std::regex: libstdc++'s matcher recurses once per
// character and overflowed the stack on a line of 30,000 digits that a batch
// (or spark-submit echoing a user's conf key) printed. Each one looks at a
// bounded number of characters from `at`, so a line costs O(length).

// Characters of `s` from `at` that satisfy `pred`, counting no further than
// one past kMaxAppIdLength (enough to tell "too long").
template <typename Pred>
std::size_t run_of(std::string_view s, std::size_t at, Pred pred) {
  std::size_t n = 0;
  while (at + n < s.size() && n <= kMaxAppIdLength && pred(s[at + n])) ++n;
  return n;
}

bool ends_word(std::string_view s, std::size_t at) { return at >= s.size() || !is_word(s[at]); }

// Length of the id that starts at `at` (after a word boundary), 0 if none does.
// The forms: local-<10+ digits>, application_<10+ digits>_<4+ digits> (YARN),
// app-<14 digits>-<4+ digits> (standalone), spark-<32 hex digits> (Kubernetes), and
// driver-<14 digits>-<4+ digits>: a standalone master's id of a driver in cluster deploy
// mode, which spark-submit prints ("Driver successfully submitted as driver-...") and by
// which the master's REST server reports and kills it.
std::size_t id_at(std::string_view s, std::size_t at) {
  const std::string_view rest = s.substr(at);
  std::size_t end = 0;
  if (rest.starts_with("local-")) {
    const std::size_t d = run_of(s, at + 6, is_digit);
    if (d >= 10) end = at + 6 + d;
  } else if (rest.starts_with("application_")) {
    const std::size_t d = run_of(s, at + 12, is_digit);
    const std::size_t sep = at + 12 + d;
    if (d >= 10 && sep < s.size() && s[sep] == '_') {
      const std::size_t d2 = run_of(s, sep + 1, is_digit);
      if (d2 >= 4) end = sep + 1 + d2;
    }
  } else if (rest.starts_with("app-") || rest.starts_with("driver-")) {
    const std::size_t prefix = rest.starts_with("app-") ? 4 : 7;
    const std::size_t d = run_of(s, at + prefix, is_digit);
    const std::size_t sep = at + prefix + d;
    if (d == 14 && sep < s.size() && s[sep] == '-') {
      const std::size_t d2 = run_of(s, sep + 1, is_digit);
      if (d2 >= 4) end = sep + 1 + d2;
    }
  } else if (rest.starts_with("spark-")) {
    if (run_of(s, at + 6, is_hex) == 32) end = at + 6 + 32;
  }
  if (end == 0 || end - at > kMaxAppIdLength || !ends_word(s, end)) return 0;
  return end - at;
}

}  // namespace

std::optional<std::string> find_app_id(std::string_view line) {
  for (std::size_t at = 0; at < line.size(); ++at) {
    if (at > 0 && is_word(line[at - 1])) continue;  // an id starts at a word boundary
    if (const std::size_t n = id_at(line, at); n > 0) return std::string(line.substr(at, n));
  }
  return std::nullopt;
}

std::optional<int> find_ui_port(std::string_view line) {
  static constexpr std::string_view kAnnounce = "Successfully started service 'SparkUI' on port ";
  const std::size_t at = line.find(kAnnounce);
  if (at == std::string_view::npos) return std::nullopt;
  int port = 0;
  std::size_t i = at + kAnnounce.size();
  for (std::size_t n = 0; n < 5 && i < line.size() && is_digit(line[i]); ++n, ++i) port = port * 10 + (line[i] - '0');
  if (i == at + kAnnounce.size() || port == 0 || port > 65535) return std::nullopt;
  return port;
}
std::optional<std::string> query_app_id(int ui_port) {
  httplib::Client client("127.0.0.1", ui_port);
  client.set_connection_timeout(0, 300'000);
  client.set_read_timeout(1, 0);
  const auto res = client.Get("/api/v1/applications");
  if (!res || res->status != 200) return std::nullopt;
  return wire::decode_first_app_id(res->body);
}

}  // namespace livy
