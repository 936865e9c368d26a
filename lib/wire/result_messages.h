// The driver messages that carry a statement's whole result (result-begin, result-rows,
// result-end; docs/driver-protocol.md, "Whole results"): their fields, for
// driver_messages.cpp's decoder and encoder; and the column list, which the result's
// files (meta.json) and pages write in the same form.
#pragma once

#include <rapidjson/document.h>

#include <vector>

#include "livy/status.h"
#include "wire/driver_messages.h"
#include "wire/json_writer.h"

namespace livy::wire {

// Fills m's result fields from `doc`, a result-* message whose type is already in m.type.
// A message without an integer id, or with a field of the wrong shape, is invalid_argument.
Status decode_result_fields(const rapidjson::Value& doc, DriverMessage& m);
void write_result_fields(JsonWriter& w, const DriverMessage& m);
// "columns": [{"name", "type", "sourceType"}, ...]
void write_result_columns(JsonWriter& w, const std::vector<ResultColumn>& columns);

}  // namespace livy::wire
