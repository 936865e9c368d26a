// JobRunner, the job API's public face of SessionCore.
#include "livy/job_runner.h"

#include "sessions/session_core.h"

namespace livy {

JobRunner::JobRunner(std::shared_ptr<SessionCore> core) : core_(std::move(core)) {}
JobRunner::~JobRunner() = default;

Result<Job> JobRunner::submit(const Ref& session, const JobRequest& request) {
  return core_->submit_job(session.text(), request);
}
Result<Job> JobRunner::get(const Ref& session, std::int64_t job_id) const { return core_->job(session.text(), job_id); }
Status JobRunner::cancel(const Ref& session, std::int64_t job_id) { return core_->cancel_job(session.text(), job_id); }
Status JobRunner::add(const Ref& session, ResourceKind kind, const std::string& uri) {
  return core_->add_resource(session.text(), kind, uri);
}
Result<std::unique_ptr<Upload>> JobRunner::begin_upload(const Ref& session, ResourceKind kind,
                                                        const std::string& file_name) {
  return core_->begin_upload(core_, session.text(), kind, file_name);
}

}  // namespace livy
