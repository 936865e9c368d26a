// The job API of sessions: jobs queued with the statements, cancel, files added
// to the Spark context (by URI or uploaded), and what the driver reports about them.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>

#include "core/id_or_name.h"
#include "core/request_validation.h"
#include "core/session_core.h"

namespace livy {

namespace fs = std::filesystem;

namespace {

// How long add() waits for a ready driver to confirm that it added a file.
constexpr auto kAddTimeout = std::chrono::seconds(30);
constexpr std::size_t kMaxUriBytes = 64 * 1024;

Status job_not_found(std::int64_t id) { return Status::not_found("Job '" + std::to_string(id) + "' not found."); }

Status session_not_accepting(const SessionRecord& rec) {
  return Status::invalid_argument("Session is in state " + std::string(to_string(rec.state)));
}

bool accepts_work(const SessionRecord& rec) {
  return !is_final(rec.state) && rec.state != SessionState::kShuttingDown;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The name an uploaded file is stored under: the client's file name without
// its directory. Python's requests may send a non-ASCII name as RFC 5987's
// utf-8''%XX..., as Livy notes; that form is decoded.
Result<std::string> upload_name(std::string given) {
  constexpr std::string_view kUtf8Tag = "utf-8''";
  if (given.size() > kUtf8Tag.size() && std::equal(kUtf8Tag.begin(), kUtf8Tag.end(), given.begin(),
                                                    [](char a, char b) { return a == std::tolower(b); })) {
    std::string decoded;
    for (std::size_t i = kUtf8Tag.size(); i < given.size(); ++i) {
      if (given[i] == '%' && i + 2 < given.size() && hex_value(given[i + 1]) >= 0 && hex_value(given[i + 2]) >= 0) {
        decoded += static_cast<char>(hex_value(given[i + 1]) * 16 + hex_value(given[i + 2]));
        i += 2;
      } else {
        decoded += given[i];
      }
    }
    given = std::move(decoded);
  }
  if (const auto slash = given.find_last_of("/\\"); slash != std::string::npos) given.erase(0, slash + 1);
  if (given.empty() || given == "." || given == "..") {
    return Status::invalid_argument("the uploaded file has no usable file name");
  }
  if (given.size() > 255) return Status::invalid_argument("the uploaded file's name is longer than 255 bytes");
  for (const char c : given) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::invalid_argument("the uploaded file's name contains control characters");
    }
  }
  return given;
}

}  // namespace

// ---------------------------------------------------------------- jobs

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
  std::lock_guard lock(mu_);
  Entry* e = find(session);
  if (e == nullptr) return not_found(session);
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
  q.jobs.push_back(std::move(job));
  const std::int64_t id = q.jobs.back().job.id;
  if (request.run_now) {
    q.queue.push_front(id);
  } else {
    q.queue.push_back(id);
  }
  e->last_activity_ms = e->last_heartbeat_ms = now_ms();
  dispatch(*e);
  changed_.notify_all();
  return q.jobs[static_cast<std::size_t>(id)].job;
}

Result<Job> SessionCore::job(std::string_view session, std::int64_t id) {
  std::lock_guard lock(mu_);
  Entry* e = find(session);
  if (e == nullptr) return not_found(session);
  if (id < 0 || id >= static_cast<std::int64_t>(e->jobs.jobs.size())) return job_not_found(id);
  // Livy's client polls the job: that is activity, as a statement's is.
  e->last_activity_ms = e->last_heartbeat_ms = now_ms();
  return e->jobs.jobs[static_cast<std::size_t>(id)].job;
}

Status SessionCore::cancel_job(std::string_view session, std::int64_t id) {
  std::lock_guard lock(mu_);
  Entry* e = find(session);
  if (e == nullptr) return not_found(session);
  SessionJobs& q = e->jobs;
  if (id < 0 || id >= static_cast<std::int64_t>(q.jobs.size())) return job_not_found(id);
  Job& job = q.jobs[static_cast<std::size_t>(id)].job;
  if (is_final(job.state)) return Status::ok();
  if (q.running != id) {
    std::erase(q.queue, id);
    job.state = JobState::kCancelled;
    q.jobs[static_cast<std::size_t>(id)].payload.clear();
  } else if (e->driver) {
    e->driver->send(job_cancel_message(id));
  }
  changed_.notify_all();
  return Status::ok();
}

