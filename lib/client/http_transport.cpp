#include "client/http_transport.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "wire/reply_json.h"

namespace livy::client {
namespace {

constexpr std::size_t kMaxRawMessage = 512;  // of a non-JSON error body quoted in a Status

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// The text a server put in an error reply.
std::string error_text(const std::string& body) {
  if (auto msg = wire::decode_message(body)) return std::move(*msg);
  std::string raw = trimmed(body);
  if (raw.size() > kMaxRawMessage) raw = raw.substr(0, kMaxRawMessage) + "...";
  return raw;
}

bool is_port(const std::string& text) {
  if (text.empty() || text.size() > 5) return false;
  if (!std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) return false;
  const int port = std::stoi(text);
  return port >= 1 && port <= 65535;
}

std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "cannot connect";
    case httplib::Error::ConnectionTimeout: return "timed out connecting";
    case httplib::Error::Read: return "no complete answer (timed out or connection closed)";
    case httplib::Error::Write: return "cannot send the request";
    case httplib::Error::SSLServerVerification: return "the server's TLS certificate is not trusted (see ca_cert_file)";
    default: return httplib::to_string(error);
  }
}

}  // namespace

Result<BaseUrl> parse_base_url(const std::string& url) {
  const auto bad = [&url](const char* why) {
    return Status::invalid_argument("bad base URL '" + url + "': " + why);
  };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return bad("expected http://host[:port][/prefix]");
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return bad("the scheme must be http or https");
  const auto authority_begin = scheme_end + 3;
  const auto path_begin = std::min(url.find_first_of("/?#", authority_begin), url.size());
  const std::string authority = url.substr(authority_begin, path_begin - authority_begin);
  if (authority.empty()) return bad("no host");
  if (authority.find('@') != std::string::npos) return bad("put credentials in ClientOptions::basic_auth");
  std::string host = authority;
  std::string port;
  if (authority.front() == '[') {  // [IPv6 literal]
    const auto close = authority.find(']');
    if (close == std::string::npos) return bad("unterminated [IPv6 address]");
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("junk after the [IPv6 address]");
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") return bad("no host");
  if ((!port.empty() || authority.back() == ':') && !is_port(port)) {
    return bad("the port must be a number from 1 to 65535");
  }
  std::string prefix = url.substr(path_begin);
  if (prefix.find_first_of("?#") != std::string::npos) return bad("no query or fragment allowed");
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  BaseUrl base;
  base.origin = scheme + "://" + host + (port.empty() ? "" : ":" + port);
  base.prefix = std::move(prefix);
  return base;
}

std::string escape_path_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

Status status_from_reply(int http_status, const std::string& body) {
  std::string msg = error_text(body);
  if (msg.empty()) msg = "HTTP " + std::to_string(http_status);
  switch (http_status) {
    case 400: return Status::invalid_argument(std::move(msg));
    case 401:  // not authenticated; the caller must bring other credentials
    case 403: return Status::forbidden(std::move(msg));
    case 404: return Status::not_found(std::move(msg));
    case 409: return Status::conflict(std::move(msg));
    case 413: return Status::too_large(std::move(msg));
    case 429: return Status::resource_exhausted(std::move(msg));
    case 408:
    case 502:
    case 503:
    case 504: return Status::unavailable(std::move(msg));
    default: break;
  }
  if (http_status >= 400 && http_status < 500) return Status::invalid_argument(std::move(msg));
  if (http_status >= 500) return Status::internal(std::move(msg));
  return Status::internal("unexpected HTTP " + std::to_string(http_status) + ": " + msg);
}

HttpTransport::HttpTransport(const std::string& base_url, const ClientOptions& options)
    : request_timeout_(options.request_timeout) {
  auto base = parse_base_url(base_url);
  if (!base) {
    url_status_ = base.status();
    return;
  }
  base_ = std::move(*base);
  http_ = std::make_unique<httplib::Client>(base_.origin);
  http_->set_keep_alive(true);
  http_->set_url_encode(false);  // paths are escaped where they are made (escape_path_segment)
  // A request goes out in several writes (headers, then body): without this,
  // Nagle's algorithm meets the server's delayed ACK and each POST waits ~40 ms.
  http_->set_tcp_nodelay(true);
  http_->set_connection_timeout(options.connect_timeout);
  http_->set_read_timeout(options.request_timeout);
  http_->set_write_timeout(options.request_timeout);
  httplib::Headers headers;
  for (const auto& [name, value] : options.headers) headers.emplace(name, value);
  headers.emplace("Accept", "application/json");
  http_->set_default_headers(std::move(headers));
  if (options.basic_auth) http_->set_basic_auth(options.basic_auth->user, options.basic_auth->password);
  if (!options.ca_cert_file.empty()) http_->set_ca_cert_path(options.ca_cert_file);
}

HttpTransport::~HttpTransport() = default;

Result<std::string> HttpTransport::get(const std::string& path, std::chrono::milliseconds extra_wait) {
  return send(Method::kGet, path, nullptr, extra_wait);
}

Result<std::string> HttpTransport::post(const std::string& path, const std::string& json_body) {
  return send(Method::kPost, path, &json_body, std::chrono::milliseconds(0));
}

Result<std::string> HttpTransport::del(const std::string& path) {
  return send(Method::kDelete, path, nullptr, std::chrono::milliseconds(0));
}

Result<std::string> HttpTransport::post_file(const std::string& path, const std::string& field,
                                             const std::string& file_name, const std::string& content) {
  const FilePart file{field, file_name, &content};
  return send(Method::kPostFile, path, nullptr, std::chrono::milliseconds(0), &file);
}

Result<HttpTransport::Reply> HttpTransport::post_keyed(const std::string& path, const std::string& json_body,
                                                      const std::string& key) {
  return exchange(Method::kPost, path, &json_body, std::chrono::milliseconds(0), nullptr, &key);
}

Result<std::string> HttpTransport::send(Method method, const std::string& path, const std::string* body,
                                        std::chrono::milliseconds extra_wait, const FilePart* file) {
  auto reply = exchange(method, path, body, extra_wait, file, nullptr);
  if (!reply) return reply.status();
  return std::move(reply->body);
}

Result<HttpTransport::Reply> HttpTransport::exchange(Method method, const std::string& path, const std::string* body,
                                                     std::chrono::milliseconds extra_wait, const FilePart* file,
                                                     const std::string* idempotency_key) {
  if (!url_status_) return url_status_;
  httplib::Headers headers;
  if (idempotency_key) headers.emplace("Idempotency-Key", *idempotency_key);
  const std::string target = base_.prefix + path;
  httplib::Result reply = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    http_->set_read_timeout(request_timeout_ + extra_wait);
    if (method == Method::kGet) return http_->Get(target, headers);
    if (method == Method::kPost) return http_->Post(target, headers, *body, "application/json");
    if (method == Method::kPostFile) {
      const httplib::MultipartFormDataItems items{
          {file->field, *file->content, file->file_name, "application/octet-stream"}};
      return http_->Post(target, headers, items);
    }
    return http_->Delete(target, headers);
  }();
  if (!reply) {
    const char* verb = method == Method::kGet ? "GET " : method == Method::kDelete ? "DELETE " : "POST ";
    return Status::unavailable(verb + base_.origin + target + ": " + describe(reply.error()));
  }
  if (reply->status < 200 || reply->status > 299) return status_from_reply(reply->status, reply->body);
  return Reply{reply->status, std::move(reply->body)};
}

}  // namespace livy::client
