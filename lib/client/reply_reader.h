// ReplyReader: reads the members of one JSON object of a server's reply,
// checking each value's type before reading it (RapidJSON asserts
// otherwise). Absent and null members leave the target untouched; members
// it is not asked about are ignored. The first problem is kept in a Status
// shared by the readers of one reply, so decoders read on and check once.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "livy/status.h"

namespace livy::client {

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

 private:
  const rapidjson::Value& object_;
  std::string where_;
  Status& status_;
};

std::string json_text(const rapidjson::Value& v);  // `v` written back as compact JSON
std::string to_std_string(const rapidjson::Value& v);  // `v` must be a string

}  // namespace livy::client
