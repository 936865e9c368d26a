// The JSON and text forms of a log line.
#include "log/log_line.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string_view>

#include "base/utf8.h"

namespace livy {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// How the three forms escape; append_escaped is the one loop. The JSON form is not written
// with wire::JsonWriter: RapidJSON leaves DEL (0x7f) raw, and a log line escapes every
// control character in both formats (tests/unit/log/log_line_test.cpp holds them to it).
struct Escaping {
  bool quotes;                   // '"' and '\\' get a backslash
  std::string_view short_forms;  // control characters written \n, \r, \t, \b, \f
  std::string_view hex_prefix;   // before two hex digits: every other control character, and DEL
};
constexpr Escaping kJsonEscaping{true, "\n\r\t\b\f", "\\u00"};  // a JSON string's body
constexpr Escaping kTextEscaping{true, "\n\r\t", "\\x"};        // a quoted value of a text line
constexpr Escaping kMessageEscaping{false, "\n", "\\x"};         // a text line's message, unquoted

char short_form(char c) {
  switch (c) {
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    case '\b': return 'b';
    default: return 'f';
  }
}

// Appends `text` (valid UTF-8) to `out`, escaped as `e` says; never a raw control character.
void append_escaped(std::string& out, std::string_view text, const Escaping& e) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (e.quotes && (c == '"' || c == '\\')) {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      if (e.short_forms.find(c) != std::string_view::npos) {
        out += '\\';
        out += short_form(c);
      } else {
        out += e.hex_prefix;
        out += kHex[u >> 4];
        out += kHex[u & 0xF];
      }
    } else {
      out += c;
    }
  }
}

std::string format_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("null");
}

std::string json_value(const LogValue& v) {
  switch (v.index()) {
    case 0: return "null";
    case 1: return std::get<bool>(v) ? "true" : "false";
    case 2: return std::to_string(std::get<std::int64_t>(v));
    case 3: return format_number(std::get<double>(v));
    default: return json_quote(std::get<std::string>(v));
  }
}

bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ' || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

// A text value: as it is when it is one plain word, else quoted with escapes; never a raw
// control character, so one entry is one line.
std::string text_value(std::string_view raw) {
  const std::string text = repair_utf8(raw);
  if (!needs_quotes(text)) return text;
  std::string out = "\"";
  append_escaped(out, text, kTextEscaping);
  return out + "\"";
}

std::string text_of(const LogValue& v) {
  switch (v.index()) {
    case 0: return "-";
    case 1: return std::get<bool>(v) ? "true" : "false";
    case 2: return std::to_string(std::get<std::int64_t>(v));
    case 3: return format_number(std::get<double>(v));
    default: return text_value(std::get<std::string>(v));
  }
}

// A message's own text: control characters shown escaped, the rest as written.
std::string message_text(std::string_view raw) {
  std::string out;
  append_escaped(out, repair_utf8(raw), kMessageEscaping);
  return out;
}

}  // namespace

std::string format_log_time(std::int64_t epoch_ms) {
  std::int64_t seconds = epoch_ms / 1000;
  std::int64_t millis = epoch_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  return buf;
}

std::string json_quote(std::string_view raw) {
  const std::string text = repair_utf8(raw);
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  append_escaped(out, text, kJsonEscaping);
  out += '"';
  return out;
}

std::string encode_json_line(std::int64_t epoch_ms, std::string_view level, std::string_view event,
                             const std::vector<LogField>& fields) {
  std::string out = "{\"ts\":" + json_quote(format_log_time(epoch_ms)) + ",\"level\":" + json_quote(level) +
                    ",\"event\":" + json_quote(event);
  for (const auto& f : fields) {
    out += ',';
    out += json_quote(f.key);
    out += ':';
    out += json_value(f.value);
  }
  out += "}\n";
  return out;
}

std::string encode_text_line(std::int64_t epoch_ms, std::string_view level, std::string_view event,
                             const std::vector<LogField>& fields) {
  std::string out = format_log_time(epoch_ms) + " " + std::string(level);
  if (event == "message") {
    for (const auto& f : fields) {
      if (f.key == "msg" && f.value.index() == 4) {
        return out + " " + message_text(std::get<std::string>(f.value)) + "\n";
      }
    }
  }
  out += ' ';
  out += event;
  for (const auto& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    out += text_of(f.value);
  }
  out += '\n';
  return out;
}

}  // namespace livy
