// The JSON wire form of livyd's objects, field for field as Livy writes them.
#pragma once

#include <string>

#include "livy/batch.h"
#include "livy/job.h"
#include "livy/session.h"

namespace livy::http {

std::string batch_json(const Batch& batch);
std::string batch_list_json(const Page<Batch>& page);  // {"from","total","sessions":[...]}
std::string state_json(std::int64_t id, std::string_view state);
std::string log_json(const LogPage& page);
std::string msg_json(std::string_view msg);
std::string version_json(const std::string& user);

std::string session_json(const Session& session);
std::string session_list_json(const Page<Session>& page);  // {"from","total","sessions":[...]}
std::string statement_json(const Statement& statement);
std::string statement_list_json(const Page<Statement>& page);  // {"total_statements","statements":[...]}
std::string completion_json(const std::vector<std::string>& candidates);
// Livy's JobStatus: exactly {"id","state","result","error"}; result is base64 of the job's result bytes.
std::string job_json(const Job& job);

}  // namespace livy::http
