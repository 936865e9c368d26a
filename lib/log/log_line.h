// The two forms of a log line (Logger, the audit log): a JSON object on one line, or a
// readable text line. Pure functions: what the unit tests hold to the escaping rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "livy/log.h"

namespace livy {

// "2026-12-07T11:30:00.123Z": UTC, milliseconds.
std::string format_log_time(std::int64_t epoch_ms);

// `text` as a JSON string literal, quotes included: ", \ and every control character
// escaped (so a line never breaks), ill-formed UTF-8 replaced by U+FFFD.
std::string json_quote(std::string_view text);

// {"ts":...,"level":...,"event":...,<fields>} and '\n'. Keys are livyd's own names.
std::string encode_json_line(std::int64_t epoch_ms, std::string_view level, std::string_view event,
                             const std::vector<LogField>& fields);

// "<ts> <level> <event> key=value ...\n"; a value with a space, quote, '=', backslash or a
// control character (or empty) is quoted with those escaped; null is "-". The event
// "message" is written as its `msg` alone: "<ts> <level> <msg>".
std::string encode_text_line(std::int64_t epoch_ms, std::string_view level, std::string_view event,
                             const std::vector<LogField>& fields);

}  // namespace livy
