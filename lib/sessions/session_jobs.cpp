// The job API of sessions: jobs queued with the statements, their states and
// cancel, and what the driver reports about them. Files are in session_files.cpp.
#include <algorithm>

#include "model/id_or_name.h"
#include "sessions/session_core.h"

namespace livy {

namespace {

Status job_not_found(std::int64_t id) { return Status::not_found("Job '" + std::to_string(id) + "' not found."); }

}  // namespace

Result<Job> SessionCore::submit_job(std::string_view session, const JobRequest& request) {
  if (request.type == JobType::kSpark) {
    return Status::invalid_argument(
        "jobType 'spark' (a serialized Java job from Livy's Java client) is not supported by livyd: "
        "it needs Livy's Java job classes; livyd runs 'pyspark' jobs only");
  }
  if (request.job.empty()) return Status::invalid_argument("no job provided");
  if (request.job.size() > config_.statement_max_code_bytes) {
    return Status::too_large("the job is " + std::to_string(request.job.size()) + " bytes, over the limit of " +
                             std::to_string(config_.statement_max_code_bytes) + " (statements.max-code-bytes)");
  }
  const EntryPtr e = find(session);
  if (e == nullptr) return not_found(session);
  MutexLock lock(e->mu);
  if (Status turn = wait_for_store_turn(*e, lock, session); !turn) return turn;
  if (!accepts_work(e->rec)) return session_not_accepting(e->rec);
  if (e->rec.kind == SessionKind::kSpark || e->rec.kind == SessionKind::kSparkR) {
    return Status::invalid_argument("pyspark jobs run in sessions of kind pyspark, sql or shared, not " +
                                    std::string(to_string(*e->rec.kind)));
  }
  SessionJobs& q = e->jobs;
  SessionJobs::Entry job;
  job.job.id = static_cast<std::int64_t>(q.jobs.size());
  job.job.state = JobState::kQueued;
  job.type = request.type;
  job.payload = request.job;
  // In the store before the client hears of it, as a statement is (synced unless store.sync-statements
  // is off), and written without the session's lock, as a statement is.
  e->storing = true;
  lock.unlock();
  const Status stored = store_.insert_job(JobRecord{e->id, job.job, job.type, job.payload},
                                          config_.sync_statements ? Durability::kSynced : Durability::kWritten);
  lock.lock();
  e->storing = false;
  e->stored.notify_all();
  if (!stored) return stored;
  q.jobs.push_back(std::move(job));
  const std::int64_t id = q.jobs.back().job.id;
  e->last_activity_ms = e->last_heartbeat_ms = now_ms();
  if (!accepts_work(e->rec) || e->gone) {
    // The session ended while the job was written: it was accepted first, and is cancelled.
    Job& ended = q.jobs.back().job;
    ended.state = JobState::kCancelled;
    q.jobs.back().payload.clear();
    put_job(*e, ended);
  } else {
    if (request.run_now) {
      q.queue.push_front(id);
    } else {
      q.queue.push_back(id);
    }
    dispatch(*e);
  }
  return q.jobs[static_cast<std::size_t>(id)].job;
}

Result<Job> SessionCore::job(std::string_view session, std::int64_t id) {
  const EntryPtr e = lookup(session);
  if (e == nullptr) return not_found(session);
  MutexLock lock(e->mu);
  if (id < 0 || id >= static_cast<std::int64_t>(e->jobs.jobs.size())) return job_not_found(id);
  // Livy's client polls the job: that is activity, as a statement's is.
  e->last_activity_ms = e->last_heartbeat_ms = now_ms();
  return e->jobs.jobs[static_cast<std::size_t>(id)].job;
}

Status SessionCore::cancel_job(std::string_view session, std::int64_t id) {
  const EntryPtr e = find(session);
  if (e == nullptr) return not_found(session);
  MutexLock lock(e->mu);
  SessionJobs& q = e->jobs;
  if (id < 0 || id >= static_cast<std::int64_t>(q.jobs.size())) return job_not_found(id);
  Job& job = q.jobs[static_cast<std::size_t>(id)].job;
  if (is_final(job.state)) return Status::ok();
  if (q.running != id) {
    std::erase(q.queue, id);
    job.state = JobState::kCancelled;
    q.jobs[static_cast<std::size_t>(id)].payload.clear();
    put_job(*e, job);
  } else {
    q.cancelling = id;
    // Without a driver (livyd restarted, it has not reconnected yet) it goes after `ready`.
    if (e->driver) e->driver->send(job_cancel_message(id));
  }
  return Status::ok();
}

bool SessionCore::dispatch_job(Entry& e) {
  SessionJobs& q = e.jobs;
  if (q.queue.empty()) return false;
  SessionJobs::Entry& job = q.jobs[static_cast<std::size_t>(q.queue.front())];
  q.queue.pop_front();
  q.running = job.job.id;
  set_state(e, SessionState::kBusy);
  // A broken connection is seen by the channel's loop, whose on_closed ends the session.
  (void)e.driver->send(job_message(job.job.id, job.payload, job.type));
  job.payload.clear();
  job.payload.shrink_to_fit();
  return true;
}

void SessionCore::on_job_message(Entry& e, const DriverMessage& m) {
  using T = DriverMessage::Type;
  SessionJobs& q = e.jobs;
  if (m.type == T::kResourceAdded) {
    const auto it = q.replies.find(m.request_id);
    if (it != q.replies.end()) {
      it->second.done = true;
      it->second.error = m.job_error.value_or("");
      e.replies_changed.notify_all();
    } else if (m.job_error) {
      note(e, "a file added before the driver was ready could not be added: " + *m.job_error);
    }
    return;
  }
  if ((m.type != T::kJobStarted && m.type != T::kJobResult) || q.running != m.job_id) return;
  Job& job = q.jobs[static_cast<std::size_t>(m.job_id)].job;
  if (m.type == T::kJobStarted) {
    if (job.state == JobState::kQueued) {
      job.state = JobState::kStarted;
      put_job(e, job);
    }
    return;
  }
  if (m.cancelled) {
    job.state = JobState::kCancelled;
  } else if (m.job_error) {
    job.state = JobState::kFailed;
    job.error = m.job_error;
  } else if (m.job_result && m.job_result->size() > config_.statement_max_output_bytes) {
    job.state = JobState::kFailed;
    job.error = "the job's result is " + std::to_string(m.job_result->size()) + " bytes, over the limit of " +
                std::to_string(config_.statement_max_output_bytes) + " (statements.max-output-bytes)";
  } else {
    job.state = JobState::kSucceeded;
    job.result = m.job_result.value_or("");
  }
  put_job(e, job);
  q.running.reset();
  q.cancelling.reset();
  e.last_activity_ms = std::max(e.last_activity_ms, now_ms());
  set_state(e, SessionState::kIdle);
  dispatch(e);
}

void SessionCore::end_jobs(Entry& e, const std::string& reason) {
  SessionJobs& q = e.jobs;
  for (auto& entry : q.jobs) {
    if (is_final(entry.job.state)) continue;
    if (q.running == entry.job.id) {
      entry.job.state = JobState::kFailed;
      entry.job.error = "the session ended before the job finished: " + reason;
    } else {
      entry.job.state = JobState::kCancelled;
    }
    entry.payload.clear();
    put_job(e, entry.job);
  }
  q.queue.clear();
  q.running.reset();
  q.cancelling.reset();
  q.pending.clear();
  for (auto& [rid, reply] : q.replies) {
    if (!reply.done) reply = {true, "the session ended: " + reason};
  }
  e.replies_changed.notify_all();
}

void SessionCore::put_job(const Entry& e, const Job& job) {
  // Like a statement's later changes: written, not synced; a failure leaves memory authoritative.
  (void)store_.update_job(e.rec.id, job);
}

void SessionCore::load_jobs(Entry& e) {
  auto records = store_.load_jobs(e.rec.id);
  if (!records) {
    e.child->append_note("livyd could not read the session's jobs from the store: " + records.status().message());
    return;
  }
  for (auto& r : *records) {
    // Ids are positions: a gap (a row lost) is filled with a job that says so rather than shifting the rest.
    while (static_cast<std::int64_t>(e.jobs.jobs.size()) < r.job.id) {
      SessionJobs::Entry missing;
      missing.job.id = static_cast<std::int64_t>(e.jobs.jobs.size());
      missing.job.state = JobState::kFailed;
      missing.job.error = "livyd lost this job's record";
      e.jobs.jobs.push_back(std::move(missing));
    }
    if (r.job.id != static_cast<std::int64_t>(e.jobs.jobs.size())) continue;
    e.jobs.jobs.push_back({std::move(r.job), r.type, std::move(r.payload)});
  }
  // Until the driver says what it holds (resume_jobs), the started job counts as in flight and
  // the others wait, in id order: a session whose driver never returns ends them as end_jobs does.
  for (const auto& entry : e.jobs.jobs) {
    if (entry.job.state == JobState::kStarted) e.jobs.running = entry.job.id;
    if (entry.job.state == JobState::kQueued) e.jobs.queue.push_back(entry.job.id);
  }
}

void SessionCore::resume_jobs(Entry& e, const DriverMessage& hello) {
  SessionJobs& q = e.jobs;
  const auto unfinished = [&](std::optional<std::int64_t> id) REQUIRES(e.mu) {
    return id && *id < static_cast<std::int64_t>(q.jobs.size()) &&
           !is_final(q.jobs[static_cast<std::size_t>(*id)].job.state);
  };
  // As for statements: one thing at a time, so the job livyd has no result for is the one the driver
  // runs (or has queued), or the one whose job-result it replays after `ready`.
  std::optional<std::int64_t> in_driver;
  if (hello.resume && unfinished(hello.resume_running_job)) {
    in_driver = hello.resume_running_job;
  } else if (hello.resume && unfinished(hello.resume_last_job)) {
    in_driver = hello.resume_last_job;
  }
  q.running.reset();
  q.queue.clear();
  for (auto& entry : q.jobs) {
    Job& job = entry.job;
    if (is_final(job.state)) continue;
    if (job.id == in_driver) {
      q.running = job.id;
      if (job.state == JobState::kQueued) {
        job.state = JobState::kStarted;
        put_job(e, job);
      }
    } else if (job.state == JobState::kStarted || entry.payload.empty()) {
      // It reached the driver, which now knows nothing of it: its result is lost. Running it
      // again could repeat what it did, so it fails and says why.
      job.state = JobState::kFailed;
      job.error = hello.resume && !hello.resume_jobs
                      ? "livyd restarted while the job ran, and this driver does not report jobs when it "
                        "reconnects: its result is lost"
                      : "livyd restarted while the job ran, and the driver reconnected without it or its result";
      entry.payload.clear();
      put_job(e, job);
    } else {
      // Never reached the driver (not sent, or its `job` message was lost with the connection): it goes again.
      q.queue.push_back(job.id);
    }
  }
  if (q.cancelling != q.running) q.cancelling.reset();
}

}  // namespace livy
