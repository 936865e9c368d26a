// A short memory of successful LDAP binds, so that a client that sends Basic
// credentials on every request (most do, and without cookies) does not cost a
// bind each time. It keeps a salted SHA-256 of the password, never the
// password; an entry lives `ttl` from the bind that made it. Thread-safe; its
// lock guards only the map, for a lookup or an insert.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace livy::auth {

class BindCache {
 public:
  using Clock = std::chrono::steady_clock;
  // ttl 0: nothing is remembered.
  explicit BindCache(std::chrono::milliseconds ttl, std::size_t max_entries = 10'000);

  bool contains(const std::string& user, const std::string& password, Clock::time_point now) const;
  void remember(const std::string& user, const std::string& password, Clock::time_point now);
  // A failed bind forgets the user: a changed password must not stay valid.
  void forget(const std::string& user);

 private:
  struct Entry {
    std::string salt;
    std::string hash;
    Clock::time_point expires;
  };

  const std::chrono::milliseconds ttl_;
  const std::size_t max_entries_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace livy::auth
