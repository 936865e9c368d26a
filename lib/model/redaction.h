// Hiding secret Spark conf values from every view livyd gives, as Spark does.
#pragma once

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include "livy/status.h"

namespace livy {

// Spark's spark.redaction.regex default (Spark 3.x and 4.0) and the text Spark
// shows in place of a redacted value.
inline constexpr std::string_view kDefaultRedactionRegex = "(?i)secret|password|token|access[.]?key";
inline constexpr std::string_view kRedactedText = "*********(redacted)";

// Decides which conf values are secret: those whose key or value the regex finds
// anywhere in (Spark's rule: a search, not a whole match). Compiled once;
// immutable and copied freely (the copies share the compiled regex).
class Redactor {
 public:
  // The default regex.
  Redactor();

  // A regex in the subset of Java's syntax that ECMAScript shares, with a leading
  // "(?i)" read as "ignore case" (Java's only flag that Spark's default uses).
  // A bad regex is an error naming `origin` (the config key).
  static Result<Redactor> compile(std::string_view pattern, std::string_view origin);

  bool is_secret(std::string_view key, std::string_view value) const;

  // `conf` with each secret value replaced by kRedactedText.
  std::map<std::string, std::string> redact(const std::map<std::string, std::string>& conf) const;

  // `value`, or kRedactedText when (key, value) is secret: for messages that quote a value.
  std::string shown(std::string_view key, std::string_view value) const;

 private:
  explicit Redactor(std::shared_ptr<const std::regex> regex) : regex_(std::move(regex)) {}
  std::shared_ptr<const std::regex> regex_;
};

}  // namespace livy
