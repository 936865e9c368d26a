// Once<T>: what an idempotent create returns (SessionManager::create_once, BatchManager::submit_once).
#pragma once

namespace livy {

// The object an idempotency key stands for, and whether this call made it.
template <typename T>
struct Once {
  T value;                // the object: new, or the one the key's first call created
  bool replayed = false;  // true: an earlier call with the same key created it; this one started nothing
};

}  // namespace livy
