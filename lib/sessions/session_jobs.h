// What SessionCore keeps per session for the job API: jobs, their queue, and
// the files being added to the session's Spark context.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "livy/job.h"
#include "store/store.h"

namespace livy {

struct SessionJobs {
  struct Entry {
    Job job;
    JobType type = JobType::kPySpark;
    // The job's bytes; dropped once sent to the driver. The store keeps them until the job is
    // final, so a job livyd sent but its driver never received goes again after a restart.
    std::string payload;
  };
  struct Resource {
    ResourceKind kind = ResourceKind::kFile;
    std::string uri;
  };
  struct Reply {
    bool done = false;
    std::string error;  // empty: added
  };

  std::vector<Entry> jobs;                    // index = job id
  std::deque<std::int64_t> queue;             // queued job ids, in the order they will be sent
  std::optional<std::int64_t> running;        // sent to the driver, no result yet
  std::optional<std::int64_t> cancelling;     // `running`, cancelled by a client: job-cancel again after a reconnect
  std::vector<Resource> pending;              // added before the driver was ready; sent at `ready`
  std::map<std::int64_t, Reply> replies;      // add-resource requests awaiting an answer, by request id
  std::set<std::string> upload_names;         // file names uploaded to the session, or being uploaded
};

// Whether a session takes new jobs, statements and files, and the refusal when it does not.
inline bool accepts_work(const SessionRecord& rec) {
  return !is_final(rec.state) && rec.state != SessionState::kShuttingDown;
}
inline Status session_not_accepting(const SessionRecord& rec) {
  return Status::invalid_argument("Session is in state " + std::string(to_string(rec.state)));
}

}  // namespace livy
