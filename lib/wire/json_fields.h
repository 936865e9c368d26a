// Strict reading of JSON objects into plain structs: each field checked for
// its type before it is read (RapidJSON asserts otherwise), unknown fields
// rejected. Requests are read with these; replies with ReplyReader.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "livy/status.h"

namespace livy::wire {

// Parses `text` into `doc` as livyd reads request bodies, driver lines and outputs:
// iteratively (deep nesting costs heap, never the stack) and with numbers
// converted exactly, so that a number passed on (a driver's 0.30000000000000004,
// a conf value) is written back as the same number. A number past double's range
// is an error (RapidJSON's "number too big").
// With `bad_utf8`, a string or key that is not UTF-8 stops the parse and sets it.
rapidjson::ParseResult parse_json(const std::string& text, rapidjson::Document& doc, bool* bad_utf8 = nullptr);

// Parses `text` as a JSON object; a clear 400 message otherwise.
Status parse_object(const std::string& text, rapidjson::Document& doc);

// Readers for one member `v` named `field`. JSON null means "not given".
Status read_string(const rapidjson::Value& v, const char* field, std::optional<std::string>& out);
Status read_string(const rapidjson::Value& v, const char* field, std::string& out);
Status read_int(const rapidjson::Value& v, const char* field, std::optional<int>& out);
Status read_string_list(const rapidjson::Value& v, const char* field, std::vector<std::string>& out);
Status read_string_map(const rapidjson::Value& v, const char* field, std::map<std::string, std::string>& out);

std::string to_std_string(const rapidjson::Value& v);  // `v` must be a string
std::string json_text(const rapidjson::Value& v);      // `v` written back as compact JSON

// A Spark property's value as Spark reads it: a string as is, a number or a
// boolean as its JSON text ("0.5", "true"); nullopt for anything else.
std::optional<std::string> conf_value_text(const rapidjson::Value& v);

}  // namespace livy::wire
