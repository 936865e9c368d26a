// JSON form of the REST requests, as Livy's clients send them (field names
// exactly Livy's): one encoder (livy::Client's bodies) and one decoder
// (livyd's routes) for each. Encoders leave unset fields out, so that a server
// applies its own defaults; decoders reject unknown fields and wrong types
// with invalid_argument naming the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "livy/batch.h"
#include "livy/session.h"
#include "livy/status.h"

namespace livy::wire {

// POST /batches.
Result<BatchRequest> decode_batch_request(const std::string& json);
std::string encode_batch_request(const BatchRequest& request);

// POST /sessions. Kind aliases (python, scala, r) are accepted; ttl and
// idleTimeout are duration strings ("10m").
Result<SessionRequest> decode_session_request(const std::string& json);
std::string encode_session_request(const SessionRequest& request);

// POST /sessions/{id}/statements: {"code", "kind"}.
Result<StatementRequest> decode_statement_request(const std::string& json);
std::string encode_statement_request(const StatementRequest& request);

// POST /sessions/{id}/completion: {"code", "kind", "cursor"}.
struct CompletionRequest {
  std::string code;
  std::optional<SessionKind> kind;
  std::int64_t cursor = 0;  // a byte offset into code; a request without one means the end of code

  bool operator==(const CompletionRequest&) const = default;
};
Result<CompletionRequest> decode_completion_request(const std::string& json);
std::string encode_completion_request(const CompletionRequest& request);

}  // namespace livy::wire
