// JSON form of the REST replies about batches and sessions, field for field
// as Livy writes them: one encoder (livyd's routes) and one decoder
// (livy::Client) for each. The decoders are strict about the types of the
// fields they know (a mistyped one is `internal`, naming it) and silent about
// fields they do not know: real Livy servers add some.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "livy/batch.h"
#include "livy/client.h"
#include "livy/session.h"
#include "livy/status.h"

namespace livy::wire {

// GET /version.
std::string encode_version(const ServerVersion& version);
Result<ServerVersion> decode_version(const std::string& body);

// `detailed` (GET ?detailed=true) adds livyd's one extra member "detailed" (detail_json.h);
// without it an object has Livy's fields only. The decoders read "detailed" when it is there.

// A Batch; a page of them is {"from","total","sessions":[...]} (sic: Livy lists batches as "sessions").
std::string encode_batch(const Batch& batch, bool detailed = false);
Result<Batch> decode_batch(const std::string& body);
std::string encode_batch_page(const Page<Batch>& page, bool detailed = false);
Result<Page<Batch>> decode_batch_page(const std::string& body);

// A Session: its request's resources and timeouts are top-level fields, unset
// strings null and unset ints 0 (so 0 reads back as unset); an unset kind is "shared".
std::string encode_session(const Session& session, bool detailed = false);
Result<Session> decode_session(const std::string& body);
std::string encode_session_page(const Page<Session>& page, bool detailed = false);
Result<Page<Session>> decode_session_page(const std::string& body);

// GET /sessions/{id}/state and /batches/{id}/state: {"id","state"}.
std::string encode_state(std::int64_t id, std::string_view state);
Result<SessionState> decode_session_state(const std::string& body);
Result<BatchState> decode_batch_state(const std::string& body);

// GET .../log: {"id","from","total","log":[lines]}.
std::string encode_log(const LogPage& page);
Result<LogPage> decode_log(const std::string& body);

// An error, and the messages of DELETE and cancel: {"msg": "..."}.
std::string encode_message(std::string_view msg);
// The text of an error reply: Livy's {"msg": "..."} or a bare JSON string
// (Livy writes both); nullopt for anything else.
std::optional<std::string> decode_message(const std::string& body);

}  // namespace livy::wire
