// The Spark properties a request's `conf` may not set: Livy's spark-blacklist.conf.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livy/status.h"

namespace livy {

// A list of property names, each possibly with `*` wildcards, that requests may not
// set. Matching ignores case: Spark's own keys are case-sensitive, so a key that
// differs from a blocked one only in case does nothing in Spark, and refusing it
// costs no one anything while leaving no doubt. Immutable once built; copied freely.
class ConfBlocklist {
 public:
  // Livy's default spark-blacklist.conf plus the properties livyd adds: every one
  // that makes spark-submit run a program, load code or read a file the request
  // names outside files.local-dir-whitelist (docs/configuration.md explains each).
  static ConfBlocklist defaults();

  // Livy's file format: one property name per line; blank lines and lines starting
  // with '#' or '!' are skipped; a name ends at the first whitespace, '=' or ':' (Livy
  // reads the file as Java properties, so `key = value` blocks `key`). `*` in a name
  // matches any run of characters. A backslash is refused: livyd does not read Java
  // escapes, and guessing would block something other than what the file says.
  // Errors read "origin:line: message".
  static Result<ConfBlocklist> parse(std::string_view text, const std::string& origin);

  // Reads and parses a file; a file that cannot be read is an error naming it.
  static Result<ConfBlocklist> load(const std::string& path);

  // The entry (as written) that blocks `key`, if any.
  std::optional<std::string> match(std::string_view key) const;

  const std::vector<std::string>& entries() const { return entries_; }

 private:
  explicit ConfBlocklist(std::vector<std::string> entries) : entries_(std::move(entries)) {}
  std::vector<std::string> entries_;
};

// Whether `key` matches `pattern`, ignoring ASCII case; `*` in the pattern matches any
// run of characters, empty included. Linear in practice: one backtracking point, never
// a regex over what a request sent.
bool conf_key_matches(std::string_view pattern, std::string_view key);

}  // namespace livy
