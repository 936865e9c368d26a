// The batches' timers: each batch has one deadline in the timer queue, the earliest of its
// next child poll, the end of its start timeout, its next lookup at the cluster manager and the
// end of its state-retain. When it is due, check() looks at that batch alone, under its own
// lock (the cluster manager and the Spark UI are asked with no lock held), and schedules the
// next one.
#include <algorithm>

#include "base/text_values.h"
#include "batches/batch_manager_impl.h"
#include "spark/app_watch.h"

namespace livy {

namespace {

// The batch state of an application's phase at its cluster manager.
BatchState state_of(ClusterAppPhase phase) {
  switch (phase) {
    case ClusterAppPhase::kPending:
      return BatchState::kStarting;
    case ClusterAppPhase::kRunning:
      return BatchState::kRunning;
    case ClusterAppPhase::kSucceeded:
      return BatchState::kSuccess;
    case ClusterAppPhase::kFailed:
      return BatchState::kDead;
    case ClusterAppPhase::kKilled:
      return BatchState::kKilled;
  }
  return BatchState::kDead;
}

}  // namespace

void BatchManager::Impl::on_timer(TimerQueue::Key key) {
  if (key == kOrphansKey) {
    if (supervisor_.poll_orphans()) timers_.schedule_tick(kOrphansKey);
    return;
  }
  if (const EntryPtr e = find(key)) check(e);
}

void BatchManager::Impl::check(const EntryPtr& entry) {
  talk_to_cluster(entry);
  Entry& e = *entry;
  MutexLock lock(e.mu);
  if (e.gone) return;
  watch(e);
  if (expired(e)) {
    erase(e);
  } else {
    schedule(e);
  }
}

bool BatchManager::Impl::follows_app(const Entry& e) const { return !is_final(e.rec.state); }

bool BatchManager::Impl::expired(const Entry& e) const {
  const auto retain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
  return is_final(e.rec.state) && !e.child->running() && !e.child->cleanup_pending() && !e.app.kill_due &&
         !e.app.in_flight && e.rec.ended_ms != 0 && e.rec.ended_ms + retain_ms < to_epoch_ms(clock_->now());
}

void BatchManager::Impl::schedule(Entry& e) {
  if (e.gone) return;
  const auto now = clock_->steady_now();
  const std::int64_t wall = to_epoch_ms(clock_->now());
  std::optional<TimerQueue::TimePoint> at;
  const auto earliest = [&](TimerQueue::TimePoint t) { at = at ? std::min(*at, t) : t; };
  const auto at_wall = [&](std::int64_t ms) {
    return now + std::chrono::milliseconds(std::max<std::int64_t>(0, ms - wall));
  };
  // A child is polled for its output and its end (and a kill's escalation) at every tick.
  if (e.child->running() || e.child->cleanup_pending()) timers_.schedule_tick(e.id);
  if (e.rec.state == BatchState::kStarting && e.child->running() && !e.printed && !e.start_timed_out &&
      !e.kill_requested && config_.batch_start_timeout.count() > 0) {
    earliest(at_wall(e.rec.created_ms + config_.batch_start_timeout.count()));
  }
  if (supervisor_.wants_manager(e.app, follows_app(e)) && !e.app.in_flight) earliest(e.app.next_lookup);
  if (is_final(e.rec.state) && e.rec.ended_ms != 0) {
    const auto retain = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
    earliest(at_wall(e.rec.ended_ms + retain + 1));
  }
  // A deadline already past that did not act (a child still stopping) is not looked at again at once.
  if (at && *at < now) at = now + config_.monitor_interval;
  if (at) timers_.schedule(e.id, *at);
}

void BatchManager::Impl::talk_to_cluster(const EntryPtr& entry) {
  Entry& e = *entry;
  std::optional<AppCall> kill;
  std::optional<AppCall> lookup;
  std::optional<int> ui_port;
  {
    MutexLock lock(e.mu);
    if (e.gone) return;
    kill = supervisor_.due_kill(e.app, e.rec.app_id);
    if (!kill) lookup = supervisor_.due_lookup(e.app, follows_app(e), e.rec.app_id);
    ui_port = supervisor_.due_ui_query(e.app, e.child->running(), e.rec.app_id);
  }
  if (kill) {
    const Status st = supervisor_.kill(*kill);
    MutexLock lock(e.mu);
    supervisor_.finish_kill(e.app, *e.child, st);
  }
  if (lookup) {
    auto answer = supervisor_.lookup(*lookup);
    MutexLock lock(e.mu);
    e.app.in_flight = false;
    if (e.gone) return;  // forgotten meanwhile: its answer changes nothing
    ClusterAppReport report;
    switch (supervisor_.take_lookup(e.app, *e.child, std::move(answer), report)) {
      case Supervisor::Outcome::kReport:
        take_report(e, report);
        break;
      case Supervisor::Outcome::kGivenUp:
        if (!is_final(e.rec.state)) {
          set_state(e, BatchState::kDead);
          e.rec.ended_ms = to_epoch_ms(clock_->now());
          if (e.child->running()) e.child->terminate();
          persist(e);
          e.changed.notify_all();
        }
        break;
      case Supervisor::Outcome::kNothing:
        break;
    }
  }
  // Local mode never prints its application id; the Spark UI's REST API knows it.
  if (ui_port) {
    auto app_id = query_app_id(*ui_port);
    if (!app_id) return;
    MutexLock lock(e.mu);
    if (e.gone || e.rec.app_id) return;
    e.rec.app_id = std::move(app_id);
    persist(e);
  }
}

// With a cluster manager, the application's state is the batch's: spark-submit may exit as soon
// as it has submitted (cluster deploy mode).
void BatchManager::Impl::take_report(Entry& e, const ClusterAppReport& report) {
  bool changed = Supervisor::apply_report(report, e.rec.app_id, e.rec.spark_ui_url, e.rec.driver_log_url);
  const BatchState state = state_of(report.phase);
  const bool forward = !(state == BatchState::kStarting && e.rec.state == BatchState::kRunning);
  if (!e.kill_requested && !is_final(e.rec.state) && state != e.rec.state && forward) {
    set_state(e, state);
    changed = true;
    if (is_final(state)) {
      const std::string manager(supervisor_.cluster()->name());
      std::string note =
          "the application " + report.app_id + " " + std::string(phase_name(report.phase)) + " in " + manager;
      if (!report.diagnostics.empty()) note += ": " + report.diagnostics;
      e.child->append_note(note);
      e.rec.ended_ms = to_epoch_ms(clock_->now());
    }
  }
  if (changed) {
    persist(e);
    e.changed.notify_all();
  }
}

void BatchManager::Impl::watch(Entry& e) {
  const bool was_running = e.child->running();
  const auto poll = e.child->poll();
  if (!was_running) return;  // only a kill still being escalated

  bool changed = supervisor_.scan_output(e.app, poll.lines, e.rec.app_id, e.rec.spark_ui_url);
  // In local mode output means the application runs; with a cluster manager its report says.
  if (e.app.tag.empty() && !poll.lines.empty() && e.rec.state == BatchState::kStarting && !poll.ended) {
    set_state(e, BatchState::kRunning);
    changed = true;
  }
  e.printed = e.printed || !poll.lines.empty();
  const auto starting_for = std::chrono::milliseconds(to_epoch_ms(clock_->now()) - e.rec.created_ms);
  if (e.rec.state == BatchState::kStarting && !poll.ended && !e.start_timed_out && !e.kill_requested && !e.printed &&
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
  const bool reported = !e.app.tag.empty() && (e.app.found || (poll.exit_status && *poll.exit_status == 0));
  if (e.kill_requested) {
    set_state(e, BatchState::kKilled);
  } else if (e.start_timed_out) {
    set_state(e, BatchState::kDead);  // as Livy's batch whose application is not found in time
  } else if (is_final(e.rec.state)) {
    // Decided already (its application ended, or was never found): the process follows.
  } else if (reported) {
    // The cluster manager has, or is yet to report, the application: its state decides.
    e.child->append_note("spark-submit ended (exit status " + std::to_string(poll.exit_status.value_or(-1)) +
                         "); the application's state comes from " + std::string(supervisor_.cluster()->name()));
    return;
  } else if (poll.exit_status) {
    set_state(e, *poll.exit_status == 0 ? BatchState::kSuccess : BatchState::kDead);
  } else {
    // The wrapper itself died without recording anything: killed from outside, or lost.
    set_state(e, BatchState::kDead);
    e.child->append_note(
        "the batch process ended without recording an exit status" +
        (poll.exit && !poll.exit->exited ? " (signal " + std::to_string(poll.exit->signal) + ")" : std::string()));
    e.child->log().finish();
  }
  if (e.rec.ended_ms == 0) e.rec.ended_ms = to_epoch_ms(clock_->now());
}

}  // namespace livy
