#include "wire/json_fields.h"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string_view>
#include <system_error>

#include "base/utf8.h"

namespace livy::wire {

std::string to_std_string(const rapidjson::Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

std::string json_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::optional<std::string> conf_value_text(const rapidjson::Value& v) {
  if (v.IsString()) return to_std_string(v);
  if (v.IsBool()) return std::string(v.GetBool() ? "true" : "false");
  // The shortest text of a number (0.5 -> "0.5"), as Livy's JSON layer would give Spark.
  if (v.IsNumber()) return json_text(v);
  return std::nullopt;
}

namespace {

// Hands a reader's events to a Document but converts numbers itself: RapidJSON
// 1.1's own conversion is off by up to a few units in the last place, and its
// exact one (kParseFullPrecisionFlag) has undefined behaviour when every digit
// is zero ("0e300").
class ExactNumbers {
 public:
  ExactNumbers(rapidjson::Document& doc, bool strict_utf8) : doc_(doc), strict_utf8_(strict_utf8) {}

  bool out_of_range() const { return out_of_range_; }
  bool bad_utf8() const { return bad_utf8_; }

  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    const char* end = text + length;
    if (std::find_if(text, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == end) {
      // An integer, kept as one when it fits 64 bits (as RapidJSON does).
      if (*text == '-') {
        std::int64_t i = 0;
        if (std::from_chars(text, end, i).ec == std::errc()) return doc_.Int64(i);
      } else {
        std::uint64_t u = 0;
        if (std::from_chars(text, end, u).ec == std::errc()) return doc_.Uint64(u);
      }
    }
    double d = 0;
    const auto [ptr, ec] = std::from_chars(text, end, d);
    out_of_range_ = ec != std::errc() || ptr != end;
    return !out_of_range_ && doc_.Double(d);
  }

  // The reader sends every number to RawNumber (kParseNumbersAsStringsFlag); these complete the interface.
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return utf8(s, n) && doc_.String(s, n, copy); }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return utf8(s, n) && doc_.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType members) { return doc_.EndObject(members); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) { return doc_.EndArray(elements); }

 private:
  // RapidJSON 1.1 decodes an escaped lone surrogate ("\udc80") into bytes
  // that are not UTF-8; raw bytes are checked too, since it does not.
  bool utf8(const char* s, rapidjson::SizeType n) {
    if (strict_utf8_ && !is_valid_utf8(std::string_view(s, n))) bad_utf8_ = true;
    return !bad_utf8_;
  }

  rapidjson::Document& doc_;
  const bool strict_utf8_;
  bool out_of_range_ = false;
  bool bad_utf8_ = false;
};

}  // namespace

rapidjson::ParseResult parse_json(const std::string& text, rapidjson::Document& doc, bool* bad_utf8) {
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document& target) {
    rapidjson::MemoryStream bytes(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(bytes);
    ExactNumbers handler(target, bad_utf8 != nullptr);
    rapidjson::Reader reader;
    result = reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag>(in, handler);
    if (handler.out_of_range()) result.Set(rapidjson::kParseErrorNumberTooBig, result.Offset());
    if (bad_utf8 != nullptr) *bad_utf8 = handler.bad_utf8();
    return !result.IsError();
  };
  doc.Populate(generate);
  return result;
}

Status parse_object(const std::string& text, rapidjson::Document& doc) {
  bool bad_utf8 = false;
  const rapidjson::ParseResult parsed = parse_json(text, doc, &bad_utf8);
  if (bad_utf8) return Status::invalid_argument("request has a string that is not valid UTF-8");
  if (parsed.IsError()) {
    return Status::invalid_argument(std::string("malformed JSON at offset ") + std::to_string(parsed.Offset()) +
                                    ": " + rapidjson::GetParseError_En(parsed.Code()));
  }
  if (!doc.IsObject()) return Status::invalid_argument("request body must be a JSON object");
  return Status::ok();
}

Status read_string(const rapidjson::Value& v, const char* field, std::optional<std::string>& out) {
  if (v.IsNull()) return Status::ok();
  if (!v.IsString()) return Status::invalid_argument(std::string(field) + " must be a string");
  out = to_std_string(v);
  return Status::ok();
}

Status read_string(const rapidjson::Value& v, const char* field, std::string& out) {
  std::optional<std::string> s;
  Status st = read_string(v, field, s);
  if (st && s) out = *s;
  return st;
}

Status read_int(const rapidjson::Value& v, const char* field, std::optional<int>& out) {
  if (v.IsNull()) return Status::ok();
  if (!v.IsInt64()) return Status::invalid_argument(std::string(field) + " must be an integer");
  const auto n = v.GetInt64();
  if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) {
    return Status::invalid_argument(std::string(field) + " is out of range");
  }
  out = static_cast<int>(n);
  return Status::ok();
}

Status read_string_list(const rapidjson::Value& v, const char* field, std::vector<std::string>& out) {
  if (v.IsNull()) return Status::ok();
  if (!v.IsArray()) return Status::invalid_argument(std::string(field) + " must be a list of strings");
  out.clear();  // a repeated key: the last one wins, as for every other field
  for (const auto& item : v.GetArray()) {
    if (!item.IsString()) return Status::invalid_argument(std::string(field) + " must be a list of strings");
    out.push_back(to_std_string(item));
  }
  return Status::ok();
}

Status read_string_map(const rapidjson::Value& v, const char* field, std::map<std::string, std::string>& out) {
  if (v.IsNull()) return Status::ok();
  if (!v.IsObject()) return Status::invalid_argument(std::string(field) + " must be an object of strings");
  out.clear();
  for (const auto& m : v.GetObject()) {
    // Livy's clients send numbers and booleans for Spark properties too; Spark reads them as text.
    auto value = conf_value_text(m.value);
    if (!value) return Status::invalid_argument(std::string(field) + "." + to_std_string(m.name) + " must be a string");
    out[to_std_string(m.name)] = std::move(*value);
  }
  return Status::ok();
}

}  // namespace livy::wire
