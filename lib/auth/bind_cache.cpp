#include "auth/bind_cache.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace livy::auth {
namespace {

std::string salted_hash(const std::string& salt, const std::string& password) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, salt.data(), salt.size()) == 1 &&
                  EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, out, &n) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? std::string(reinterpret_cast<const char*>(out), n) : std::string();
}

}  // namespace

BindCache::BindCache(std::chrono::milliseconds ttl, std::size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {}

bool BindCache::contains(const std::string& user, const std::string& password, Clock::time_point now) const {
  Entry entry;
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(user);
    if (it == entries_.end() || it->second.expires <= now) return false;
    entry = it->second;
  }
  const std::string hash = salted_hash(entry.salt, password);
  return !hash.empty() && hash.size() == entry.hash.size() &&
         CRYPTO_memcmp(hash.data(), entry.hash.data(), hash.size()) == 0;
}

void BindCache::remember(const std::string& user, const std::string& password, Clock::time_point now) {
  if (ttl_.count() <= 0) return;
  std::string salt(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1) return;
  Entry entry{salt, salted_hash(salt, password), now + ttl_};
  if (entry.hash.empty()) return;
  std::lock_guard lock(mu_);
  if (entries_.size() >= max_entries_) {
    std::erase_if(entries_, [now](const auto& item) { return item.second.expires <= now; });
    if (entries_.size() >= max_entries_) return;  // full of live entries: binds go to the server
  }
  entries_[user] = std::move(entry);
}

void BindCache::forget(const std::string& user) {
  std::lock_guard lock(mu_);
  entries_.erase(user);
}

}  // namespace livy::auth