bool SessionCore::dispatch_job(Entry& e) {
  SessionJobs& q = e.jobs;
  if (q.queue.empty()) return false;
  SessionJobs::Entry& job = q.jobs[static_cast<std::size_t>(q.queue.front())];
  q.queue.pop_front();
  q.running = job.job.id;
  set_state(e, SessionState::kBusy);
  // A broken connection is seen by the reader thread, which ends the session.
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
      changed_.notify_all();
    } else if (m.job_error) {
      e.child->append_note("a file added before the driver was ready could not be added: " + *m.job_error);
    }
    return;
  }
  if ((m.type != T::kJobStarted && m.type != T::kJobResult) || q.running != m.job_id) return;
  Job& job = q.jobs[static_cast<std::size_t>(m.job_id)].job;
  if (m.type == T::kJobStarted) {
    if (job.state == JobState::kQueued) job.state = JobState::kStarted;
    changed_.notify_all();
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
  q.running.reset();
  e.last_activity_ms = std::max(e.last_activity_ms, now_ms());
  set_state(e, SessionState::kIdle);
  dispatch(e);
  changed_.notify_all();
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
  }
  q.queue.clear();
  q.running.reset();
  q.pending.clear();
  for (auto& [rid, reply] : q.replies) {
    if (!reply.done) reply = {true, "the session ended: " + reason};
  }
  changed_.notify_all();
}

// ---------------------------------------------------------------- files

void SessionCore::send_pending_resources(Entry& e) {
  for (const auto& r : e.jobs.pending) e.driver->send(add_resource_message(next_request_id_++, r.kind, r.uri));
  e.jobs.pending.clear();
}

Status SessionCore::add_to_driver(std::unique_lock<std::mutex>& lock, std::int64_t session_id, ResourceKind kind,
                                  const std::string& uri) {
  const auto it = entries_.find(session_id);
  if (it == entries_.end()) return not_found(std::to_string(session_id));
  Entry& e = it->second;
  if (!accepts_work(e.rec)) return session_not_accepting(e.rec);
  if (!e.ready || !e.driver) {
    // Sent with `ready`, before any statement or job: the first one can use it.
    e.jobs.pending.push_back({kind, uri});
    return Status::ok();
  }
  const std::int64_t rid = next_request_id_++;
  e.jobs.replies[rid];
  e.driver->send(add_resource_message(rid, kind, uri));
  e.last_activity_ms = e.last_heartbeat_ms = now_ms();
  const auto deadline = std::chrono::steady_clock::now() + kAddTimeout;
  for (;;) {
    const auto found = entries_.find(session_id);
    if (found == entries_.end()) return not_found(std::to_string(session_id));
    auto reply = found->second.jobs.replies.find(rid);
    const bool timed_out = !reply->second.done &&
                           (stopping_ || changed_.wait_until(lock, deadline) == std::cv_status::timeout);
    reply = found->second.jobs.replies.find(rid);
    if (reply->second.done || timed_out) {
      const SessionJobs::Reply answer = reply->second;
      found->second.jobs.replies.erase(reply);
      if (!answer.done) {
        return Status::unavailable("the driver did not confirm adding the file within " +
                                   std::to_string(kAddTimeout.count()) + " s");
      }
      if (!answer.error.empty()) return Status::invalid_argument("the driver could not add the file: " + answer.error);
      return Status::ok();
    }
  }
}

Status SessionCore::add_resource(std::string_view session, ResourceKind kind, const std::string& uri) {
  if (uri.empty()) return Status::invalid_argument("uri is required");
  if (uri.size() > kMaxUriBytes) return Status::invalid_argument("uri is too long");
  if (uri.find('\0') != std::string::npos) return Status::invalid_argument("uri contains a NUL character");
  Status st = check_local_path("uri", uri, config_.local_dir_whitelist);
  if (!st) return st;
  std::unique_lock lock(mu_);
  Entry* e = find(session);
  if (e == nullptr) return not_found(session);
  return add_to_driver(lock, e->rec.id, kind, uri);
}

