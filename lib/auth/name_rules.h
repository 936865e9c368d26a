// Kerberos principal -> user name, with Hadoop's auth_to_local rules
// (`livy.server.auth.kerberos.name-rules`), as Hadoop's KerberosName applies
// them in its default ("hadoop") mechanism:
//   DEFAULT                       a principal of the default realm -> its first component
//   RULE:[n:fmt](regex)s/a/b/g/L  for a principal of n components, fmt with $0 = realm,
//                                 $1, $2 = components; it must match regex whole; then the
//                                 sed substitution (every match with g), lower case with /L.
// Rules are tried in order; the first that applies wins, and its result must be a
// simple name (no '@' or '/'). None applies: the principal has no user.
// Regular expressions are ECMAScript (std::regex), which agrees with Java's for
// the expressions such rules use; they run over principals a KDC vouched for.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "livy/status.h"

namespace livy::auth {

class NameRules {
 public:
  // An error names the rule it cannot read.
  static Result<NameRules> parse(const std::string& text, std::string default_realm);

  // The user of `principal` (name[/host]@REALM), or nullopt when no rule applies.
  std::optional<std::string> map(const std::string& principal) const;

 private:
  struct Rule {
    bool is_default = false;
    int components = 0;
    std::string format;
    std::optional<std::regex> match;
    std::optional<std::regex> from;
    std::string to;
    bool global = false;
    bool lower = false;
  };

  std::vector<Rule> rules_;
  std::string default_realm_;
};

}  // namespace livy::auth
