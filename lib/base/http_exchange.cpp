#include "base/http_exchange.h"

#include <httplib.h>

#include <exception>

namespace livy {
namespace {

std::pair<time_t, time_t> to_timeval(std::chrono::milliseconds d) {
  return {static_cast<time_t>(d.count() / 1000), static_cast<time_t>((d.count() % 1000) * 1000)};
}

// "yarn.request-timeout", or a plain word when no key names the bound.
std::string bound_name(const std::string& key, const std::string& value) { return key.empty() ? value : key; }

}  // namespace

Result<HttpAnswer> http_exchange(const std::string& origin, const std::string& where, const HttpCall& call,
                                 const HttpLimits& limits) {
  try {
    httplib::Client client(origin);
    if (!client.is_valid()) return Status::unavailable("cannot reach " + where + ": not an http(s) URL");
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    client.enable_server_certificate_verification(true);
    if (!limits.ca_file.empty()) client.set_ca_cert_path(limits.ca_file.c_str());
#endif
    const auto [cs, cus] = to_timeval(limits.connect_timeout);
    const auto [rs, rus] = to_timeval(limits.request_timeout);
    client.set_connection_timeout(cs, cus);
    client.set_read_timeout(rs, rus);
    client.set_write_timeout(rs, rus);
    client.set_keep_alive(false);
    client.set_follow_location(false);

    using Clock = std::chrono::steady_clock;
    const Clock::time_point deadline =
        Clock::now() + (limits.total.count() > 0 ? limits.total : limits.connect_timeout + limits.request_timeout);
    HttpAnswer answer;
    bool too_large = false;
    bool too_slow = false;
    httplib::Request req;
    req.method = call.method;
    req.path = call.path;
    req.headers = {{"Accept", "application/json"}};
    for (const auto& [name, value] : call.headers) req.headers.emplace(name, value);
    if (!call.body.empty()) {
      req.headers.emplace("Content-Type", "application/json");
      req.body = call.body;
    }
    req.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
      if (answer.body.size() + size > limits.max_bytes) {
        too_large = true;
        return false;
      }
      if (Clock::now() > deadline) {
        too_slow = true;
        return false;
      }
      answer.body.append(data, size);
      return true;
    };
    const httplib::Result res = client.send(req);
    if (too_large) {
      return Status::unavailable(where + " sent an answer larger than " +
                                 (limits.max_bytes_key.empty() ? std::to_string(limits.max_bytes) + " bytes"
                                                               : limits.max_bytes_key + " (" +
                                                                     std::to_string(limits.max_bytes) + ")"));
    }
    if (too_slow) {
      return Status::unavailable(where + " did not answer within " +
                                 bound_name(limits.request_timeout_key, "its time"));
    }
    if (!res) {
      const httplib::Error error = res.error();
      if (error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout) {
        return Status::unavailable("cannot connect to " + where + " (" + httplib::to_string(error) +
                                   (limits.connect_timeout_key.empty() ? "" : "; " + limits.connect_timeout_key) +
                                   ")");
      }
      if (error == httplib::Error::SSLServerVerification || error == httplib::Error::SSLConnection) {
        const std::string cas = limits.ca_file.empty() ? "the system's CAs" : limits.ca_file;
        return Status::unavailable("no trusted TLS connection to " + where + " (" + httplib::to_string(error) + "; " +
                                   (limits.ca_file_key.empty() ? cas : limits.ca_file_key + " " + cas) + ")");
      }
      return Status::unavailable(where + " did not answer " + call.method + " " + call.path + ": " +
                                 httplib::to_string(error));
    }
    answer.status = res->status;
    return answer;
  } catch (const std::exception& e) {
    return Status::unavailable(where + " could not be asked: " + e.what());
  }
}

}  // namespace livy
