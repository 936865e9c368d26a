// Reservations: the one check of the creation limits that batches and sessions share.
#include "runtime/reservations.h"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using livy::Claim;
using livy::CreationLimits;
using livy::ErrorCode;
using livy::Reservations;
using livy::TableCounts;

TEST_CASE("reservations: names, creations at once, live sessions in all and per user", "[reservations]") {
  Reservations r;
  const CreationLimits limits{.max_creation = 3, .max_live = 4, .max_per_user = 2};

  REQUIRE(r.reserve({"nb", "alice"}, {}, 0, limits).is_ok());
  // A name reserved, or taken in the table, is refused (400, Livy's words).
  auto st = r.reserve({"nb", "bob"}, {}, 0, limits);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("Duplicate session name: nb"));
  st = r.reserve({"other", "bob"}, TableCounts{.name_taken = true}, 0, limits);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK(r.reserve({std::nullopt, "bob"}, TableCounts{.name_taken = true}, 0, limits).is_ok());  // no name: no clash

  // Per user: the reservations count with the table's live sessions of that user.
  st = r.reserve({std::nullopt, "alice"}, TableCounts{.live = 1, .live_of_user = 1}, 0, limits);
  CHECK(st.code() == ErrorCode::kResourceExhausted);
  CHECK_THAT(st.message(), Contains("user 'alice' already runs 2 sessions"));

  // Creations at once: the table's starting ones, the reservations (2 now) and the other engine's.
  st = r.reserve({std::nullopt, "carol"}, {}, 1, limits);
  CHECK(st.code() == ErrorCode::kResourceExhausted);
  CHECK_THAT(st.message(), Contains("too many sessions are being created"));

  // Live in all: the table's and the reservations.
  r.release({std::nullopt, "bob"});
  CHECK(r.size() == 1);
  st = r.reserve({std::nullopt, "carol"}, TableCounts{.live = 3}, 0, limits);
  CHECK(st.code() == ErrorCode::kResourceExhausted);
  CHECK_THAT(st.message(), Contains("already runs 4 sessions (sessions.max-sessions)"));

  // A release frees exactly one equal claim; 0 means no limit.
  r.release({"nb", "alice"});
  CHECK(r.size() == 0);
  CHECK(r.reserve({"nb", "alice"}, TableCounts{.starting = 50, .live = 50}, 50, CreationLimits{}).is_ok());
}

TEST_CASE("reservations: a guard releases its claim once, at release() or when it leaves scope", "[reservations]") {
  livy::Mutex mu;
  Reservations r;
  {
    livy::MutexLock lock(mu);
    REQUIRE(r.reserve({"a", std::nullopt}, {}, 0, {}).is_ok());
    REQUIRE(r.reserve({"b", std::nullopt}, {}, 0, {}).is_ok());
  }
  {
    livy::ReservationGuard a(mu, r, {"a", std::nullopt});
    livy::ReservationGuard b(mu, r, {"b", std::nullopt});
    a.release();
    CHECK(r.size() == 1);
    a.release();
    CHECK(r.size() == 1);
  }
  CHECK(r.size() == 0);
}
