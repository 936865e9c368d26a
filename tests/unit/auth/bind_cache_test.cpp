// The cache of successful LDAP binds.
#include <catch2/catch.hpp>

#include "auth/bind_cache.h"

using livy::auth::BindCache;
using namespace std::chrono_literals;

TEST_CASE("bind cache: the same password within the TTL, nothing else", "[auth]") {
  BindCache cache(60s);
  const auto t0 = BindCache::Clock::now();
  CHECK_FALSE(cache.contains("alice", "pw", t0));
  cache.remember("alice", "pw", t0);
  CHECK(cache.contains("alice", "pw", t0 + 59s));
  CHECK_FALSE(cache.contains("alice", "pw2", t0));
  CHECK_FALSE(cache.contains("alice", "p", t0));
  CHECK_FALSE(cache.contains("bob", "pw", t0));
  CHECK_FALSE(cache.contains("alice", "pw", t0 + 60s));
  cache.remember("alice", "pw", t0);
  cache.forget("alice");
  CHECK_FALSE(cache.contains("alice", "pw", t0));
}

TEST_CASE("bind cache: TTL 0 remembers nothing; a full cache caches no more", "[auth]") {
  const auto t0 = BindCache::Clock::now();
  BindCache off(0s);
  off.remember("alice", "pw", t0);
  CHECK_FALSE(off.contains("alice", "pw", t0));
  BindCache small(60s, 2);
  small.remember("a", "1", t0);
  small.remember("b", "2", t0);
  small.remember("c", "3", t0);
  CHECK(small.contains("a", "1", t0));
  CHECK_FALSE(small.contains("c", "3", t0));
  small.remember("c", "3", t0 + 61s);  // the others have expired: room again
  CHECK(small.contains("c", "3", t0 + 61s));
}
