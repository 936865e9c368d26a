// ScriptedLauncher: a livy::ProcessLauncher that starts nothing. It records
// what it was asked to launch and signal, and a test decides when and how
// each "process" ends.
#pragma once

#include <csignal>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "livy/process.h"

namespace livy_test {

// Thread-safe: the runtime's monitor thread polls it while the test scripts it.
// A launched process is its own group and is alive until exit()/die() or
// set_group_alive(false); pids the launcher never handed out are dead unless
// a test says otherwise with set_group_alive.
class ScriptedLauncher final : public livy::ProcessLauncher {
 public:
  static constexpr int kFirstPid = 10'000;

  explicit ScriptedLauncher(int first_pid = kFirstPid) : next_pid_(first_pid) {}

  struct Signal {
    int pgid;
    int signal;
    bool operator==(const Signal&) const = default;
  };

  // --- livy::ProcessLauncher ---

  livy::Result<int> launch(const livy::ProcessSpec& spec) override {
    std::lock_guard lock(mu_);
    specs_.push_back(spec);
    if (fail_launches_) {
      changed_.notify_all();
      return livy::Status::unavailable("scripted launch failure");
    }
    const int pid = next_pid_++;
    by_pid_[pid] = spec;
    alive_.insert(pid);
    changed_.notify_all();
    return pid;
  }

  std::optional<livy::ProcessExit> try_reap(int pid) override {
    std::lock_guard lock(mu_);
    const auto it = exits_.find(pid);
    if (it == exits_.end()) return std::nullopt;
    const livy::ProcessExit exit = it->second;
    exits_.erase(it);  // like waitpid: a child is reaped once
    return exit;
  }

  bool group_alive(int pgid) override {
    std::lock_guard lock(mu_);
    return alive_.count(pgid) != 0;
  }

  void signal_group(int pgid, int signal) override {
    std::lock_guard lock(mu_);
    signals_.push_back({pgid, signal});
    if (signal == SIGKILL && obey_sigkill_) alive_.erase(pgid);
    changed_.notify_all();
  }

  // Launched pids are "launched:<pid>" (the same across a restart's new launcher);
  // any other pid is unknown ("") unless a test names it with set_identity.
  std::string process_identity(int pid) override {
    std::lock_guard lock(mu_);
    if (const auto it = identities_.find(pid); it != identities_.end()) return it->second;
    return by_pid_.count(pid) != 0 ? "launched:" + std::to_string(pid) : std::string();
  }

  // `pid` is now the process `identity` (another program, after a pid was reused, say).
  void set_identity(int pid, std::string identity) {
    std::lock_guard lock(mu_);
    identities_[pid] = std::move(identity);
  }

  // From now on SIGKILL ends a group at once, as it would for real.
  void obey_sigkill(bool obey = true) {
    std::lock_guard lock(mu_);
    obey_sigkill_ = obey;
  }

  // --- scripting ---

  // Every launch() from now on fails (and is still recorded).
  void fail_launches(bool fail = true) {
    std::lock_guard lock(mu_);
    fail_launches_ = fail;
  }

  // The command ended normally: writes the exit-status file as the real
  // wrapper would and try_reap reports the exit. The group is gone, unless
  // `leave_group_alive` (the program left children behind).
  void exit(int pid, int code, bool leave_group_alive = false) {
    std::lock_guard lock(mu_);
    const livy::ProcessSpec& spec = by_pid_.at(pid);
    if (!spec.exit_status_path.empty()) std::ofstream(spec.exit_status_path) << code << "\n";
    exits_[pid] = livy::ProcessExit{true, code, 0};
    if (!leave_group_alive) alive_.erase(pid);
    changed_.notify_all();
  }

  // The wrapper itself was killed by `signal`: no exit-status file.
  void die(int pid, int signal) {
    std::lock_guard lock(mu_);
    (void)by_pid_.at(pid);
    exits_[pid] = livy::ProcessExit{false, 0, signal};
    alive_.erase(pid);
    changed_.notify_all();
  }

  // Appends text to the process's output file, as the program printing it would.
  void print(int pid, const std::string& text) {
    std::lock_guard lock(mu_);
    std::ofstream(by_pid_.at(pid).output_path, std::ios::app) << text;
  }

  // Makes any group (ours or not) alive or gone without a reapable exit.
  void set_group_alive(int pgid, bool alive) {
    std::lock_guard lock(mu_);
    if (alive) alive_.insert(pgid);
    else alive_.erase(pgid);
  }

  // Every spec passed to launch(), failed ones included, in order.
  std::vector<livy::ProcessSpec> launched() const {
    std::lock_guard lock(mu_);
    return specs_;
  }

  livy::ProcessSpec spec_of(int pid) const {
    std::lock_guard lock(mu_);
    return by_pid_.at(pid);
  }

  std::vector<Signal> signals() const {
    std::lock_guard lock(mu_);
    return signals_;
  }

  // Blocks until `signal` was sent to `pgid` (true) or the timeout passed (false).
  bool wait_for_signal(int pgid, int signal, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] {
      for (const auto& s : signals_) {
        if (s.pgid == pgid && s.signal == signal) return true;
      }
      return false;
    });
  }

 private:
  mutable std::mutex mu_;  // guards everything below
  mutable std::condition_variable changed_;  // signalled on every launch, end and signal
  int next_pid_;
  bool fail_launches_ = false;
  bool obey_sigkill_ = false;
  std::map<int, std::string> identities_;
  std::vector<livy::ProcessSpec> specs_;
  std::map<int, livy::ProcessSpec> by_pid_;
  std::set<int> alive_;
  std::map<int, livy::ProcessExit> exits_;  // ended, not reaped yet
  std::vector<Signal> signals_;
};

}  // namespace livy_test
