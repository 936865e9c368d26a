// Decoding of the JSON replies of a Livy server into the plain types of
// livy/batch.h and livy/session.h. Strict about the types of the fields it
// knows (a mistyped one is `internal`, naming it), silent about fields it does
// not know: real Livy servers add some.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "livy/batch.h"
#include "livy/client.h"
#include "livy/job.h"
#include "livy/session.h"
#include "livy/status.h"

namespace livy::client {

Result<ServerVersion> decode_version(const std::string& body);

Result<Batch> decode_batch(const std::string& body);
Result<Page<Batch>> decode_batch_page(const std::string& body);  // {"from","total","sessions"}

Result<Session> decode_session(const std::string& body);
Result<Page<Session>> decode_session_page(const std::string& body);
Result<SessionState> decode_session_state(const std::string& body);  // {"id","state"}

Result<LogPage> decode_log(const std::string& body);  // {"id","from","total","log"}

Result<Statement> decode_statement(const std::string& body);
// {"total_statements","statements"}; Livy does not echo `from`, so it is given.
Result<Page<Statement>> decode_statement_page(const std::string& body, std::int64_t from);

Result<std::vector<std::string>> decode_candidates(const std::string& body);  // {"candidates"}

Result<Job> decode_job(const std::string& body);  // {"id","state","result" (base64),"error"}

}  // namespace livy::client
