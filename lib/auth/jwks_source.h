// Where auth.type jwt gets its keys: a JWKS file read once at start-up, or an
// OpenID Connect issuer whose JWKS is fetched, cached and refreshed. Request
// threads share one immutable key list through a shared_ptr; a fetch runs in
// one request's thread with no lock held, while the others go on with the
// keys already known (or wait, without a lock, for the first ones).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/jwk.h"
#include "base/thread_annotations.h"
#include "livy/clock.h"
#include "livy/status.h"

namespace livy::auth {

using JwkList = std::vector<JsonWebKey>;

class KeySource {
 public:
  virtual ~KeySource() = default;
  // The keys to check a token with. `unknown_kid`: the token's key is not among
  // the keys last returned; a source that can, fetches anew (rate-limited).
  // kUnavailable when no keys can be had (the issuer cannot be reached).
  virtual Result<std::shared_ptr<const JwkList>> keys(bool unknown_kid) = 0;
};

// auth.jwt.jwks-file: read and checked once; an error names the file's fault.
Result<std::unique_ptr<KeySource>> jwks_file_source(const std::string& path, std::size_t max_bytes);

// The body of GET `url` (http:// or https://, the server's certificate checked
// against the system's CAs), all of it within `timeout`, at most `max_bytes`;
// no redirects. kUnavailable otherwise, with a message that names the URL.
Result<std::string> http_fetch(const std::string& url, std::chrono::milliseconds timeout, std::size_t max_bytes,
                               const std::string& ca_file = {});

struct IssuerOptions {
  std::string issuer_url;  // discovery at <issuer_url>/.well-known/openid-configuration
  std::chrono::milliseconds refresh_interval{std::chrono::minutes(10)};
  std::chrono::milliseconds min_refresh_interval{std::chrono::seconds(30)};
  std::chrono::milliseconds fetch_timeout{std::chrono::seconds(5)};
  std::size_t max_document_bytes = 1024 * 1024;
  std::string ca_file;  // PEM CAs of an https issuer; empty: the system's
};

// auth.jwt.issuer-url. `fetch` defaults to http_fetch; `clock` gives steady time.
class IssuerKeySource final : public KeySource {
 public:
  using Fetch = std::function<Result<std::string>(const std::string& url)>;
  IssuerKeySource(IssuerOptions options, std::shared_ptr<Clock> clock, Fetch fetch = {});

  Result<std::shared_ptr<const JwkList>> keys(bool unknown_kid) override;

 private:
  Result<std::shared_ptr<const JwkList>> fetch_keys() const;

  const IssuerOptions options_;
  const std::shared_ptr<Clock> clock_;
  const Fetch fetch_;
  // mu_ guards the cache below for a few instructions at a time; never held over a fetch.
  Mutex mu_;
  CondVar fetched_;  // announces the end of a fetch
  std::shared_ptr<const JwkList> keys_ GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point fetched_at_ GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point attempted_at_ GUARDED_BY(mu_);
  bool attempted_ GUARDED_BY(mu_) = false;
  bool fetching_ GUARDED_BY(mu_) = false;
  std::uint64_t generation_ GUARDED_BY(mu_) = 0;  // fetches finished
  Status last_error_ GUARDED_BY(mu_);
};

}  // namespace livy::auth
