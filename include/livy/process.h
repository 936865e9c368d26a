// ProcessLauncher: the only door to fork/exec/kill/waitpid, swappable in tests.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "livy/status.h"
#include "livy/export.h"

namespace livy {

// What to start. argv/env are complete before anything is forked.
struct ProcessSpec {
  std::vector<std::string> argv;                            // argv[0] is an absolute path
  std::vector<std::pair<std::string, std::string>> env;     // set on top of the parent's environment
  std::string working_dir;                                  // empty: the parent's
  std::string output_path;                                  // stdout+stderr appended here; empty: /dev/null
  std::string exit_status_path;  // non-empty: a wrapper writes the exit status (decimal) here when
                                 // the command ends, so it is known even if livyd was not running
};

// How a process launched earlier ended, when it was our child and is reaped.
struct ProcessExit {
  bool exited = false;  // true: normal exit with `code`; false: killed by `signal`
  int code = 0;
  int signal = 0;
};

// Launches commands in their own process group and watches them.
// The default implementation uses posix_spawn with default signal
// dispositions, an empty signal mask and no inherited descriptors.
class LIVY_API ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;

  // Starts the command as leader of a new process group; returns its pid
  // (which is also the process group id).
  virtual Result<int> launch(const ProcessSpec& spec) = 0;

  // Non-blocking: if `pid` is our child and has ended, reaps it and says how.
  // nullopt while it runs, or when it is not our child (then use group_alive).
  virtual std::optional<ProcessExit> try_reap(int pid) = 0;

  // True while any process of the group still exists.
  virtual bool group_alive(int pgid) = 0;

  // Sends `signal` to every process of the group; harmless when it is gone.
  virtual void signal_group(int pgid, int signal) = 0;

  // Who `pid` is: a text that differs between two processes that had the same pid (the
  // boot and the start time, say), or "" when no such process exists or it cannot be
  // told. Stored with a batch or session, it keeps livyd from adopting or signalling an
  // unrelated process that got the pid after a reboot. The default knows nobody.
  virtual std::string process_identity(int pid) {
    (void)pid;
    return {};
  }
};

// posix_spawn-based launcher for real processes.
LIVY_API std::shared_ptr<ProcessLauncher> posix_process_launcher();

}  // namespace livy
