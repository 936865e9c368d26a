// Livy's security headers on livyd's responses.
#include "http/security_headers.h"

#include <utility>
#include <vector>

namespace livy::http {
namespace {

// Livy's defaults (LivyConf's livy.server.http.header.* entries).
std::vector<std::pair<const char*, std::string>> fixed_headers() {
  return {{"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "SAMEORIGIN"},
          {"X-XSS-Protection", "1; mode=block"}};
}

}  // namespace

SecurityHeaders security_headers(const Config& config) {
  return SecurityHeaders{config.security_headers, config.content_security_policy};
}

void add_security_headers(httplib::Response& res, const SecurityHeaders& headers) {
  if (!headers.enabled) return;
  for (const auto& [name, value] : fixed_headers()) {
    if (!res.has_header(name)) res.set_header(name, value);
  }
  if (!headers.content_security_policy.empty() && !res.has_header("Content-Security-Policy")) {
    res.set_header("Content-Security-Policy", headers.content_security_policy);
  }
}

std::string security_header_lines(const SecurityHeaders& headers) {
  if (!headers.enabled) return {};
  std::string out;
  for (const auto& [name, value] : fixed_headers()) out += std::string(name) + ": " + value + "\r\n";
  if (!headers.content_security_policy.empty()) {
    out += "Content-Security-Policy: " + headers.content_security_policy + "\r\n";
  }
  return out;
}

}  // namespace livy::http
