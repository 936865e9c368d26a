// The monitor: follows each batch's process and log until the batch ends.
#include <csignal>
#include <fstream>
#include <vector>

#include "core/batch_manager_impl.h"
#include "core/text_values.h"
#include "spark/app_watch.h"

namespace livy {
namespace {

// The exit status the wrapper recorded, if it got to write one.
std::optional<int> read_exit_status(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  const auto n = parse_int(text);
  if (!n) return std::nullopt;
  return static_cast<int>(*n);
}

}  // namespace

void BatchManager::Impl::monitor_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    tick();
    lock.lock();
    changed_.wait_for(lock, config_.monitor_interval, [this] { return stopping_; });
  }
}

void BatchManager::Impl::tick() {
  query_app_ids();
  const auto now = std::chrono::steady_clock::now();
  const auto now_ms = to_epoch_ms(clock_->now());
  const auto retain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    watch(e, now);
    const bool expired = is_final(e.rec.state) && e.process_done && !e.sigkill_at && e.rec.ended_ms != 0 &&
                         e.rec.ended_ms + retain_ms < now_ms;
    it = expired ? entries_.erase(it) : std::next(it);
  }
}

void BatchManager::Impl::watch(Entry& e, std::chrono::steady_clock::time_point now) {
  // A group that outlives its batch (killed, or children left behind) gets SIGKILL after the grace period.
  if (e.sigkill_at) {
    if (!launcher_->group_alive(e.rec.pid)) {
      e.sigkill_at.reset();
    } else if (now >= *e.sigkill_at) {
      launcher_->signal_group(e.rec.pid, SIGKILL);
      e.sigkill_at.reset();
    }
  }
  if (e.process_done) return;

  bool changed = false;
  for (const auto& line : e.tail->poll()) {
    if (!e.rec.app_id) {
      if (auto id = find_app_id(line)) {
        e.rec.app_id = std::move(id);
        changed = true;
      }
    }
    if (!e.ui_port) {
      if (auto port = find_ui_port(line)) {
        e.ui_port = port;
        e.rec.spark_ui_url = "http://" + spark_.ui_host + ":" + std::to_string(*port);
        changed = true;
      }
    }
    if (e.rec.state == BatchState::kStarting) {
      e.rec.state = BatchState::kRunning;  // the application is producing output: it runs
      changed = true;
    }
  }

  std::optional<ProcessExit> exit;
  bool ended = false;
  if (e.our_child) {
    exit = launcher_->try_reap(e.rec.pid);
    // A host that ignores SIGCHLD has its children reaped by the kernel: the gone group tells.
    ended = exit.has_value() || !launcher_->group_alive(e.rec.pid);
  } else {
    ended = read_exit_status(e.rec.status_path).has_value() || !launcher_->group_alive(e.rec.pid);
  }
  if (ended) {
    finish(e, exit);
    changed = true;
  }
  if (changed) {
    persist(e);
    changed_.notify_all();
  }
}

void BatchManager::Impl::finish(Entry& e, const std::optional<ProcessExit>& exit) {
  e.process_done = true;
  for (const auto& line : e.tail->finish()) {
    if (!e.rec.app_id) e.rec.app_id = find_app_id(line);
  }
  const auto status = read_exit_status(e.rec.status_path);
  if (e.kill_requested) {
    e.rec.state = BatchState::kKilled;
  } else if (status) {
    e.rec.state = *status == 0 ? BatchState::kSuccess : BatchState::kDead;
  } else {
    // The wrapper itself died without recording anything: killed from outside, or lost.
    e.rec.state = BatchState::kDead;
    std::ofstream(e.rec.log_path, std::ios::app)
        << "livyd: the batch process ended without recording an exit status"
        << (exit && !exit->exited ? " (signal " + std::to_string(exit->signal) + ")" : std::string()) << "\n";
    e.tail->finish();
  }
  if (e.rec.ended_ms == 0) e.rec.ended_ms = to_epoch_ms(clock_->now());
  if (launcher_->group_alive(e.rec.pid)) {
    if (!e.kill_requested) launcher_->signal_group(e.rec.pid, SIGTERM);
    if (!e.sigkill_at) e.sigkill_at = std::chrono::steady_clock::now() + config_.batch_kill_grace;
  }
}

// Local mode never prints its application id; the Spark UI's REST API knows it.
// Asked outside the lock: it is network I/O.
void BatchManager::Impl::query_app_ids() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::pair<std::int64_t, int>> wanted;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, e] : entries_) {
      if (e.process_done || e.rec.app_id || !e.ui_port || now < e.next_app_query) continue;
      e.next_app_query = now + std::chrono::seconds(1);
      wanted.emplace_back(id, *e.ui_port);
    }
  }
  for (const auto& [id, port] : wanted) {
    auto app_id = query_app_id(port);
    if (!app_id) continue;
    std::lock_guard lock(mu_);
    const auto it = entries_.find(id);
    if (it == entries_.end() || it->second.rec.app_id) continue;
    it->second.rec.app_id = std::move(app_id);
    persist(it->second);
  }
}

}  // namespace livy
