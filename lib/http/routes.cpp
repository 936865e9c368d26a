// Livy's REST routes on cpp-httplib: decode at the edge, call the runtime, encode.
#include <string>

#include "codec/request_json.h"
#include "core/text_values.h"
#include "http/wire.h"
#include "livy/http.h"

namespace livy::http {
namespace {

constexpr const char* kJson = "application/json";

// "/batches/{id}/log" -> a regex that also takes "//batches/3/log/" (clients
// add and double slashes). Each {x} captures one path segment.
std::string route(const std::string& pattern) {
  std::string out = "/+";
  for (std::size_t i = 1; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      out += "([^/]+)";
      i = pattern.find('}', i);
    } else if (pattern[i] == '/') {
      out += "/+";
    } else {
      out += pattern[i];
    }
  }
  return out + "/*";
}

void reply(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), kJson);
}

void fail(httplib::Response& res, const Status& st) { reply(res, http_status(st.code()), msg_json(st.message())); }

// Reads the request body, stopping at `limit` bytes. cpp-httplib checks its own
// limit only against Content-Length, so a chunked body is counted here.
Result<std::string> read_body(const httplib::Request& req, const httplib::ContentReader& reader,
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
  return body;
}

// Query parameter as an integer: nullopt when absent, an error when not a number.
Result<std::optional<std::int64_t>> int_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<std::int64_t>();
  const auto v = parse_int(req.get_param_value(name));
  if (!v) return Status::invalid_argument(std::string("query parameter '") + name + "' must be an integer");
  return std::optional<std::int64_t>(*v);
}

void mount_batches(httplib::Server& server, Runtime& runtime) {
  BatchManager& batches = runtime.batches();
  const std::size_t body_limit = runtime.config().request_max_bytes;

  server.Get(route("/batches"), [&batches](const httplib::Request& req, httplib::Response& res) {
    const auto from = int_param(req, "from");
    const auto size = int_param(req, "size");
    if (!from) return fail(res, from.status());
    if (!size) return fail(res, size.status());
    const auto page = batches.list(from->value_or(0), size->value_or(100));
    if (!page) return fail(res, page.status());
    reply(res, 200, batch_list_json(*page));
  });

  server.Post(route("/batches"), [&batches, body_limit](const httplib::Request& req, httplib::Response& res,
                                                       const httplib::ContentReader& reader) {
    const auto body = read_body(req, reader, body_limit);
    if (!body) return fail(res, body.status());
    const auto request = codec::decode_batch_request(*body);
    if (!request) return fail(res, request.status());
    const auto batch = batches.submit(*request);
    if (!batch) return fail(res, batch.status());
    res.set_header("Location", "/batches/" + std::to_string(batch->id));
    reply(res, 201, batch_json(*batch));
  });

  server.Get(route("/batches/{id}"), [&batches](const httplib::Request& req, httplib::Response& res) {
    const auto batch = batches.get(req.matches[1].str());
    if (!batch) return fail(res, batch.status());
    reply(res, 200, batch_json(*batch));
  });

  server.Get(route("/batches/{id}/state"), [&batches](const httplib::Request& req, httplib::Response& res) {
    const auto batch = batches.get(req.matches[1].str());
    if (!batch) return fail(res, batch.status());
    reply(res, 200, state_json(batch->id, to_string(batch->state)));
  });

  server.Get(route("/batches/{id}/log"), [&batches](const httplib::Request& req, httplib::Response& res) {
    const auto from = int_param(req, "from");
    const auto size = int_param(req, "size");
    if (!from) return fail(res, from.status());
    if (!size) return fail(res, size.status());
    const auto page = batches.log(req.matches[1].str(), *from, size->value_or(100));
    if (!page) return fail(res, page.status());
    reply(res, 200, log_json(*page));
  });

  server.Delete(route("/batches/{id}"), [&batches](const httplib::Request& req, httplib::Response& res) {
    const Status st = batches.kill(req.matches[1].str());
    if (!st) return fail(res, st);
    reply(res, 200, msg_json("deleted"));
  });
}

}  // namespace

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return 200;
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kResourceExhausted: return 400;  // Livy answers 400 for max-creation
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

void mount_routes(httplib::Server& server, Runtime& runtime, RouteOptions options) {
  // Bodies are bounded where they are read (read_body), chunked or not; the
  // library's own limit stays as a backstop for handlers that do not stream.
  server.set_payload_max_length(runtime.config().request_max_bytes);

  server.Get(route("/version"), [user = options.server_user](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, version_json(user));
  });
  mount_batches(server, runtime);

  // Every answer is JSON, also those cpp-httplib makes itself (404, 413, 400).
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string msg;
    switch (res.status) {
      case 404: msg = "no such resource: " + req.method + " " + req.path; break;
      case 413: msg = "request body is too large"; break;
      case 400: msg = "malformed request"; break;
      default: msg = "request failed";
    }
    res.set_content(msg_json(msg), kJson);
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    reply(res, 500, msg_json("internal error"));
  });
}

}  // namespace livy::http
