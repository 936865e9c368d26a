// The whole results being received from drivers, and the quota they count against. Owned
// by SessionCore. A session's result-* messages all arrive on that session's dispatch
// thread, in order (DriverEvents), so only that thread writes a given result; this object's
// lock guards only its maps and counters and is never held across a write or a removal.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/thread_annotations.h"
#include "results/result_file.h"
#include "wire/driver_messages.h"

namespace livy::results {

class ResultSpool {
 public:
  // `quota_bytes`: the most a session's results may hold on disk (sessions.results-quota-bytes).
  explicit ResultSpool(std::uint64_t quota_bytes) : quota_(quota_bytes) {}

  // A result-begin, -rows or -end of statement m.statement_id of `session`, whose results
  // live under `results_dir`. Returns the line to answer with (a result-ack), if any.
  std::optional<std::string> on_message(std::int64_t session, const std::string& results_dir, const DriverMessage& m)
      EXCLUDES(mu_);
  // What a result that ended in this run of livyd holds; nullopt if none did for the statement.
  std::optional<ResultMeta> finished(std::int64_t session, std::int64_t statement) EXCLUDES(mu_);
  // The session's connection is gone: its results still being written end, incomplete.
  void abandon(std::int64_t session) EXCLUDES(mu_);
  // The session is gone: its results are to be removed (by sweep(), which does the I/O).
  void forget(std::int64_t session, const std::string& results_dir) EXCLUDES(mu_);
  // Results a session of an earlier run of livyd left (it ended past its retention while
  // livyd was down): removed by sweep() as well.
  void remove_later(const std::string& results_dir) EXCLUDES(mu_);
  // Removes the forgotten sessions' results; call with no lock held.
  void sweep() EXCLUDES(mu_);

 private:
  struct Session {
    std::optional<std::uint64_t> used;  // bytes of its results on disk (read from disk once)
    std::map<std::int64_t, std::shared_ptr<ResultWriter>> writing;
    std::map<std::int64_t, ResultMeta> finished;
  };
  std::shared_ptr<ResultWriter> writer(std::int64_t session, std::int64_t statement) EXCLUDES(mu_);
  void end(std::int64_t session, std::int64_t statement, const std::shared_ptr<ResultWriter>& w, bool complete,
           std::string reason) EXCLUDES(mu_);

  const std::uint64_t quota_;
  Mutex mu_;
  std::map<std::int64_t, Session> sessions_ GUARDED_BY(mu_);
  std::vector<std::string> doomed_ GUARDED_BY(mu_);  // results directories to remove
  std::set<std::int64_t> gone_ GUARDED_BY(mu_);      // forgotten sessions (a few bytes each)
};

}  // namespace livy::results
