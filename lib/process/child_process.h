// ChildProcess: one watched child (a batch's or a session's spark-submit):
// its process group, its output file, its recorded exit status.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "livy/clock.h"
#include "livy/process.h"
#include "metrics/gauge.h"
#include "process/log_tail.h"

namespace livy {

// Not thread-safe: its owner serializes calls (under its session's or batch's lock).
class ChildProcess {
 public:
  // `kill_grace`: how long a group gets between SIGTERM and SIGKILL, in `clock`'s steady time.
  // `running_gauge` (livyd_child_processes), if given, counts this child while it runs.
  ChildProcess(std::shared_ptr<ProcessLauncher> launcher, std::shared_ptr<Clock> clock, std::string log_path,
               std::string status_path, std::size_t log_lines, std::chrono::milliseconds kill_grace,
               std::shared_ptr<metrics::Gauge> running_gauge = nullptr);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Launches `spec` with output and exit status going to this child's files.
  Status start(ProcessSpec spec);
  // Takes over a process group started by an earlier run (not our child):
  // watched while `running`, else only its history and a possible kill.
  // `identity` is the process_identity stored at launch: when `pid` now names
  // another process (reused after a reboot), the group is taken as gone and
  // never signalled, and pid() is 0.
  void adopt(int pid, bool running, const std::string& identity = {});

  // What one poll saw: new output lines, and whether the process ended.
  struct Poll {
    std::vector<std::string> lines;
    bool ended = false;
    std::optional<int> exit_status;  // from the wrapper's file, when it wrote one
    std::optional<ProcessExit> exit;  // from waitpid, when it was our child
  };
  // Reads new output and checks for the end. After the end it only escalates a pending kill.
  Poll poll();

  // SIGTERM to the whole group now, SIGKILL after the grace period if it still lives.
  void terminate();

  int pid() const { return pid_; }
  const std::string& identity() const { return identity_; }  // of the process started, "" if unknown
  bool running() const { return running_; }
  // True while a SIGKILL is still due for a group that outlived its end or a kill.
  bool cleanup_pending() const { return sigkill_at_.has_value(); }
  const LogTail& log() const { return tail_; }
  LogTail& log() { return tail_; }
  const std::string& log_path() const { return log_path_; }
  void append_note(const std::string& line);  // a livyd line in the child's log

 private:
  void escalate();
  // Every change of running_ goes through here, so the gauge is always the running children.
  void set_running(bool running);

  std::shared_ptr<ProcessLauncher> launcher_;
  std::shared_ptr<Clock> clock_;
  std::string log_path_;
  std::string status_path_;
  LogTail tail_;
  int pid_ = 0;
  std::string identity_;
  bool our_child_ = false;
  bool running_ = false;
  const std::chrono::milliseconds grace_;
  std::optional<std::chrono::steady_clock::time_point> sigkill_at_;
  const std::shared_ptr<metrics::Gauge> running_gauge_;
};

// For a shutdown, when no monitor thread polls any more, to see the children being stopped
// gone: calls `poll_all` every 50 ms of `clock`'s time until it returns false (no child
// running or owing its SIGKILL) or `deadline` (steady) passes.
template <typename PollAll>
void wait_for_children(const Clock& clock, std::chrono::steady_clock::time_point deadline, PollAll poll_all) {
  while (poll_all() && clock.steady_now() < deadline) clock.sleep_for(std::chrono::milliseconds(50));
}

// Polls forgotten children whose SIGKILL is due and drops those that are done with it;
// true while any is left.
bool poll_orphans(std::vector<std::unique_ptr<ChildProcess>>& orphans);

// The exit status a wrapper recorded in `path`, if it got to write one.
std::optional<int> read_exit_status(const std::string& path);

}  // namespace livy
