#include "auth/jwt_authenticator.h"

#include "auth/auth_header.h"

#include <fstream>

namespace livy::auth {

JwtAuthenticator::JwtAuthenticator(JwtOptions options, std::unique_ptr<KeySource> keys, std::shared_ptr<Clock> clock)
    : options_(std::move(options)), keys_(std::move(keys)), clock_(std::move(clock)) {}

AuthOutcome JwtAuthenticator::authenticate(const AuthRequest& request) {
  const auto required = [] {
    return AuthOutcome::reject(Status::unauthenticated("authentication required: send a bearer token"), kChallenge);
  };
  if (request.authorization.empty()) return required();
  const auto header = parse_authorization(request.authorization);
  if (!header) return AuthOutcome::reject(header.status(), kInvalidRequest);
  if (header->scheme != "bearer") return required();
  if (header->token.empty()) {
    return AuthOutcome::reject(Status::unauthenticated("invalid bearer token: empty"), kInvalidToken);
  }
  const auto token_header = read_jwt_header(header->token, options_);
  if (!token_header) return AuthOutcome::reject(token_header.status(), kInvalidToken);
  auto keys = keys_->keys(false);
  if (!keys) return AuthOutcome::reject(keys.status());
  const JsonWebKey* key = find_jwt_key(**keys, *token_header);
  if (key == nullptr) {
    // A key the issuer added since the last fetch: fetch again (the source rate-limits it).
    keys = keys_->keys(true);
    if (!keys) return AuthOutcome::reject(keys.status());
    key = find_jwt_key(**keys, *token_header);
  }
  if (key == nullptr) {
    return AuthOutcome::reject(Status::unauthenticated("invalid bearer token: no key of the issuer has its kid"),
                               kInvalidToken);
  }
  auto user = verify_jwt(header->token, *key, options_, clock_->now());
  if (!user) return AuthOutcome::reject(user.status(), kInvalidToken);
  return AuthOutcome::accept(std::move(*user));
}

Result<std::unique_ptr<Authenticator>> make_jwt_authenticator(const Config& config, std::shared_ptr<Clock> clock) {
  const bool from_file = !config.auth_jwt_jwks_file.empty();
  const bool from_issuer = !config.auth_jwt_issuer_url.empty();
  if (from_file == from_issuer) {
    return Status::invalid_argument(
        "auth.type jwt needs exactly one of auth.jwt.jwks-file (livy.server.auth.jwt.jwks-file) and "
        "auth.jwt.issuer-url (livy.server.auth.jwt.issuer-url)");
  }
  JwtOptions options;
  options.issuer = config.auth_jwt_issuer.empty() ? config.auth_jwt_issuer_url : config.auth_jwt_issuer;
  if (options.issuer.empty()) {
    return Status::invalid_argument(
        "auth.type jwt with auth.jwt.jwks-file needs auth.jwt.issuer "
        "(livy.server.auth.jwt.issuer): the iss its tokens carry");
  }
  for (const auto& aud : config.auth_jwt_audiences) {
    if (!aud.empty()) options.audiences.push_back(aud);
  }
  if (options.audiences.empty()) {
    return Status::invalid_argument(
        "auth.type jwt needs auth.jwt.audience (livy.server.auth.jwt.audience): "
        "the aud of tokens meant for livyd");
  }
  options.algorithms.clear();
  for (const auto& name : config.auth_jwt_algorithms) {
    const auto alg = jwt_algorithm_from_name(name);
    if (!alg) return Status::invalid_argument("auth.jwt.algorithms: " + name + " is not RS256 or ES256");
    options.algorithms.push_back(*alg);
  }
  if (options.algorithms.empty()) return Status::invalid_argument("auth.jwt.algorithms is empty");
  if (config.auth_jwt_user_claim.empty()) return Status::invalid_argument("auth.jwt.user-claim is empty");
  options.user_claim = config.auth_jwt_user_claim;
  options.clock_skew = config.auth_jwt_clock_skew;
  options.max_token_bytes = config.auth_jwt_max_token_bytes;
  std::unique_ptr<KeySource> keys;
  if (from_file) {
    auto made = jwks_file_source(config.auth_jwt_jwks_file, config.auth_jwt_max_document_bytes);
    if (!made) return made.status();
    keys = std::move(*made);
  } else {
    const std::string& url = config.auth_jwt_issuer_url;
    if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
      return Status::invalid_argument("auth.jwt.issuer-url must start with https:// or http://");
    }
    IssuerOptions issuer;
    issuer.issuer_url = url;
    issuer.refresh_interval = config.auth_jwt_jwks_refresh_interval;
    issuer.min_refresh_interval = config.auth_jwt_jwks_min_refresh_interval;
    issuer.fetch_timeout = config.auth_jwt_fetch_timeout;
    issuer.max_document_bytes = config.auth_jwt_max_document_bytes;
    if (!config.auth_jwt_ca_file.empty() && !std::ifstream(config.auth_jwt_ca_file).good()) {
      return Status::invalid_argument("auth.jwt.ca-file " + config.auth_jwt_ca_file + " cannot be read");
    }
    issuer.ca_file = config.auth_jwt_ca_file;
    keys = std::make_unique<IssuerKeySource>(std::move(issuer), clock);
  }
  return std::unique_ptr<Authenticator>(
      std::make_unique<JwtAuthenticator>(std::move(options), std::move(keys), std::move(clock)));
}

}  // namespace livy::auth
