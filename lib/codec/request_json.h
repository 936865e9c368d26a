// JSON form of requests, as Livy's clients send them (field names exactly Livy's).
#pragma once

#include <string>

#include "livy/batch.h"
#include "livy/session.h"
#include "livy/status.h"

namespace livy::codec {

// Decodes a POST /batches body. Unknown fields and wrong types are
// invalid_argument naming the field.
Result<BatchRequest> decode_batch_request(const std::string& json);

// The same request as JSON (what the store keeps); decode_batch_request reads it back.
std::string encode_batch_request(const BatchRequest& request);

// POST /sessions body. Kind aliases (python, scala, r) are accepted; ttl and
// idleTimeout are duration strings ("10m").
Result<SessionRequest> decode_session_request(const std::string& json);
std::string encode_session_request(const SessionRequest& request);

// POST /sessions/{id}/statements body: {"code", "kind"}.
Result<StatementRequest> decode_statement_request(const std::string& json);

// POST /sessions/{id}/completion body: {"code", "kind", "cursor"}.
struct CompletionRequest {
  std::string code;
  std::optional<SessionKind> kind;
  std::int64_t cursor = 0;
};
Result<CompletionRequest> decode_completion_request(const std::string& json);

}  // namespace livy::codec
