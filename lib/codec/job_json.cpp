#include "codec/job_json.h"

#include "codec/json_fields.h"
#include "base/base64.h"

namespace livy::codec {

Result<JobRequest> decode_job_request(const std::string& json) {
  rapidjson::Document doc;
  Status st = parse_object(json, doc);
  if (!st) return st;
  JobRequest req;
  std::optional<std::string> job, type;
  for (const auto& m : doc.GetObject()) {
    const std::string name = to_std_string(m.name);
    if (name == "job") {
      st = read_string(m.value, "job", job);
    } else if (name == "jobType") {
      st = read_string(m.value, "jobType", type);
    } else {
      return Status::invalid_argument("unknown field '" + name + "'");
    }
    if (!st) return st;
  }
  if (!job || job->empty()) return Status::invalid_argument("no job provided: job is required");
  auto bytes = base64_decode(*job);
  if (!bytes) return Status::invalid_argument("job is not valid base64");
  req.job = std::move(*bytes);
  if (!type || *type == "spark") {
    req.type = JobType::kSpark;
  } else if (*type == "pyspark") {
    req.type = JobType::kPySpark;
  } else {
    return Status::invalid_argument("jobType must be \"pyspark\" or \"spark\", not \"" + *type + "\"");
  }
  return req;
}

Result<std::string> decode_resource_request(const std::string& json) {
  rapidjson::Document doc;
  Status st = parse_object(json, doc);
  if (!st) return st;
  std::optional<std::string> uri;
  for (const auto& m : doc.GetObject()) {
    const std::string name = to_std_string(m.name);
    if (name != "uri") return Status::invalid_argument("unknown field '" + name + "'");
    st = read_string(m.value, "uri", uri);
    if (!st) return st;
  }
  if (!uri || uri->empty()) return Status::invalid_argument("uri is required");
  return *uri;
}

}  // namespace livy::codec
