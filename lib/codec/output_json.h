// JSON form of a statement's output, exactly Livy's object.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>

#include "livy/session.h"
#include "livy/status.h"

namespace livy::codec {

std::string encode_output(const StatementOutput& output);
Result<StatementOutput> decode_output(const std::string& json);
Result<StatementOutput> decode_output(const rapidjson::Value& value);

// A JSON string literal's value ("\"2\"" -> "2"); other JSON text is returned as is.
std::string json_string_value(const std::string& json);
std::string json_string_literal(const std::string& text);

// Keeps an output under `limit` bytes of data: a value over the limit is
// replaced, text/plain by its truncated text with a note saying so.
void limit_output(StatementOutput& output, std::size_t limit);

}  // namespace livy::codec
