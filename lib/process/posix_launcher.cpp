// posix_spawn-based ProcessLauncher: the only code that spawns, signals or reaps.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "livy/process.h"

extern char** environ;

namespace livy {
namespace {

// Runs the command, then records its exit status atomically (write + rename),
// so that the status is on disk even if nobody is waiting for it.
// $1 is the status file, the rest is the command. No value is interpolated. The umask
// is set once the command has ended, for the status file alone: private like the log.
constexpr const char* kWrapperScript =
    "f=$1; shift; \"$@\"; s=$?; umask 077; printf '%d\\n' \"$s\" > \"$f.tmp\" && mv -f \"$f.tmp\" \"$f\"; "
    "exit \"$s\"";

std::vector<std::string> build_environment(const ProcessSpec& spec) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& [k, v] : spec.env) overridden = overridden || k == key;
    if (!overridden) env.push_back(std::move(entry));
  }
  for (const auto& [k, v] : spec.env) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

class PosixLauncher final : public ProcessLauncher {
 public:
  Result<int> launch(const ProcessSpec& spec) override {
    if (spec.argv.empty()) return Status::invalid_argument("empty command");
    // Everything is built before the spawn: nothing allocates in the child.
    std::vector<std::string> argv;
    if (!spec.exit_status_path.empty()) {
      argv = {"/bin/sh", "-c", kWrapperScript, "livy-wrapper", spec.exit_status_path};
    }
    argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
    std::vector<std::string> env = build_environment(spec);
    std::vector<char*> c_argv = c_strings(argv);
    std::vector<char*> c_env = c_strings(env);
    const std::string output = spec.output_path.empty() ? "/dev/null" : spec.output_path;

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    // What the program prints may be private (a session's driver.log is what user code prints).
    posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    // Descriptors of the host (sockets, the store) never leak into children,
    // whether or not whoever opened them asked for close-on-exec.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (!spec.working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.working_dir.c_str());

    sigset_t empty_mask;
    sigemptyset(&empty_mask);
    sigset_t all_signals;
    sigfillset(&all_signals);
    posix_spawnattr_setsigmask(&attr, &empty_mask);
    posix_spawnattr_setsigdefault(&attr, &all_signals);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    pid_t pid = -1;
    const int rc = posix_spawn(&pid, c_argv[0], &actions, &attr, c_argv.data(), c_env.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return Status::unavailable(std::string("could not start process: ") + std::strerror(rc));
    return static_cast<int>(pid);
  }

  std::optional<ProcessExit> try_reap(int pid) override {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r != pid) return std::nullopt;
    ProcessExit exit;
    if (WIFEXITED(status)) {
      exit.exited = true;
      exit.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      exit.signal = WTERMSIG(status);
    }
    return exit;
  }

  bool group_alive(int pgid) override {
    if (pgid <= 1) return false;
    return ::kill(-pgid, 0) == 0 || errno == EPERM;
  }

  void signal_group(int pgid, int signal) override {
    if (pgid > 1) ::kill(-pgid, signal);
  }

  // The boot id and the start time (clock ticks after boot) of the process.
  std::string process_identity(int pid) override {
    if (pid <= 0) return {};
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');  // the command name may hold spaces and parentheses
    if (close == std::string::npos) return {};
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
      if (i == 22) return boot_id() + ":" + field;  // field 22: starttime
    }
    return {};
  }

 private:
  static std::string boot_id() {
    static const std::string id = [] {
      std::ifstream in("/proc/sys/kernel/random/boot_id");
      std::string line;
      std::getline(in, line);
      return line;
    }();
    return id;
  }
};

}  // namespace

std::shared_ptr<ProcessLauncher> posix_process_launcher() { return std::make_shared<PosixLauncher>(); }

}  // namespace livy
