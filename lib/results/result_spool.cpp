#include "results/result_spool.h"

#include <filesystem>
#include <system_error>

namespace livy::results {
namespace fs = std::filesystem;

namespace {

// What a session's earlier results hold (a livyd restart forgets its counters).
std::uint64_t bytes_on_disk(const std::string& results_dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(results_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().filename() == "rows.jsonl") total += it->file_size(ec);
  }
  return total;
}

}  // namespace

std::shared_ptr<ResultWriter> ResultSpool::writer(std::int64_t session, std::int64_t statement) {
  MutexLock lock(mu_);
  const auto s = sessions_.find(session);
  if (s == sessions_.end()) return nullptr;
  const auto w = s->second.writing.find(statement);
  return w == s->second.writing.end() ? nullptr : w->second;
}

std::optional<std::string> ResultSpool::on_message(std::int64_t session, const std::string& results_dir,
                                                   const DriverMessage& m) {
  using T = DriverMessage::Type;
  const std::int64_t id = m.statement_id;
  if (m.type == T::kResultBegin) {
    bool known = false;
    {
      MutexLock lock(mu_);
      if (gone_.count(session) != 0) return std::nullopt;
      known = sessions_[session].used.has_value();
    }
    const std::uint64_t on_disk = known ? 0 : bytes_on_disk(results_dir);
    // A result sent again (the driver's replay) replaces the one before it.
    auto created = ResultWriter::create(results_dir + "/" + std::to_string(id), m.result_columns, 0);
    MutexLock lock(mu_);
    if (gone_.count(session) != 0) {  // forgotten while the files were made: removed by the next sweep
      doomed_.push_back(results_dir);
      return std::nullopt;
    }
    Session& s = sessions_[session];
    if (!s.used) s.used = on_disk;
    s.finished.erase(id);
    if (created) s.writing[id] = std::shared_ptr<ResultWriter>(std::move(*created));
    return std::nullopt;
  }
  const auto w = writer(session, id);
  if (m.type == T::kResultRows) {
    if (w == nullptr) return result_ack_message(id, m.result_seq, true);  // no begin, or it could not be stored
    const std::uint64_t before = w->bytes();
    {
      MutexLock lock(mu_);
      const auto s = sessions_.find(session);
      const std::uint64_t used = s == sessions_.end() ? quota_ : s->second.used.value_or(0);
      w->set_budget(before + (used < quota_ ? quota_ - used : 0));
    }
    const auto appended = w->append(m.result_rows);  // the write, with no lock held
    {
      MutexLock lock(mu_);
      if (const auto s = sessions_.find(session); s != sessions_.end()) {
        s->second.used = s->second.used.value_or(0) + (w->bytes() - before);
      }
    }
    if (!appended) {
      end(session, id, w, false, "the result could not be stored: " + appended.status().message());
      return result_ack_message(id, m.result_seq, true);
    }
    return result_ack_message(id, m.result_seq, !*appended);
  }
  if (m.type == T::kResultEnd && w != nullptr) {
    end(session, id, w, m.result_complete, m.error.empty() ? "the driver did not send every row" : m.error);
  }
  return std::nullopt;
}

void ResultSpool::end(std::int64_t session, std::int64_t statement, const std::shared_ptr<ResultWriter>& w,
                      bool complete, std::string reason) {
  const Status st = w->finish(complete, std::move(reason));
  ResultMeta meta;
  if (st) {
    auto reader = ResultReader::open(w->dir());
    if (reader) meta = reader->meta();
  }
  MutexLock lock(mu_);
  const auto s = sessions_.find(session);
  if (s == sessions_.end()) return;  // forgotten meanwhile
  s->second.writing.erase(statement);
  if (st) s->second.finished[statement] = std::move(meta);
}

std::optional<ResultMeta> ResultSpool::finished(std::int64_t session, std::int64_t statement) {
  MutexLock lock(mu_);
  const auto s = sessions_.find(session);
  if (s == sessions_.end()) return std::nullopt;
  const auto f = s->second.finished.find(statement);
  if (f == s->second.finished.end()) return std::nullopt;
  return f->second;
}

void ResultSpool::abandon(std::int64_t session) {
  std::map<std::int64_t, std::shared_ptr<ResultWriter>> writing;
  {
    MutexLock lock(mu_);
    const auto s = sessions_.find(session);
    if (s == sessions_.end()) return;
    writing = s->second.writing;
  }
  for (const auto& [statement, w] : writing) {
    end(session, statement, w, false, "the driver's connection was lost before the whole result arrived");
  }
}

void ResultSpool::forget(std::int64_t session, const std::string& results_dir) {
  MutexLock lock(mu_);
  sessions_.erase(session);
  gone_.insert(session);  // ids are never reused: a late message of the session is dropped
  doomed_.push_back(results_dir);
}

void ResultSpool::remove_later(const std::string& results_dir) {
  MutexLock lock(mu_);
  doomed_.push_back(results_dir);
}

void ResultSpool::sweep() {
  std::vector<std::string> doomed;
  {
    MutexLock lock(mu_);
    doomed.swap(doomed_);
  }
  for (const auto& dir : doomed) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
}

}  // namespace livy::results
