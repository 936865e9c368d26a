// The store's own form of batch and session requests: a small JSON object with
// livyd's field names and a record version, written and read only by lib/store.
// It is not Livy's REST body (lib/codec), so the wire format can change without
// touching what is on disk, and the other way round.
#pragma once

#include <string>

#include "livy/batch.h"
#include "livy/session.h"
#include "livy/status.h"

namespace livy::record {

// The version written in every record's "v". A reader refuses a higher one (a newer
// livyd's record) instead of guessing; version 1 is the first.
inline constexpr int kRequestRecordVersion = 1;

std::string encode_batch_request(const BatchRequest& request);
// kUnavailable naming the field when the text is not a record of a known version.
Result<BatchRequest> decode_batch_request(const std::string& text);

std::string encode_session_request(const SessionRequest& request);
Result<SessionRequest> decode_session_request(const std::string& text);

}  // namespace livy::record
