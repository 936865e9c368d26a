#include "model/redaction.h"

namespace livy {

Result<Redactor> Redactor::compile(std::string_view pattern, std::string_view origin) {
  auto flags = std::regex::ECMAScript | std::regex::optimize;
  constexpr std::string_view kIgnoreCase = "(?i)";
  if (pattern.substr(0, kIgnoreCase.size()) == kIgnoreCase) {
    pattern.remove_prefix(kIgnoreCase.size());
    flags |= std::regex::icase;
  }
  try {
    return Redactor(std::make_shared<const std::regex>(std::string(pattern), flags));
  } catch (const std::regex_error& e) {
    return Status::invalid_argument("invalid regular expression for " + std::string(origin) + ": " + e.what() +
                                    " (a leading (?i) is the only inline flag livyd reads)");
  }
}

Redactor::Redactor() : Redactor(*compile(kDefaultRedactionRegex, "the default redaction regex")) {}

bool Redactor::is_secret(std::string_view key, std::string_view value) const {
  return std::regex_search(key.begin(), key.end(), *regex_) || std::regex_search(value.begin(), value.end(), *regex_);
}

std::map<std::string, std::string> Redactor::redact(const std::map<std::string, std::string>& conf) const {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : conf) out.emplace(key, shown(key, value));
  return out;
}

std::string Redactor::shown(std::string_view key, std::string_view value) const {
  return std::string(is_secret(key, value) ? kRedactedText : value);
}

}  // namespace livy
