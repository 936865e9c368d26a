// What every route file shares: path patterns, replies, query parameters, bodies.
#pragma once

#include <httplib.h>

#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "base/text_values.h"
#include "base/utf8.h"
#include "http/list_query.h"
#include "wire/reply_json.h"

#include "livy/client.h"
#include "livy/http.h"
#include "livy/runtime.h"
#include "livy/version.h"

namespace livy::http {

// As Livy sends it (Jetty adds the charset to Scalatra's application/json).
inline constexpr const char* kJson = "application/json;charset=utf-8";

// What GET /version reports: the Livy API level livyd speaks, and this build of
// livyd (LIVYD_REVISION, LIVYD_BRANCH and LIVYD_BUILD_DATE come from lib/CMakeLists.txt).
inline ServerVersion server_version(const std::string& user) {
  return ServerVersion{kLivyApiVersion, user, LIVYD_REVISION, LIVYD_BRANCH, LIVYD_BUILD_DATE, "livyd", kVersion};
}
// An upload's body is the file plus boundaries and part headers; other parts a
// client sends along are read and dropped, up to this much more in all.
inline constexpr std::size_t kMultipartOverhead = 1 << 20;

// "/batches/{id}/log" -> a regex that also takes "//batches/3/log/" (clients
// add and double slashes). Each {x} captures one path segment; any other
// character stands for itself (the '.' of "/openapi.yaml" is escaped).
inline std::string route(const std::string& pattern) {
  std::string out = "/+";
  for (std::size_t i = 1; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      out += "([^/]+)";
      i = pattern.find('}', i);
    } else if (pattern[i] == '/') {
      out += "/+";
    } else {
      if (std::string_view(".^$|()[]*+?\\").find(pattern[i]) != std::string_view::npos) out += '\\';
      out += pattern[i];
    }
  }
  return out + "/*";
}

// A path segment for a Location header: everything but RFC 3986's unreserved
// characters is percent-encoded, so a name such as "q?x#y" stays one segment.
inline std::string path_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

// The path of a session for a Location header: by its numeric id, as Livy's are, also
// when the request named it (`ref` is the path's segment as given).
inline std::string session_path(const SessionManager& sessions, const std::string& ref) {
  std::string out = "/sessions/";
  if (const auto session = sessions.get(ref)) return out + std::to_string(session->id);
  return out + path_segment(ref);  // gone since: the name is still a valid path
}

// Every JSON answer passes here: text from logs and drivers that is not UTF-8
// is repaired (U+FFFD), so strict clients can always parse a reply.
inline void reply(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(is_valid_utf8(body) ? std::move(body) : repair_utf8(body), kJson);
}

inline void fail(httplib::Response& res, const Status& st) { reply(res, http_status(st.code()), wire::encode_message(st.message())); }

// Reads the request body, stopping at `limit` bytes. cpp-httplib checks its own
// limit only against Content-Length, so a chunked body is counted here.
inline Result<std::string> read_body(const httplib::Request& req, const httplib::ContentReader& reader,
                              std::size_t limit) {
  const auto too_large_status = [limit] {
    return Status::too_large("request body is larger than " + std::to_string(limit) + " bytes");
  };
  if (req.has_header("Content-Length")) {
    const auto length = parse_int(req.get_header_value("Content-Length"));
    if (!length || *length < 0) return Status::invalid_argument("invalid Content-Length");
    if (static_cast<std::uint64_t>(*length) > limit) return too_large_status();
  }
  std::string body;
  bool too_large = false;
  const bool complete = reader([&](const char* data, std::size_t n) {
    if (body.size() + n > limit) {
      too_large = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_large) return too_large_status();
  if (!complete) return Status::invalid_argument("the request body could not be read");
  if (const std::size_t at = invalid_utf8_at(body); at != std::string::npos) {
    return Status::invalid_argument("request body is not valid UTF-8 (byte " + std::to_string(at) + ")");
  }
  return body;
}

// A route that reads no body: one sent anyway must still be UTF-8, as every body must.
template <typename Handler>
httplib::Server::Handler bodiless(Handler handler) {
  return [handler](const httplib::Request& req, httplib::Response& res) {
    if (!is_valid_utf8(req.body)) return fail(res, Status::invalid_argument("request body is not valid UTF-8"));
    handler(req, res);
  };
}

// Query parameter as an integer: nullopt when absent, an error when not a number.
inline Result<std::optional<std::int64_t>> int_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<std::int64_t>();
  const auto v = parse_int(req.get_param_value(name));
  if (!v) return Status::invalid_argument(std::string("query parameter '") + name + "' must be an integer");
  return std::optional<std::int64_t>(*v);
}

// ?detailed=true: livyd's monitoring member (wire/detail_json.h) on a GET's objects. "true" or
// "false" in any case; absent is false; anything else a 400.
inline Result<bool> detailed_param(const httplib::Request& req) {
  if (!req.has_param("detailed")) return false;
  const std::string value = req.get_param_value("detailed");
  if (equals_ignoring_case(value, "true")) return true;
  if (equals_ignoring_case(value, "false")) return false;
  return Status::invalid_argument("query parameter 'detailed' must be true or false");
}

// The Idempotency-Key header of a create (docs/rest-api.md, "Idempotent create"): nullopt when
// absent, 400 when sent more than once. The managers' create_once checks its value.
inline Result<std::optional<std::string>> idempotency_key(const httplib::Request& req) {
  const std::size_t count = req.get_header_value_count("Idempotency-Key");
  if (count == 0) return std::optional<std::string>();
  if (count > 1) return Status::invalid_argument("Idempotency-Key must be sent once");
  return std::optional<std::string>(req.get_header_value("Idempotency-Key"));
}

// A plain create's result in the form of an idempotent one's (never replayed).
template <typename T>
Result<Once<T>> as_once(Result<T> made) {
  if (!made) return made.status();
  return Once<T>{std::move(*made), false};
}

// The authenticated user of the request this thread is handling (auth.type); nullopt
// without authentication. Set by mount_routes' pre-routing hook.
std::optional<std::string> caller();

// Access control (auth/access.h), as mount_routes' pre-routing hook set it up for this request:
// the hook has already refused what the route table says the caller may not do; these cover
// what the routes decide themselves.

// The proxy user of a new session or batch: `doAs`, else the request's proxyUser (and with
// impersonation on, else the caller); 403 when the caller may not name that user.
Result<std::optional<std::string>> creation_proxy_user(const httplib::Request& req,
                                                       const std::optional<std::string>& requested);
// caller_may_view, caller_views_all and the lists' paging: list_query.h.

void mount_batches(httplib::Server& server, Runtime& runtime);
void mount_sessions(httplib::Server& server, Runtime& runtime);
void mount_statements(httplib::Server& server, Runtime& runtime);
void mount_jobs(httplib::Server& server, Runtime& runtime);
void mount_results(httplib::Server& server, Runtime& runtime);  // result_routes.cpp: whole results

}  // namespace livy::http
