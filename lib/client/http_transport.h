// HttpTransport: the HTTP side of livy::Client (one kept-alive connection to
// one server, error replies turned into Status).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "livy/client.h"
#include "livy/status.h"

namespace httplib {
class Client;
}

namespace livy::client {

// One file part of a multipart POST.
struct FilePart {
  std::string field, file_name;
  const std::string* content = nullptr;
};

// The parts of a base URL: "https://host:8998/prefix" -> origin
// "https://host:8998", prefix "/prefix".
struct BaseUrl {
  std::string origin;
  std::string prefix;  // no trailing slash; "" for none
};
Result<BaseUrl> parse_base_url(const std::string& url);

// `text` as one segment of a URL path: every byte but A-Z a-z 0-9 - . _ ~ percent-encoded.
std::string escape_path_segment(std::string_view text);

// The Status for a reply with HTTP status `http_status` (not 2xx) and body
// `body`: Livy's {"msg": "..."} text, a bare JSON string, or the raw body.
Status status_from_reply(int http_status, const std::string& body);

// Sends requests to one server and returns the bodies of 2xx replies.
// Thread-safe: requests take turns on the one connection.
class HttpTransport {
 public:
  HttpTransport(const std::string& base_url, const ClientOptions& options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // `path` starts with '/' and may carry a query; `extra_wait` is added to
  // the read timeout (for long-polls).
  Result<std::string> get(const std::string& path,
                          std::chrono::milliseconds extra_wait = std::chrono::milliseconds(0));
  Result<std::string> post(const std::string& path, const std::string& json_body);
  // A POST with an Idempotency-Key header; the reply's status (2xx) and body.
  struct Reply {
    int status = 0;
    std::string body;
  };
  Result<Reply> post_keyed(const std::string& path, const std::string& json_body, const std::string& key);
  Result<std::string> del(const std::string& path);
  // A multipart/form-data POST of one file part.
  Result<std::string> post_file(const std::string& path, const std::string& field, const std::string& file_name,
                                const std::string& content);

 private:
  enum class Method { kGet, kPost, kDelete, kPostFile };
  Result<std::string> send(Method method, const std::string& path, const std::string* body,
                           std::chrono::milliseconds extra_wait, const FilePart* file = nullptr);
  Result<Reply> exchange(Method method, const std::string& path, const std::string* body,
                         std::chrono::milliseconds extra_wait, const FilePart* file,
                         const std::string* idempotency_key);

  Status url_status_;  // not ok when the base URL was malformed
  BaseUrl base_;
  std::chrono::milliseconds request_timeout_;
  std::mutex mu_;                        // protects http_: its timeouts change per request
  std::unique_ptr<httplib::Client> http_;  // null when the base URL was malformed
};

}  // namespace livy::client
