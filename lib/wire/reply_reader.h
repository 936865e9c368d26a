// ReplyReader: reads the members of one JSON object of a server's reply,
// checking each value's type before reading it (RapidJSON asserts
// otherwise). Absent and null members leave the target untouched; members
// it is not asked about are ignored. The first problem is kept in a Status
// shared by the readers of one reply, so decoders read on and check once.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "livy/session.h"
#include "livy/status.h"

namespace livy::wire {

// Parses `body`; a reply that is not a JSON object is an error.
Status parse_reply_object(const std::string& body, rapidjson::Document& doc);

class ReplyReader {
 public:
  // `where` names the object in messages ("session", "statement.output").
  ReplyReader(const rapidjson::Value& object, std::string where, Status& status);

  // The member, or null when absent or JSON null.
  const rapidjson::Value* find(const char* key) const;
  // As find(), but absent or null is an error.
  const rapidjson::Value* require(const char* key);

  void read(const char* key, std::optional<std::string>& out);
  void read(const char* key, std::string& out);
  void read(const char* key, std::int64_t& out);
  void read(const char* key, double& out);
  void read(const char* key, std::vector<std::string>& out);
  // Values may be strings, numbers or booleans (kept as their text).
  void read(const char* key, std::map<std::string, std::string>& out);
  // An int where 0 means "unset", as Livy writes unset resources.
  void read_nonzero(const char* key, std::optional<int>& out);

  // A reader of the object `object`, member `key` of this one, sharing its Status.
  ReplyReader child(const char* key, const rapidjson::Value& object) const;

  // Records `problem` ("must be a string") about `key`, if nothing came first.
  void fail(const char* key, const std::string& problem);
  // Records a decoder's failure (its message names the member: "output.data must be an object").
  void fail(const Status& problem);

 private:
  const rapidjson::Value& object_;
  std::string where_;
  Status& status_;
};

// Reads the required state `key` as one of `states`, by the name to_string() gives it.
template <typename State, std::size_t N>
void read_state(ReplyReader& r, const char* key, const State (&states)[N], State& out) {
  const rapidjson::Value* v = r.require(key);
  if (v == nullptr) return;
  if (!v->IsString()) return r.fail(key, "must be a string");
  const std::string_view text(v->GetString(), v->GetStringLength());
  for (State s : states) {
    if (to_string(s) == text) {
      out = s;
      return;
    }
  }
  r.fail(key, "'" + std::string(text) + "' is not a known state");
}

// Reads a session kind; an alias ("python") is read as the kind it stands for.
void read_kind(ReplyReader& r, const char* key, std::optional<SessionKind>& out);

// Reads the required list of objects `key` with `read_item(value, where, status, item)`,
// naming items "key[i]".
template <typename T, typename ReadItem>
void read_items(ReplyReader& r, const char* key, std::vector<T>& out, ReadItem read_item, Status& st) {
  const rapidjson::Value* list = r.require(key);
  if (list == nullptr) return;
  if (!list->IsArray()) return r.fail(key, "must be a list of objects");
  for (const auto& item : list->GetArray()) {
    if (!item.IsObject()) return r.fail(key, "must be a list of objects");
    T value;
    read_item(item, std::string(key) + "[" + std::to_string(out.size()) + "]", st, value);
    if (!st) return;
    out.push_back(std::move(value));
  }
}

// Decodes `body` as one object with `read(value, status, out)`; the value or the first problem.
template <typename T, typename Read>
Result<T> decode_reply(const std::string& body, Read read) {
  rapidjson::Document doc;
  Status st = parse_reply_object(body, doc);
  if (!st) return st;
  T value{};
  read(doc, st, value);
  if (!st) return st;
  return value;
}

}  // namespace livy::wire
