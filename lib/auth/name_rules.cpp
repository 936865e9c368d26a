#include "auth/name_rules.h"

#include "base/text_values.h"

namespace livy::auth {
namespace {

struct Principal {
  std::vector<std::string> components;
  std::string realm;
};

std::optional<Principal> split_principal(const std::string& text) {
  const std::size_t at = text.rfind('@');
  Principal p;
  const std::string name = at == std::string::npos ? text : text.substr(0, at);
  if (at != std::string::npos) p.realm = text.substr(at + 1);
  const std::size_t slash = name.find('/');
  p.components.push_back(name.substr(0, slash));
  if (slash != std::string::npos) {
    p.components.push_back(name.substr(slash + 1));
    if (p.components.back().find('/') != std::string::npos) return std::nullopt;  // Hadoop: at most 2
  }
  if (p.components[0].empty()) return std::nullopt;
  return p;
}

// "$0" -> realm, "$1".. -> components; nullopt when it names one the principal lacks.
std::optional<std::string> fill(const std::string& format, const Principal& p) {
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '$' && i + 1 < format.size() && format[i + 1] >= '0' && format[i + 1] <= '9') {
      const std::size_t n = static_cast<std::size_t>(format[++i] - '0');
      if (n == 0) {
        out += p.realm;
      } else if (n <= p.components.size()) {
        out += p.components[n - 1];
      } else {
        return std::nullopt;
      }
    } else {
      out += format[i];
    }
  }
  return out;
}

}  // namespace

Result<NameRules> NameRules::parse(const std::string& text, std::string default_realm) {
  NameRules out;
  out.default_realm_ = std::move(default_realm);
  std::size_t i = 0;
  const auto skip_space = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
  };
  const auto bad = [&](const std::string& why) {
    return Status::invalid_argument("auth.kerberos.name-rules: " + why + " at character " + std::to_string(i + 1));
  };
  const auto read_until = [&](char end, std::string& into) {
    const std::size_t stop = text.find(end, i);
    if (stop == std::string::npos) return false;
    into = text.substr(i, stop - i);
    i = stop + 1;
    return true;
  };
  try {
    for (skip_space(); i < text.size(); skip_space()) {
      Rule rule;
      if (text.compare(i, 7, "DEFAULT") == 0) {
        rule.is_default = true;
        i += 7;
      } else if (text.compare(i, 6, "RULE:[") == 0) {
        i += 6;
        std::string head;
        if (!read_until(']', head)) return bad("a RULE without ']'");
        const std::size_t colon = head.find(':');
        const auto n = colon == std::string::npos ? std::nullopt : parse_int(head.substr(0, colon));
        if (!n || *n < 1 || *n > 2) return bad("a RULE needs [1:...] or [2:...]");
        rule.components = static_cast<int>(*n);
        rule.format = head.substr(colon + 1);
        if (i < text.size() && text[i] == '(') {
          ++i;
          std::string re;
          if (!read_until(')', re)) return bad("a RULE's (regex) without ')'");
          rule.match.emplace(re, std::regex::ECMAScript);
        }
        if (text.compare(i, 2, "s/") == 0) {
          i += 2;
          std::string from;
          if (!read_until('/', from) || !read_until('/', rule.to)) return bad("a RULE's s/from/to/ is not closed");
          rule.from.emplace(from, std::regex::ECMAScript);
          if (i < text.size() && text[i] == 'g') {
            rule.global = true;
            ++i;
          }
        }
      } else {
        return bad("expected DEFAULT or RULE:[n:format]");
      }
      if (text.compare(i, 2, "/L") == 0) {
        rule.lower = true;
        i += 2;
      }
      if (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r') {
        return bad("unexpected text after a rule");
      }
      out.rules_.push_back(std::move(rule));
    }
  } catch (const std::regex_error& e) {
    return bad(std::string("invalid regular expression (") + e.what() + ")");
  }
  if (out.rules_.empty()) return Status::invalid_argument("auth.kerberos.name-rules has no rule");
  return out;
}

std::optional<std::string> NameRules::map(const std::string& principal) const {
  const auto p = split_principal(principal);
  if (!p) return std::nullopt;
  for (const auto& rule : rules_) {
    std::optional<std::string> result;
    if (rule.is_default) {
      if (!p->realm.empty() && p->realm == default_realm_) result = p->components[0];
    } else if (static_cast<std::size_t>(rule.components) == p->components.size()) {
      const auto base = fill(rule.format, *p);
      if (!base || (rule.match && !std::regex_match(*base, *rule.match))) continue;
      result = *base;
      if (rule.from) {
        result = std::regex_replace(*base, *rule.from, rule.to,
                                    rule.global ? std::regex_constants::format_default
                                                : std::regex_constants::format_first_only);
      }
    }
    if (!result) continue;
    if (result->empty() || result->find_first_of("@/") != std::string::npos) return std::nullopt;
    if (rule.lower) {
      for (char& c : *result) c = ascii_lower(c);
    }
    return result;
  }
  return std::nullopt;
}

}  // namespace livy::auth
