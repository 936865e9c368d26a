// IdempotentCreates: the keys of idempotent creates (the Idempotency-Key of POST /sessions and
// POST /batches, SessionManager::create_once, BatchManager::submit_once). One per runtime,
// shared by the session and batch managers; it owns the keys, in memory and in the store.
//
// A key belongs to an owner (the authenticated user; all callers are one owner without
// authentication). The first create under a key runs; until requests.idempotency-retention
// has passed since it, the same key from the same owner with a request of the same
// fingerprint (see request_fingerprint) returns that object again, and with another
// fingerprint is a conflict. Concurrent creates under one key run once: the others wait for
// the first and then return its object (or, when it failed, one of them tries again).
//
// Locks: `mu_` guards the key table alone, for a lookup, an insert or an erase; it is never
// held across the create or a store write. Each key being created has its own condition
// variable, so a create waits only for creates under its own key.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/thread_annotations.h"
#include "livy/clock.h"
#include "livy/status.h"
#include "store/store.h"

namespace livy {

struct IdempotencyOptions {
  std::chrono::milliseconds retention = std::chrono::hours(24);  // requests.idempotency-retention
  std::size_t max_key_bytes = 255;                              // requests.idempotency-max-key-bytes
  std::size_t max_keys = 100'000;                               // requests.idempotency-max-keys
};

// A key as a client may send it: 1 to `max_key_bytes` bytes of printable ASCII (space to
// '~'), else invalid_argument naming the rule. Keys are compared byte for byte.
Status validate_idempotency_key(std::string_view key, std::size_t max_key_bytes);

// What identifies a request under a key: a SHA-256 (hex) of what it creates ("session",
// "batch") and the request's canonical form, so that equal requests (whatever their JSON's
// field order, spacing or escapes) have one fingerprint.
std::string request_fingerprint(std::string_view kind, std::string_view canonical_request);

class IdempotentCreates {
 public:
  // The object a key stands for, and whether an earlier create made it (true: this call
  // created nothing).
  struct Outcome {
    std::int64_t id = 0;
    bool replayed = false;
  };
  // Creates the object and returns its id. It writes `key` (object_id left for it to set) in
  // the store in the same transaction as the object (Store::insert_session and insert_batch
  // take it), so that a crash leaves both or neither: never an object whose key a retry
  // would not find.
  using Create = std::function<Result<std::int64_t>(const IdempotencyRecord& key)>;

  IdempotentCreates(IdempotencyOptions options, Store& store, std::shared_ptr<Clock> clock);

  // Reads the keys still within the retention from the store, and forgets older ones there.
  Status load() EXCLUDES(mu_);

  // `create` once per (owner, key) within the retention; see the class comment. Errors:
  // invalid_argument (a bad key), conflict (the key stands for another request, or is in use
  // for another kind), unavailable (max_keys reached), or what `create` returned.
  Result<Outcome> run(const std::optional<std::string>& owner, std::string_view key, std::string_view kind,
                      std::string_view canonical_request, const Create& create) EXCLUDES(mu_);

  std::size_t size() const EXCLUDES(mu_);  // keys held, expired ones not yet purged included

 private:
  // One key. Its fields are read and written under mu_ (kind, fingerprint and created_ms
  // never change once it is in the table).
  struct Slot {
    std::string kind;
    std::string fingerprint;
    std::int64_t created_ms = 0;
    std::optional<std::int64_t> id;  // nullopt while its create runs
    CondVar settled;                 // `id` was set, or the slot left the table (its create failed)
  };
  using SlotKey = std::pair<std::string, std::string>;  // owner ("" for none), key

  bool expired(const Slot& slot, std::int64_t now_ms) const;
  // Drops the expired keys from the table; true when the store should drop them too.
  bool purge(std::int64_t now_ms) REQUIRES(mu_);

  const IdempotencyOptions options_;
  Store& store_;
  const std::shared_ptr<Clock> clock_;

  mutable Mutex mu_;
  std::map<SlotKey, std::shared_ptr<Slot>> slots_ GUARDED_BY(mu_);
  std::int64_t last_purge_ms_ GUARDED_BY(mu_) = 0;
};

}  // namespace livy
