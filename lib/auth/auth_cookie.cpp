#include "auth/auth_cookie.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <ctime>
#include <stdexcept>

#include "base/base64.h"
#include "base/text_values.h"

namespace livy::auth {
namespace {

bool is_cookie_safe(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '&' || c == '=' || c == '"' || c == ';' || c == ',' || c == '\\') return false;
  }
  return !text.empty();
}

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

CookieSigner::CookieSigner(std::string key, std::string type, std::chrono::milliseconds validity)
    : key_(std::move(key)), type_(std::move(type)), validity_(validity) {}

std::string CookieSigner::random_key() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    throw std::runtime_error("OpenSSL cannot make random bytes for the auth cookie key");
  }
  return key;
}

std::string CookieSigner::mac(std::string_view text) const {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), out, &n);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(out), n));
}

std::optional<std::string> CookieSigner::sign(const std::string& user,
                                              std::chrono::system_clock::time_point now) const {
  if (!is_cookie_safe(user)) return std::nullopt;
  const std::string text = "u=" + user + "&p=" + user + "&t=" + type_ + "&e=" + std::to_string(epoch_ms(now + validity_));
  return text + "&s=" + mac(text);
}

Result<std::string> CookieSigner::verify(std::string_view value, std::chrono::system_clock::time_point now) const {
  const auto bad = [] { return Status::unauthenticated("invalid auth cookie"); };
  const std::size_t at = value.rfind("&s=");
  if (at == std::string_view::npos) return bad();
  const std::string_view text = value.substr(0, at);
  const std::string expected = mac(text);
  const std::string_view given = value.substr(at + 3);
  if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    return bad();
  }
  // Signed by this process, so well formed; read it as carefully anyway.
  std::optional<std::string> user, type;
  std::optional<std::int64_t> expires;
  for (const auto& field : split_list(text, '&')) {
    const std::size_t eq = field.find('=');
    if (eq == std::string::npos) return bad();
    const std::string name = field.substr(0, eq), v = field.substr(eq + 1);
    if (name == "u") user = v;
    if (name == "t") type = v;
    if (name == "e") expires = parse_int(v);
  }
  if (!user || !type || !expires || *type != type_) return bad();
  if (*expires <= epoch_ms(now)) return Status::unauthenticated("the auth cookie has expired");
  return *user;
}

std::string CookieSigner::set_cookie(const std::string& value, std::chrono::system_clock::time_point now) const {
  const std::time_t expires = std::chrono::system_clock::to_time_t(now + validity_);
  std::tm tm{};
  gmtime_r(&expires, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(kAuthCookieName) + "=\"" + value + "\"; Path=/; Expires=" + date + "; HttpOnly";
}

}  // namespace livy::auth
