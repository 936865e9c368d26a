// The names of the job API's types (livy/job.h).
#include "livy/job.h"

namespace livy {

std::string_view to_string(JobType type) { return type == JobType::kSpark ? "spark" : "pyspark"; }

std::string_view to_string(JobState state) {
  switch (state) {
    case JobState::kSent: return "SENT";
    case JobState::kQueued: return "QUEUED";
    case JobState::kStarted: return "STARTED";
    case JobState::kCancelled: return "CANCELLED";
    case JobState::kFailed: return "FAILED";
    case JobState::kSucceeded: return "SUCCEEDED";
  }
  return "FAILED";
}

bool is_final(JobState state) {
  return state == JobState::kCancelled || state == JobState::kFailed || state == JobState::kSucceeded;
}

std::string_view to_string(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kJar: return "jar";
    case ResourceKind::kPyFile: return "pyfile";
    case ResourceKind::kFile: return "file";
  }
  return "file";
}

}  // namespace livy
