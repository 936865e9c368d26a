#include "auth/auth_header.h"

#include "base/base64.h"
#include "base/text_values.h"
#include "base/utf8.h"

namespace livy::auth {
namespace {

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view strip_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<AuthorizationHeader> parse_authorization(std::string_view value) {
  value = strip_spaces(value);
  std::size_t end = 0;
  while (end < value.size() && is_token_char(value[end])) ++end;
  if (end == 0) return Status::invalid_argument("malformed Authorization header: no scheme");
  if (end < value.size() && value[end] != ' ' && value[end] != '\t') {
    return Status::invalid_argument("malformed Authorization header: invalid character in the scheme");
  }
  AuthorizationHeader out;
  out.scheme.reserve(end);
  for (std::size_t i = 0; i < end; ++i) out.scheme += ascii_lower(value[i]);
  const std::string_view token = strip_spaces(value.substr(end));
  for (const char c : token) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return Status::invalid_argument("malformed Authorization header: control character");
  }
  out.token = std::string(token);
  return out;
}

Result<BasicCredentials> parse_basic(std::string_view token) {
  const auto decoded = base64_decode(token);
  if (!decoded) return Status::invalid_argument("malformed Basic credentials: not base64");
  if (!is_valid_utf8(*decoded)) return Status::invalid_argument("malformed Basic credentials: not UTF-8");
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) return Status::invalid_argument("malformed Basic credentials: no ':'");
  BasicCredentials out{decoded->substr(0, colon), decoded->substr(colon + 1)};
  if (out.user.empty()) return Status::unauthenticated("an empty user name was given");
  if (out.password.empty()) return Status::unauthenticated("an empty password was given");
  for (const char c : out.user) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return Status::invalid_argument("malformed Basic credentials: control character in the user");
  }
  for (const char c : out.password) {
    if (c == '\0') return Status::invalid_argument("malformed Basic credentials: NUL in the password");
  }
  return out;
}

std::optional<std::string> find_cookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    const std::string_view pair = strip_spaces(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || strip_spaces(pair.substr(0, eq)) != name) continue;
    std::string_view value = strip_spaces(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return std::string(value);
  }
  return std::nullopt;
}

}  // namespace livy::auth
