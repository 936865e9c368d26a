// The store's jobs table: the job API's jobs, so that they outlive a restart of livyd.
#include "store/sqlite_stmt.h"
#include "store/store.h"

namespace livy {
namespace {

using sqlite::db_error;
using sqlite::Stmt;

std::optional<JobState> job_state_from(const std::string& s) {
  for (auto st : {JobState::kSent, JobState::kQueued, JobState::kStarted, JobState::kCancelled, JobState::kFailed,
                  JobState::kSucceeded}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

std::optional<JobType> job_type_from(const std::string& s) {
  for (auto t : {JobType::kPySpark, JobType::kSpark}) {
    if (to_string(t) == s) return t;
  }
  return std::nullopt;
}

}  // namespace

Status Store::insert_job(const JobRecord& r, Durability durability) {
  return write(durability, [&](sqlite::StmtCache& stmts) {
    Stmt s(stmts, "INSERT INTO jobs(session_id, id, type, state, payload, result, error) VALUES (?,?,?,?,?,?,?)");
    if (!s.ok()) return db_error(stmts.db(), "insert job");
    s.bind(1, r.session_id);
    s.bind(2, r.job.id);
    s.bind(3, std::string(to_string(r.type)));
    s.bind(4, std::string(to_string(r.job.state)));
    s.bind_blob(5, is_final(r.job.state) ? std::nullopt : std::optional<std::string>(r.payload));
    s.bind_blob(6, r.job.result);
    s.bind(7, r.job.error);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(stmts.db(), "insert job");
    return Status::ok();
  });
}

Status Store::update_job(std::int64_t session_id, const Job& job) {
  return write(Durability::kWritten, [&](sqlite::StmtCache& stmts) {
    // Once final the payload is of no use: it goes, so finished jobs take little room.
    Stmt s(stmts,
           "UPDATE jobs SET state = ?1, result = ?2, error = ?3, payload = CASE WHEN ?4 THEN NULL ELSE payload END"
           " WHERE session_id = ?5 AND id = ?6");
    if (!s.ok()) return db_error(stmts.db(), "update job");
    s.bind(1, std::string(to_string(job.state)));
    s.bind_blob(2, job.result);
    s.bind(3, job.error);
    s.bind(4, static_cast<std::int64_t>(is_final(job.state)));
    s.bind(5, session_id);
    s.bind(6, job.id);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(stmts.db(), "update job");
    return Status::ok();
  });
}

Result<std::vector<JobRecord>> Store::load_jobs(std::int64_t session_id) {
  std::lock_guard lock(read_mu_);
  Stmt s(reader_->stmts(), "SELECT id, type, state, payload, result, error FROM jobs WHERE session_id = ? ORDER BY id");
  if (!s.ok()) return db_error(reader_->db(), "load jobs");
  s.bind(1, session_id);
  std::vector<JobRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    JobRecord r;
    r.session_id = session_id;
    r.job.id = s.int_at(0);
    const auto type = job_type_from(s.text_at(1));
    const auto state = job_state_from(s.text_at(2));
    if (!type || !state) return Status::unavailable("store: a job has an unknown type or state");
    r.type = *type;
    r.job.state = *state;
    r.payload = s.opt_blob_at(3).value_or("");
    r.job.result = s.opt_blob_at(4);
    r.job.error = s.opt_text_at(5);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return db_error(reader_->db(), "load jobs");
  return out;
}

}  // namespace livy
