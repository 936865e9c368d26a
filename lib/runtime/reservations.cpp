#include "runtime/reservations.h"

#include <algorithm>

namespace livy {

Status Reservations::reserve(const Claim& claim, const TableCounts& table, int others_starting,
                             const CreationLimits& limits) {
  int live_of_user = table.live_of_user;
  for (const Claim& c : claims_) {
    if (claim.name && c.name == claim.name) return Status::invalid_argument("Duplicate session name: " + *claim.name);
    live_of_user += c.user == claim.user ? 1 : 0;
  }
  if (claim.name && table.name_taken) return Status::invalid_argument("Duplicate session name: " + *claim.name);
  if (limits.max_per_user > 0 && live_of_user >= limits.max_per_user) {
    return Status::resource_exhausted(
        "Rejected, " + (claim.user ? "user '" + *claim.user + "'" : std::string("the anonymous user")) +
        " already runs " + std::to_string(live_of_user) + " sessions (sessions.max-sessions-per-user)");
  }
  if (limits.max_creation > 0 && table.starting + size() + others_starting >= limits.max_creation) {
    return Status::resource_exhausted("Rejected, too many sessions are being created!");
  }
  const int live = table.live + size();
  if (limits.max_live > 0 && live >= limits.max_live) {
    return Status::resource_exhausted("Rejected, the server already runs " + std::to_string(live) +
                                      " sessions (sessions.max-sessions)");
  }
  claims_.push_back(claim);
  return Status::ok();
}

void Reservations::release(const Claim& claim) {
  if (const auto it = std::find(claims_.begin(), claims_.end(), claim); it != claims_.end()) claims_.erase(it);
}

}  // namespace livy
