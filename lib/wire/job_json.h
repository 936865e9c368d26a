// JSON form of the job API's requests and replies, as Livy's clients send and
// read them: one encoder and one decoder for each.
#pragma once

#include <string>

#include "livy/job.h"
#include "livy/status.h"

namespace livy::wire {

// POST /sessions/{id}/submit-job and run-job: {"job": "<base64>", "jobType": "pyspark"}.
// `job` travels in base64; a missing jobType is Livy's reading of a Java job (kSpark).
// run_now is the endpoint, not the body: it does not travel.
Result<JobRequest> decode_job_request(const std::string& json);
std::string encode_job_request(const JobRequest& request);

// POST /sessions/{id}/add-jar, add-pyfile, add-file: {"uri": "..."}.
Result<std::string> decode_resource_request(const std::string& json);
std::string encode_resource_request(const std::string& uri);

// Livy's JobStatus: exactly {"id","state","result","error"}; `result` is base64
// of the job's result bytes.
std::string encode_job(const Job& job);
Result<Job> decode_job(const std::string& body);

}  // namespace livy::wire
