// JSON form of requests, as Livy's clients send them (field names exactly Livy's).
#pragma once

#include <string>

#include "livy/batch.h"
#include "livy/status.h"

namespace livy::codec {

// Decodes a POST /batches body. Unknown fields and wrong types are
// invalid_argument naming the field.
Result<BatchRequest> decode_batch_request(const std::string& json);

// The same request as JSON (what the store keeps); decode_batch_request reads it back.
std::string encode_batch_request(const BatchRequest& request);

}  // namespace livy::codec
