// The JSON bodies livy::Client sends, with Livy's field names. Unset
// optional fields are left out, so a server applies its own defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "livy/batch.h"
#include "livy/job.h"
#include "livy/session.h"

namespace livy::client {

std::string encode_batch_request(const BatchRequest& request);
std::string encode_session_request(const SessionRequest& request);
std::string encode_statement_request(const StatementRequest& request);
std::string encode_job_request(const JobRequest& request);  // {"job": base64, "jobType"}
std::string encode_resource_request(const std::string& uri);  // {"uri"}
std::string encode_completion_request(const std::string& code, std::optional<SessionKind> kind,
                                      std::int64_t cursor);

}  // namespace livy::client
