// The monitor: follows each batch's process and log until the batch ends.
#include <vector>

#include "batches/batch_manager_impl.h"
#include "base/text_values.h"
#include "spark/app_watch.h"

namespace livy {

void BatchManager::Impl::monitor_loop() {
  MutexLock lock(monitor_mu_);
  while (!stopping_) {
    lock.unlock();
    tick();
    lock.lock();
    if (!stopping_) monitor_wake_.wait_for(lock, config_.monitor_interval);
  }
}

// Each batch under its own lock, from a copy of the table: the table lock is not held while a
// batch's log is read or its state written.
void BatchManager::Impl::tick() {
  query_app_ids();
  const auto now_ms = to_epoch_ms(clock_->now());
  const auto retain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
  for (const auto& entry : all_entries()) {
    Entry& e = *entry;
    MutexLock lock(e.mu);
    if (e.gone) continue;
    watch(e);
    const bool expired = is_final(e.rec.state) && !e.child->running() && !e.child->cleanup_pending() &&
                         e.rec.ended_ms != 0 && e.rec.ended_ms + retain_ms < now_ms;
    if (expired) erase(e);
  }
  MutexLock lock(orphans_mu_);
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
        e.rec.spark_ui_url = "http://" + spark_.default_spark().ui_host + ":" + std::to_string(*port);
        changed = true;
      }
    }
    if (e.rec.state == BatchState::kStarting && !poll.ended) {
      set_state(e, BatchState::kRunning);  // the application is producing output: it runs
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
    e.changed.notify_all();
  }
}

void BatchManager::Impl::finish(Entry& e, const ChildProcess::Poll& poll) {
  if (e.kill_requested) {
    set_state(e, BatchState::kKilled);
  } else if (e.start_timed_out) {
    set_state(e, BatchState::kError);
  } else if (poll.exit_status) {
    set_state(e, *poll.exit_status == 0 ? BatchState::kSuccess : BatchState::kDead);
  } else {
    // The wrapper itself died without recording anything: killed from outside, or lost.
    set_state(e, BatchState::kDead);
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
  std::vector<std::pair<EntryPtr, int>> wanted;
  for (const auto& e : all_entries()) {
    MutexLock lock(e->mu);
    if (!e->child->running() || e->rec.app_id || !e->ui_port || now < e->next_app_query) continue;
    e->next_app_query = now + std::chrono::seconds(1);
    wanted.emplace_back(e, *e->ui_port);
  }
  for (const auto& [e, port] : wanted) {
    auto app_id = query_app_id(port);
    if (!app_id) continue;
    MutexLock lock(e->mu);
    if (e->gone || e->rec.app_id) continue;
    e->rec.app_id = std::move(app_id);
    persist(*e);
  }
}

}  // namespace livy
