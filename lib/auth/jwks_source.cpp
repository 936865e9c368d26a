#include "auth/jwks_source.h"

#include <rapidjson/document.h>

#include <fstream>
#include <sstream>

#include "base/http_exchange.h"

namespace livy::auth {
namespace {

class FileKeySource final : public KeySource {
 public:
  explicit FileKeySource(JwkList keys) : keys_(std::make_shared<const JwkList>(std::move(keys))) {}
  Result<std::shared_ptr<const JwkList>> keys(bool /*unknown_kid*/) override { return keys_; }

 private:
  const std::shared_ptr<const JwkList> keys_;
};

Status unreachable(const std::string& why) {
  return Status::unavailable("the token issuer's keys cannot be fetched (" + why + "); try again later");
}

bool is_http_url(const std::string& url) { return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0; }

}  // namespace

Result<std::unique_ptr<KeySource>> jwks_file_source(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::invalid_argument("auth.jwt.jwks-file " + path + " cannot be read");
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return Status::invalid_argument("auth.jwt.jwks-file " + path + " cannot be read");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes) {
    return Status::invalid_argument("auth.jwt.jwks-file " + path + " is larger than auth.jwt.max-document-bytes");
  }
  auto keys = parse_jwks(text);
  if (!keys) return Status::invalid_argument("auth.jwt.jwks-file " + path + ": " + keys.status().message());
  return std::unique_ptr<KeySource>(std::make_unique<FileKeySource>(std::move(*keys)));
}

Result<std::string> http_fetch(const std::string& url, std::chrono::milliseconds timeout, std::size_t max_bytes,
                               const std::string& ca_file) {
  if (!is_http_url(url)) return unreachable("not an http(s) URL");
  const std::size_t authority = url.find("://") + 3;
  const std::size_t slash = url.find('/', authority);
  const std::string origin = url.substr(0, slash);
  const std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  if (origin.size() == authority || origin.find_first_of("@?#") != std::string::npos) {
    return unreachable("a malformed URL");
  }
  HttpLimits limits;
  // auth.jwt.fetch-timeout bounds the whole fetch, connecting included.
  limits.connect_timeout = limits.request_timeout = limits.total = timeout;
  limits.max_bytes = max_bytes;
  limits.ca_file = ca_file;
  limits.connect_timeout_key = limits.request_timeout_key = "auth.jwt.fetch-timeout";
  limits.max_bytes_key = "auth.jwt.max-document-bytes";
  limits.ca_file_key = "auth.jwt.ca-file";
  HttpCall call;
  call.path = path;
  auto answer = http_exchange(origin, "the issuer at " + origin, call, limits);
  if (!answer) return unreachable(answer.status().message());
  if (answer->status != 200) return unreachable("the answer's status is " + std::to_string(answer->status));
  return std::move(answer->body);
}

IssuerKeySource::IssuerKeySource(IssuerOptions options, std::shared_ptr<Clock> clock, Fetch fetch)
    : options_(std::move(options)), clock_(std::move(clock)), fetch_(std::move(fetch)) {}

Result<std::shared_ptr<const JwkList>> IssuerKeySource::fetch_keys() const {
  const auto get = [this](const std::string& url) {
    return fetch_ ? fetch_(url) : http_fetch(url, options_.fetch_timeout, options_.max_document_bytes, options_.ca_file);
  };
  std::string base = options_.issuer_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const auto discovery = get(base + "/.well-known/openid-configuration");
  if (!discovery) return discovery.status();
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(discovery->data(), discovery->size());
  if (doc.HasParseError() || !doc.IsObject()) return unreachable("the discovery document is not a JSON object");
  const auto issuer = doc.FindMember("issuer");
  // OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer it was fetched for.
  if (issuer == doc.MemberEnd() || !issuer->value.IsString() ||
      std::string_view(issuer->value.GetString(), issuer->value.GetStringLength()) != options_.issuer_url) {
    return unreachable("the discovery document names another issuer");
  }
  const auto uri = doc.FindMember("jwks_uri");
  if (uri == doc.MemberEnd() || !uri->value.IsString() || !is_http_url(uri->value.GetString())) {
    return unreachable("the discovery document has no http(s) jwks_uri");
  }
  const auto jwks = get(std::string(uri->value.GetString(), uri->value.GetStringLength()));
  if (!jwks) return jwks.status();
  auto keys = parse_jwks(*jwks);
  if (!keys) return unreachable(keys.status().message());
  return std::make_shared<const JwkList>(std::move(*keys));
}

Result<std::shared_ptr<const JwkList>> IssuerKeySource::keys(bool unknown_kid) {
  MutexLock lock(mu_);
  const auto now = clock_->steady_now();
  const bool stale = !keys_ || now - fetched_at_ >= options_.refresh_interval;
  if (!stale && !unknown_kid) return keys_;
  if (fetching_) {
    // Old keys serve while one request refreshes them; a request that needs new
    // ones waits (holding no lock) for that fetch, and takes what it brought.
    if (keys_ && !unknown_kid) return keys_;
    const std::uint64_t generation = generation_;
    const auto give_up = std::chrono::steady_clock::now() + 2 * options_.fetch_timeout + std::chrono::seconds(1);
    while (fetching_ && generation_ == generation) {
      if (fetched_.wait_for(lock, give_up - std::chrono::steady_clock::now())) break;
    }
    if (generation_ == generation) return unreachable("a fetch in progress did not end in time");
    if (!last_error_) return last_error_;
    return keys_;
  }
  if (attempted_ && now - attempted_at_ < options_.min_refresh_interval) {
    if (keys_) return keys_;  // an unknown kid gets 401; the key set was fetched moments ago
    return last_error_;
  }
  fetching_ = true;
  attempted_ = true;
  attempted_at_ = now;
  lock.unlock();
  Result<std::shared_ptr<const JwkList>> fetched = unreachable("no answer");
  try {
    fetched = fetch_keys();
  } catch (const std::exception&) {
  }
  lock.lock();
  fetching_ = false;
  ++generation_;
  if (fetched) {
    keys_ = *fetched;
    fetched_at_ = clock_->steady_now();
    last_error_ = Status::ok();
  } else {
    last_error_ = fetched.status();
  }
  fetched_.notify_all();
  if (fetched || (keys_ && !unknown_kid)) return keys_;
  return last_error_;
}

}  // namespace livy::auth
