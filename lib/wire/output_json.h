// JSON form of a statement's output, exactly Livy's object: one encoder and one
// decoder, for the driver's results, the store, livyd's replies and the client.
#pragma once

#include <cstddef>
#include <string>

#include "livy/session.h"
#include "livy/status.h"

namespace livy::wire {

// {"status":"ok","execution_count":N,"data":{mime: value}} or
// {"status":"error","execution_count":N,"ename","evalue","traceback":[...]}.
std::string encode_output(const StatementOutput& output);
// Strict about types: a member of the wrong type is invalid_argument naming it
// ("output.traceback must be a list of strings"); absent or null is "not given".
Result<StatementOutput> decode_output(const std::string& json);

// A JSON string literal's value ("\"2\"" -> "2"); other JSON text is returned as is.
std::string json_string_value(const std::string& json);
std::string json_string_literal(const std::string& text);

// Keeps an output under `limit` bytes of data: a value over the limit is
// replaced, text/plain by its truncated text with a note saying so.
void limit_output(StatementOutput& output, std::size_t limit);

}  // namespace livy::wire
