#include "process/child_process.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>

#include "base/data_dir.h"
#include "base/text_values.h"

namespace livy {

std::optional<int> read_exit_status(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  const auto n = parse_int(text);
  if (!n) return std::nullopt;
  return static_cast<int>(*n);
}

ChildProcess::ChildProcess(std::shared_ptr<ProcessLauncher> launcher, std::shared_ptr<Clock> clock,
                           std::string log_path, std::string status_path, std::size_t log_lines,
                           std::chrono::milliseconds kill_grace, std::shared_ptr<metrics::Gauge> running_gauge)
    : launcher_(std::move(launcher)),
      clock_(std::move(clock)),
      log_path_(std::move(log_path)),
      status_path_(std::move(status_path)),
      tail_(log_path_, log_lines),
      grace_(kill_grace),
      running_gauge_(std::move(running_gauge)) {}

ChildProcess::~ChildProcess() { set_running(false); }  // no longer watched, whether it runs or not

void ChildProcess::set_running(bool running) {
  if (running_gauge_ && running != running_) running_gauge_->add(running ? 1 : -1);
  running_ = running;
}

Status ChildProcess::start(ProcessSpec spec) {
  spec.output_path = log_path_;
  spec.exit_status_path = status_path_;
  auto pid = launcher_->launch(spec);
  if (!pid) return pid.status();
  pid_ = *pid;
  identity_ = launcher_->process_identity(pid_);
  our_child_ = true;
  set_running(true);
  return Status::ok();
}

void ChildProcess::adopt(int pid, bool running, const std::string& identity) {
  pid_ = pid;
  identity_ = identity;
  our_child_ = false;
  set_running(running && pid > 0);
  tail_.finish();  // what it printed before this run: history, not news
  if (pid <= 0 || identity.empty()) return;
  const std::string now = launcher_->process_identity(pid);
  if (now.empty() || now == identity) return;  // gone (the group may live on), or the same process
  if (running_) {
    append_note("process " + std::to_string(pid) + " is another program now (its pid was reused, after a "
                "reboot?): it is not watched or signalled");
  }
  pid_ = 0;  // a running child then ends at its next poll
}

ChildProcess::Poll ChildProcess::poll() {
  Poll p;
  escalate();
  if (!running_) return p;
  p.lines = tail_.poll();
  if (our_child_) {
    p.exit = launcher_->try_reap(pid_);
    // A host that ignores SIGCHLD has its children reaped by the kernel: the gone group tells.
    p.ended = p.exit.has_value() || !launcher_->group_alive(pid_);
  } else {
    p.ended = read_exit_status(status_path_).has_value() || !launcher_->group_alive(pid_);
  }
  if (!p.ended) return p;
  set_running(false);
  for (auto& line : tail_.finish()) p.lines.push_back(std::move(line));
  p.exit_status = read_exit_status(status_path_);
  // The wrapper has ended; whatever it left in its group goes too.
  if (launcher_->group_alive(pid_) && !sigkill_at_) {
    launcher_->signal_group(pid_, SIGTERM);
    sigkill_at_ = clock_->steady_now() + grace_;
  }
  return p;
}

void ChildProcess::terminate() {
  if (pid_ <= 0 || sigkill_at_) return;
  launcher_->signal_group(pid_, SIGTERM);
  sigkill_at_ = clock_->steady_now() + grace_;
}

void ChildProcess::escalate() {
  if (!sigkill_at_) return;
  if (!launcher_->group_alive(pid_)) {
    sigkill_at_.reset();
  } else if (clock_->steady_now() >= *sigkill_at_) {
    launcher_->signal_group(pid_, SIGKILL);
    sigkill_at_.reset();
  }
}

bool poll_orphans(std::vector<std::unique_ptr<ChildProcess>>& orphans) {
  for (auto& orphan : orphans) orphan->poll();
  std::erase_if(orphans, [](const auto& orphan) { return !orphan->cleanup_pending(); });
  return !orphans.empty();
}

void ChildProcess::append_note(const std::string& line) {
  // Often the first write of a session's log: created private, like the rest of the data directory.
  const int fd = open_private_append(log_path_);
  if (fd >= 0) {
    const std::string text = "livyd: " + line + "\n";
    for (std::size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  }
  if (!running_) tail_.finish();  // nobody polls an ended child: read the note now
}

}  // namespace livy
