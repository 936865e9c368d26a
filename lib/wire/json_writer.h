// JsonWriter: writes one compact JSON value, members in the order they are
// added. Every encoder of lib/wire writes through it, so that a string, an
// optional or a list looks the same in every object livyd writes.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livy::wire {

class JsonWriter {
 public:
  JsonWriter() : w_(buf_) {}

  void start_object() { w_.StartObject(); }
  void end_object() { w_.EndObject(); }
  void start_array() { w_.StartArray(); }
  void end_array() { w_.EndArray(); }
  void key(std::string_view k) { w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }

  void string(std::string_view s) { w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
  void int64(std::int64_t n) { w_.Int64(n); }
  void number(double d) { w_.Double(d); }
  void boolean(bool b) { w_.Bool(b); }
  void null() { w_.Null(); }
  // `json` is already JSON text (a statement output, a MIME value): written as is.
  void raw(std::string_view json) { w_.RawValue(json.data(), json.size(), rapidjson::kObjectType); }

  // Members. The `_or_null` forms write JSON null for an unset value (Livy's
  // replies); the `_if_set` forms leave the member out (requests, so a server
  // applies its own default).
  void string(std::string_view k, std::string_view v) {
    key(k);
    string(v);
  }
  void int64(std::string_view k, std::int64_t v) {
    key(k);
    int64(v);
  }
  void string_or_null(std::string_view k, const std::optional<std::string>& v) {
    key(k);
    if (v) string(*v);
    else null();
  }
  void string_if_set(std::string_view k, const std::optional<std::string>& v) {
    if (v) string(k, *v);
  }
  void int_if_set(std::string_view k, const std::optional<int>& v) {
    if (v) int64(k, *v);
  }
  void strings(std::string_view k, const std::vector<std::string>& items) {
    key(k);
    start_array();
    for (const auto& s : items) string(s);
    end_array();
  }
  void strings_if_any(std::string_view k, const std::vector<std::string>& items) {
    if (!items.empty()) strings(k, items);
  }
  void string_map(std::string_view k, const std::map<std::string, std::string>& items) {
    key(k);
    start_object();
    for (const auto& [name, value] : items) string(name, value);
    end_object();
  }
  void string_map_if_any(std::string_view k, const std::map<std::string, std::string>& items) {
    if (!items.empty()) string_map(k, items);
  }

  std::string text() const { return std::string(buf_.GetString(), buf_.GetSize()); }

 private:
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

}  // namespace livy::wire
