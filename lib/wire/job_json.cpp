#include "wire/job_json.h"

#include "base/base64.h"
#include "wire/json_fields.h"
#include "wire/json_writer.h"
#include "wire/reply_reader.h"

namespace livy::wire {

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

std::string encode_job_request(const JobRequest& request) {
  JsonWriter w;
  w.start_object();
  w.string("job", base64_encode(request.job));
  w.string("jobType", to_string(request.type));
  w.end_object();
  return w.text();
}

std::string encode_resource_request(const std::string& uri) {
  JsonWriter w;
  w.start_object();
  w.string("uri", uri);
  w.end_object();
  return w.text();
}

std::string encode_job(const Job& job) {
  JsonWriter w;
  w.start_object();
  w.int64("id", job.id);
  w.string("state", to_string(job.state));
  w.string_or_null("result", job.result ? std::optional<std::string>(base64_encode(*job.result)) : std::nullopt);
  w.string_or_null("error", job.error);
  w.end_object();
  return w.text();
}

Result<Job> decode_job(const std::string& body) {
  static constexpr JobState kJobStates[] = {JobState::kSent,      JobState::kQueued, JobState::kStarted,
                                            JobState::kCancelled, JobState::kFailed, JobState::kSucceeded};
  return decode_reply<Job>(body, [](const rapidjson::Value& v, Status& st, Job& out) {
    ReplyReader r(v, "job", st);
    r.read("id", out.id);
    read_state(r, "state", kJobStates, out.state);
    std::optional<std::string> result;
    r.read("result", result);
    if (result) {
      out.result = base64_decode(*result);
      if (!out.result) r.fail("result", "must be base64");
    }
    r.read("error", out.error);
  });
}

}  // namespace livy::wire
