// JSON form of the job API's requests, as Livy's clients send them.
#pragma once

#include <string>

#include "livy/job.h"
#include "livy/status.h"

namespace livy::codec {

// POST /sessions/{id}/submit-job and run-job: {"job": "<base64>", "jobType": "pyspark"}.
// `job` is decoded from base64; a missing jobType is Livy's reading of a Java job (kSpark).
Result<JobRequest> decode_job_request(const std::string& json);

// POST /sessions/{id}/add-jar, add-pyfile, add-file: {"uri": "..."}; returns the uri.
Result<std::string> decode_resource_request(const std::string& json);

}  // namespace livy::codec
