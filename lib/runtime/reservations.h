// Reservations: the creations of batches and sessions between their check of the limits
// and their entry in their table. One implementation of the limits (names, creations at
// once, live ones in all and per user) for both engines.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/thread_annotations.h"
#include "livy/status.h"

namespace livy {

// What a creation claims while it is under way: its name and the user Spark runs as.
struct Claim {
  std::optional<std::string> name;
  std::optional<std::string> user;
  bool operator==(const Claim&) const = default;
};

// The limits a creation is checked against. 0: no limit (batches have no live limits).
struct CreationLimits {
  int max_creation = 0;  // sessions.max-creation: batches and sessions starting at once
  int max_live = 0;      // sessions.max-sessions
  int max_per_user = 0;  // sessions.max-sessions-per-user
};

// What the owner's table holds now, counted under its table lock for `claim`.
struct TableCounts {
  bool name_taken = false;  // by an entry that keeps its name (the owner decides which do)
  int starting = 0;         // entries starting now (not counting reservations)
  int live = 0;             // entries not final
  int live_of_user = 0;     // of those, run as the claim's user
};

// Not thread-safe: the owner keeps it under its table lock (GUARDED_BY), so that a check and
// the reservation it leads to are one step with the table count they rest on.
class Reservations {
 public:
  // Refuses a duplicate name (400), too many creations at once or too many live sessions (429,
  // with Livy's messages); else reserves `claim`. `others_starting`: the other engine's count.
  Status reserve(const Claim& claim, const TableCounts& table, int others_starting, const CreationLimits& limits);
  void release(const Claim& claim);  // one reservation equal to `claim`
  int size() const { return static_cast<int>(claims_.size()); }

 private:
  std::vector<Claim> claims_;
};

// Releases its reservation, under the owner's table lock, when it leaves scope (or at release()).
class ReservationGuard {
 public:
  ReservationGuard(Mutex& table_mu, Reservations& reservations, Claim claim)
      : mu_(table_mu), reservations_(reservations), claim_(std::move(claim)) {}
  ~ReservationGuard() { release(); }
  // Once the entry is in the table, which counts it from then on.
  void release() {
    if (released_) return;
    released_ = true;
    MutexLock lock(mu_);
    reservations_.release(claim_);
  }
  ReservationGuard(const ReservationGuard&) = delete;
  ReservationGuard& operator=(const ReservationGuard&) = delete;

 private:
  Mutex& mu_;
  Reservations& reservations_;  // guarded by mu_
  const Claim claim_;
  bool released_ = false;
};

}  // namespace livy
