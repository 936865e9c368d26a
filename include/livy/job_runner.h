// JobRunner: Livy's programmatic job API on interactive sessions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "livy/job.h"
#include "livy/ref.h"
#include "livy/status.h"
#include "livy/export.h"

namespace livy {

struct SessionCore;

// An upload in progress into a session's directory (from JobRunner::begin_upload).
// write() the bytes as they arrive, then finish() to add the file to the
// session. Destroying it without finish() deletes what was written.
class LIVY_API Upload {
 public:
  ~Upload();
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  // kTooLarge once more than sessions.max-upload-bytes arrived (the file is deleted).
  Status write(std::string_view data);
  // Puts the file in place and adds it to the session's Spark context.
  Status finish();

  struct LIVY_HIDDEN Impl;

 private:
  friend struct SessionCore;
  explicit Upload(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Runs jobs in sessions' drivers and adds files to their Spark contexts.
// Owned by a Runtime (Runtime::jobs()); thread-safe. Jobs share a session's
// one queue with its statements: one thing runs at a time, waiting jobs go
// before waiting statements, and a run_now job before the other jobs.
class LIVY_API JobRunner {
 public:
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Queues the job (also while the session is still starting); returns it `QUEUED`.
  Result<Job> submit(const Ref& session, const JobRequest& request);
  Result<Job> get(const Ref& session, std::int64_t job_id) const;
  // A queued job is cancelled at once; a started one once its driver has
  // cancelled its Spark job group and interrupted it. A final job is left as it is.
  Status cancel(const Ref& session, std::int64_t job_id);

  // Adds a file or URI to the session's Spark context. Local paths must be
  // in files.local-dir-whitelist. With the driver ready, returns once the
  // driver added it (so the next statement can use it); before, the file is
  // added when the driver comes up.
  Status add(const Ref& session, ResourceKind kind, const std::string& uri);
  // Starts storing an uploaded file named `file_name` (its directory part is
  // dropped) under the session's directory, to be added as by add().
  Result<std::unique_ptr<Upload>> begin_upload(const Ref& session, ResourceKind kind, const std::string& file_name);

 private:
  friend class Runtime;
  explicit JobRunner(std::shared_ptr<SessionCore> core);
  std::shared_ptr<SessionCore> core_;
};

}  // namespace livy