struct Upload::Impl {
  std::shared_ptr<SessionCore> core;
  std::int64_t session_id = 0;
  ResourceKind kind = ResourceKind::kFile;
  std::string name;       // the file's name in the session's uploads/ directory
  std::string part_path;  // where the bytes go until finish()
  std::size_t limit = 0;
  std::size_t written = 0;
  int fd = -1;
  bool done = false;      // finished, or failed and cleaned up

  void abandon() {
    if (done) return;
    done = true;
    if (fd >= 0) ::close(fd);
    fd = -1;
    std::error_code ec;
    fs::remove(part_path, ec);
    core->release_upload(session_id, name);
  }
};

Upload::Upload(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Upload::~Upload() { impl_->abandon(); }

Status Upload::write(std::string_view data) {
  Impl& u = *impl_;
  if (u.done) return Status::invalid_argument("the upload is over");
  if (data.size() > u.limit - u.written) {
    u.abandon();
    return Status::too_large("the uploaded file is larger than " + std::to_string(u.limit) +
                             " bytes (sessions.max-upload-bytes)");
  }
  while (!data.empty()) {
    const ssize_t n = ::write(u.fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      u.abandon();
      return Status::unavailable("the uploaded file could not be stored");
    }
    data.remove_prefix(static_cast<std::size_t>(n));
    u.written += static_cast<std::size_t>(n);
  }
  return Status::ok();
}

Status Upload::finish() {
  Impl& u = *impl_;
  if (u.done) return Status::invalid_argument("the upload is over");
  const bool closed = ::close(u.fd) == 0;
  u.fd = -1;
  if (!closed) {
    u.abandon();
    return Status::unavailable("the uploaded file could not be stored");
  }
  Status st = u.core->finish_upload(u.session_id, u.kind, u.name, u.part_path);
  if (st) {
    u.done = true;  // the file stays, and so does its name
  } else {
    u.abandon();
  }
  return st;
}

Result<std::unique_ptr<Upload>> SessionCore::begin_upload(const std::shared_ptr<SessionCore>& self,
                                                          std::string_view session, ResourceKind kind,
                                                          const std::string& file_name) {
  auto name = upload_name(file_name);
  if (!name) return name.status();
  static std::atomic<std::uint64_t> counter{0};
  auto impl = std::make_unique<Upload::Impl>();
  {
    std::lock_guard lock(mu_);
    Entry* e = find(session);
    if (e == nullptr) return not_found(session);
    if (!accepts_work(e->rec)) return session_not_accepting(e->rec);
    if (!e->jobs.upload_names.insert(*name).second) {
      return Status::conflict("a file named '" + *name + "' was already uploaded to this session");
    }
    const fs::path dir = fs::path(e->rec.log_path).parent_path();
    impl->session_id = e->rec.id;
    impl->part_path = (dir / ("upload-" + std::to_string(counter++) + ".part")).string();
  }
  impl->core = self;
  impl->kind = kind;
  impl->name = *name;
  impl->limit = config_.upload_max_bytes;
  impl->fd = ::open(impl->part_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (impl->fd < 0) {
    impl->abandon();
    return Status::unavailable("the uploaded file could not be stored");
  }
  return std::unique_ptr<Upload>(new Upload(std::move(impl)));
}

Status SessionCore::finish_upload(std::int64_t session_id, ResourceKind kind, const std::string& name,
                                  const std::string& part_path) {
  std::unique_lock lock(mu_);
  const auto it = entries_.find(session_id);
  if (it == entries_.end()) return not_found(std::to_string(session_id));
  const fs::path dir = fs::path(it->second.rec.log_path).parent_path() / "uploads";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec) fs::rename(part_path, dir / name, ec);
  if (ec) return Status::unavailable("the uploaded file could not be stored");
  // The driver runs on this host (local and client deploy modes): a local path reaches it.
  return add_to_driver(lock, session_id, kind, (dir / name).string());
}

void SessionCore::release_upload(std::int64_t session_id, const std::string& name) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(session_id);
  if (it != entries_.end()) it->second.jobs.upload_names.erase(name);
}

}  // namespace livy
