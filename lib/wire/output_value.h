// The statement output as a part of larger objects (a driver's result, a
// Statement reply): for the encoders and decoders of lib/wire only.
#pragma once

#include <rapidjson/document.h>

#include "livy/session.h"
#include "livy/status.h"
#include "wire/json_writer.h"

namespace livy::wire {

void write_output(JsonWriter& w, const StatementOutput& output);
Result<StatementOutput> decode_output(const rapidjson::Value& value);

}  // namespace livy::wire
