// The monitor: follows each batch's process and log until the batch ends.
#include <vector>

#include "batches/batch_manager_impl.h"
#include "base/text_values.h"
#include "spark/app_watch.h"

namespace livy {

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
  const auto now_ms = to_epoch_ms(clock_->now());
  const auto retain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    watch(e);
    const bool expired = is_final(e.rec.state) && !e.child->running() && !e.child->cleanup_pending() &&
                         e.rec.ended_ms != 0 && e.rec.ended_ms + retain_ms < now_ms;
    it = expired ? entries_.erase(it) : std::next(it);
  }
  poll_orphans(orphans_);
}

void BatchManager::Impl::watch(Entry& e) {
  const bool was_running = e.child->running();
  const auto poll = e.child->poll();
  if (!was_running) return;  // only a kill still being escalated

  bool changed = false;
  for (const auto& line : poll.lines) {
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
    if (e.rec.state == BatchState::kStarting && !poll.ended) {
      e.rec.state = BatchState::kRunning;  // the application is producing output: it runs
      changed = true;
    }
  }
  const auto starting_for = std::chrono::milliseconds(to_epoch_ms(clock_->now()) - e.rec.created_ms);
  if (e.rec.state == BatchState::kStarting && !poll.ended && !e.start_timed_out && !e.kill_requested &&
      config_.batch_start_timeout.count() > 0 && starting_for >= config_.batch_start_timeout) {
    e.start_timed_out = true;
    e.child->append_note("spark-submit printed nothing within batches.start-timeout (" +
                         format_duration(config_.batch_start_timeout) + "): stopping it");
    e.child->terminate();
  }
  if (poll.ended) {
    finish(e, poll);
    changed = true;
  }
  if (changed) {
    persist(e);
    changed_.notify_all();
  }
}

void BatchManager::Impl::finish(Entry& e, const ChildProcess::Poll& poll) {
  if (e.kill_requested) {
    e.rec.state = BatchState::kKilled;
  } else if (e.start_timed_out) {
    e.rec.state = BatchState::kError;
  } else if (poll.exit_status) {
    e.rec.state = *poll.exit_status == 0 ? BatchState::kSuccess : BatchState::kDead;
  } else {
    // The wrapper itself died without recording anything: killed from outside, or lost.
    e.rec.state = BatchState::kDead;
    e.child->append_note("the batch process ended without recording an exit status" +
                         (poll.exit && !poll.exit->exited ? " (signal " + std::to_string(poll.exit->signal) + ")"
                                                          : std::string()));
    e.child->log().finish();
  }
  if (e.rec.ended_ms == 0) e.rec.ended_ms = to_epoch_ms(clock_->now());
}

// Local mode never prints its application id; the Spark UI's REST API knows it.
// Asked outside the lock: it is network I/O.
void BatchManager::Impl::query_app_ids() {
  const auto now = clock_->steady_now();
  std::vector<std::pair<std::int64_t, int>> wanted;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, e] : entries_) {
      if (!e.child->running() || e.rec.app_id || !e.ui_port || now < e.next_app_query) continue;
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
