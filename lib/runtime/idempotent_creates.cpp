#include "runtime/idempotent_creates.h"

#include <openssl/evp.h>

#include <array>

namespace livy {
namespace {

// Expired keys are dropped from the table (and the store) at most this often, and whenever
// the table is full.
constexpr std::int64_t kPurgeEveryMs = 60'000;

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, text.data(), text.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest.data(), &size) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return std::string(text);  // no digest: the text itself identifies the request as well
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace

Status validate_idempotency_key(std::string_view key, std::size_t max_key_bytes) {
  if (key.empty()) return Status::invalid_argument("Idempotency-Key must not be empty");
  if (key.size() > max_key_bytes) {
    return Status::invalid_argument("Idempotency-Key is longer than " + std::to_string(max_key_bytes) +
                                    " bytes (requests.idempotency-max-key-bytes)");
  }
  for (const char c : key) {
    if (c < ' ' || c > '~') {
      return Status::invalid_argument("Idempotency-Key may hold only printable ASCII characters (space to '~')");
    }
  }
  return Status::ok();
}

std::string request_fingerprint(std::string_view kind, std::string_view canonical_request) {
  std::string text(kind);
  text += '\n';
  text += canonical_request;
  return sha256_hex(text);
}

IdempotentCreates::IdempotentCreates(IdempotencyOptions options, Store& store, std::shared_ptr<Clock> clock)
    : options_(options), store_(store), clock_(std::move(clock)) {}

bool IdempotentCreates::expired(const Slot& slot, std::int64_t now_ms) const {
  return slot.id.has_value() && slot.created_ms + options_.retention.count() <= now_ms;
}

Status IdempotentCreates::load() {
  const std::int64_t now_ms = to_epoch_ms(clock_->now());
  const std::int64_t since_ms = now_ms - options_.retention.count();
  Status st = store_.delete_idempotency_keys(since_ms);
  if (!st) return st;
  auto records = store_.load_idempotency_keys(since_ms);
  if (!records) return records.status();
  MutexLock lock(mu_);
  for (const auto& r : *records) {
    auto slot = std::make_shared<Slot>();
    slot->kind = r.kind;
    slot->fingerprint = r.fingerprint;
    slot->created_ms = r.created_ms;
    slot->id = r.object_id;
    slots_[{r.owner, r.key}] = std::move(slot);
  }
  last_purge_ms_ = now_ms;
  return Status::ok();
}

bool IdempotentCreates::purge(std::int64_t now_ms) {
  last_purge_ms_ = now_ms;
  bool any = false;
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (expired(*it->second, now_ms)) {
      it = slots_.erase(it);
      any = true;
    } else {
      ++it;
    }
  }
  return any;
}

std::size_t IdempotentCreates::size() const {
  MutexLock lock(mu_);
  return slots_.size();
}

Result<IdempotentCreates::Outcome> IdempotentCreates::run(const std::optional<std::string>& owner,
                                                          std::string_view key, std::string_view kind,
                                                          std::string_view canonical_request, const Create& create) {
  Status st = validate_idempotency_key(key, options_.max_key_bytes);
  if (!st) return st;
  const SlotKey slot_key{owner.value_or(""), std::string(key)};
  const std::string fingerprint = request_fingerprint(kind, canonical_request);
  const std::int64_t now_ms = to_epoch_ms(clock_->now());
  bool purged = false;
  std::shared_ptr<Slot> mine;
  {
    MutexLock lock(mu_);
    for (;;) {
      auto it = slots_.find(slot_key);
      if (it != slots_.end() && expired(*it->second, now_ms)) {
        slots_.erase(it);
        it = slots_.end();
      }
      if (it == slots_.end()) break;
      const std::shared_ptr<Slot> slot = it->second;
      if (slot->kind != kind) {
        return Status::conflict("this Idempotency-Key was used to create a " + slot->kind + ", not a " +
                                std::string(kind));
      }
      if (slot->fingerprint != fingerprint) {
        return Status::conflict("this Idempotency-Key was used with a different request; use a new key");
      }
      if (slot->id) return Outcome{*slot->id, true};
      // The first request with this key is still creating: its outcome is this one's too.
      slot->settled.wait(lock);
    }
    if (now_ms - last_purge_ms_ >= kPurgeEveryMs || slots_.size() >= options_.max_keys) purged = purge(now_ms);
    if (slots_.size() >= options_.max_keys) {
      return Status::unavailable("too many idempotency keys are kept (requests.idempotency-max-keys); retry later");
    }
    mine = std::make_shared<Slot>();
    mine->kind = std::string(kind);
    mine->fingerprint = fingerprint;
    mine->created_ms = now_ms;
    slots_.emplace(slot_key, mine);
  }
  // No lock held: the store's writes and the create may take a while, and other keys'
  // creates go on meanwhile.
  if (purged) (void)store_.delete_idempotency_keys(now_ms - options_.retention.count());
  // The key is synced with the object, before the answer: a retry after a crash finds it.
  const auto id = create({slot_key.first, slot_key.second, mine->kind, fingerprint, 0, now_ms});
  MutexLock lock(mu_);
  if (id) {
    mine->id = *id;
  } else if (const auto it = slots_.find(slot_key); it != slots_.end() && it->second == mine) {
    slots_.erase(it);  // a failed create leaves no key: a retry tries again
  }
  mine->settled.notify_all();
  if (!id) return id.status();
  return Outcome{*id, false};
}

}  // namespace livy
