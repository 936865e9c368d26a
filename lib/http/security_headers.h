// The security headers Livy sends on every response (its SecurityHeadersFilter, measured on
// Livy 0.9): X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, and a
// Content-Security-Policy (server.security-headers, server.content-security-policy).
#pragma once

#include <httplib.h>

#include <string>

#include "livy/config.h"

namespace livy::http {

struct SecurityHeaders {
  bool enabled = true;  // server.security-headers
  std::string content_security_policy = "default-src 'none'; frame-ancestors 'self'";  // "": not sent
};

SecurityHeaders security_headers(const Config& config);

// Adds the headers to `res`, keeping a Content-Security-Policy its route set (the UI's pages).
void add_security_headers(httplib::Response& res, const SecurityHeaders& headers);

// The same as whole header lines ("Name: value\r\n"), for answers the front end writes itself.
std::string security_header_lines(const SecurityHeaders& headers);

}  // namespace livy::http
