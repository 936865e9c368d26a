// The sessions' timers: each session has one deadline in the timer queue, the earliest of
// its next child poll, its start or recovery deadline, its expiry (idle, TTL, heartbeat)
// and the end of its state-retain. When it is due, check() looks at that session alone,
// under its own lock, and schedules the next one.
#include <algorithm>

#include "base/text_values.h"
#include "sessions/session_core.h"

namespace livy {

void SessionCore::on_timer(TimerQueue::Key key) {
  if (key == kOrphansKey) {
    if (supervisor_.poll_orphans()) timers_.schedule_tick(kOrphansKey);
    return;
  }
  if (const EntryPtr e = find(key)) check(e);
  results_.sweep();  // the whole results of a session whose state-retain just ended
}

std::string SessionCore::expiry(const Entry& e, std::int64_t now) const {
  using std::chrono::milliseconds;
  const auto ms = [](milliseconds d) { return d.count(); };
  const std::int64_t idle_for = now - e.last_activity_ms;
  const bool busy = e.rec.state == SessionState::kBusy;
  if (e.request.heartbeat_timeout_s > 0 && now - e.last_heartbeat_ms > e.request.heartbeat_timeout_s * 1000LL) {
    return "no client heartbeat for " + std::to_string(e.request.heartbeat_timeout_s) + " s";
  }
  const milliseconds ttl = e.request.ttl.value_or(config_.session_ttl);
  if (config_.session_ttl_check && ttl.count() > 0 && idle_for > ms(ttl)) return "ttl of " + format_duration(ttl) + " reached";
  const milliseconds idle = e.request.idle_timeout.value_or(config_.session_idle_timeout);
  if (config_.session_timeout_check && idle.count() > 0 && idle_for > ms(idle) &&
      !(busy && config_.session_timeout_skip_busy)) {
    return "idle for longer than " + format_duration(idle);
  }
  return "";
}

std::optional<std::int64_t> SessionCore::next_expiry(const Entry& e) const {
  // Just past each limit: expiry() counts "longer than". An activity since only makes the
  // real deadline later, and check() then schedules that one.
  std::optional<std::int64_t> at;
  const auto earliest = [&](std::int64_t t) { at = at ? std::min(*at, t) : t; };
  if (e.request.heartbeat_timeout_s > 0) earliest(e.last_heartbeat_ms + e.request.heartbeat_timeout_s * 1000LL + 1);
  const auto ttl = e.request.ttl.value_or(config_.session_ttl);
  if (config_.session_ttl_check && ttl.count() > 0) earliest(e.last_activity_ms + ttl.count() + 1);
  const auto idle = e.request.idle_timeout.value_or(config_.session_idle_timeout);
  if (config_.session_timeout_check && idle.count() > 0) earliest(e.last_activity_ms + idle.count() + 1);
  return at;
}

void SessionCore::schedule(Entry& e) {
  if (e.gone) return;
  const auto now = clock_->steady_now();
  const std::int64_t wall = now_ms();
  std::optional<TimerQueue::TimePoint> at;
  const auto earliest = [&](TimerQueue::TimePoint t) { at = at ? std::min(*at, t) : t; };
  const auto at_wall = [&](std::int64_t ms) { return now + std::chrono::milliseconds(std::max<std::int64_t>(0, ms - wall)); };
  // A child is polled for its output and its end (and a kill's escalation) at every tick; a
  // ready session's less often: its driver's death closes its connection, which ends the
  // session at once (on_closed), and GET .../log reads new lines itself.
  const bool ready = e.ready && e.driver && (e.rec.state == SessionState::kIdle || e.rec.state == SessionState::kBusy);
  if (e.child->cleanup_pending() || (e.child->running() && !ready)) {
    timers_.schedule_tick(e.id);
  } else if (e.child->running()) {
    earliest(now + config_.monitor_ready_interval);
  }
  if (e.rec.state == SessionState::kStarting) earliest(e.start_deadline);
  if (supervisor_.wants_manager(e.app, !is_final(e.rec.state)) && !e.app.in_flight) earliest(e.app.next_lookup);
  if (e.rec.state == SessionState::kRecovering) earliest(e.driver ? e.start_deadline : at_wall(e.recover_deadline_ms));
  if (is_final(e.rec.state)) {
    const auto retain = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
    earliest(at_wall(e.rec.ended_ms + retain + 1));
  } else if (const auto expires = next_expiry(e); expires && *expires > wall) {
    // One already past did not stop the session (busy, with sessions.timeout.skip-busy): it is
    // looked at again when the session's activity moves it, or at the child's next poll.
    earliest(at_wall(*expires));
  }
  // A deadline already past that did not end the session is not looked at again at once.
  if (at && *at <= now) at = now + config_.monitor_interval;
  if (at) timers_.schedule(e.id, *at);
}

void SessionCore::check(const EntryPtr& entry) {
  talk_to_cluster(entry);
  Entry& e = *entry;
  MutexLock lock(e.mu);
  if (e.gone) return;
  const auto now = clock_->steady_now();
  const auto poll = e.child->poll();
  if (!poll.lines.empty()) publish(e);  // the log a GET shows
  // With a cluster manager, spark-submit may end once it has submitted (cluster deploy mode):
  // the driver then lives in the cluster, and the session follows its application there.
  const bool submitted = !e.app.tag.empty() && (e.app.found || (poll.exit_status && *poll.exit_status == 0));
  if (poll.ended && !is_final(e.rec.state) && submitted) {
    note(e, "spark-submit ended; the session follows its application in " +
                         std::string(supervisor_.cluster()->name()));
  } else if (poll.ended && !is_final(e.rec.state)) {
    const std::string how = poll.exit_status ? "exit status " + std::to_string(*poll.exit_status) : "no exit status";
    end_session(e, SessionState::kDead, "the driver process ended (" + how + ")");
  } else if (e.rec.state == SessionState::kStarting && now >= e.start_deadline) {
    end_session(e, SessionState::kDead, "the driver did not come up within sessions.start-timeout");
  } else if (e.rec.state == SessionState::kRecovering && !e.driver && now_ms() >= e.recover_deadline_ms) {
    end_session(e, SessionState::kDead, "the driver did not reconnect within sessions.recovery-grace");
  } else if (e.rec.state == SessionState::kRecovering && e.driver && now >= e.start_deadline) {
    end_session(e, SessionState::kDead, "the reconnected driver was not ready within sessions.start-timeout");
  } else if (!is_final(e.rec.state)) {
    if (const std::string why = expiry(e, now_ms()); !why.empty()) end_session(e, SessionState::kKilled, why);
  }
  const auto retain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
  const bool expired = is_final(e.rec.state) && !e.child->running() && !e.child->cleanup_pending() &&
                       !e.app.kill_due && !e.app.in_flight && e.rec.ended_ms + retain_ms < now_ms();
  if (expired) {
    erase(e);
  } else {
    schedule(e);
  }
}

// The manager adds to a session what its driver cannot say: the application's id and links, its
// kill, and its end (`dead`) when it ends, or is never found, in the cluster.
void SessionCore::talk_to_cluster(const EntryPtr& entry) {
  Entry& e = *entry;
  std::optional<AppCall> kill;
  std::optional<AppCall> lookup;
  {
    MutexLock lock(e.mu);
    if (e.gone) return;
    kill = supervisor_.due_kill(e.app, e.rec.app_id);
    if (!kill) lookup = supervisor_.due_lookup(e.app, !is_final(e.rec.state), e.rec.app_id);
  }
  if (kill) {
    const Status st = supervisor_.kill(*kill);
    MutexLock lock(e.mu);
    supervisor_.finish_kill(e.app, *e.child, st);
  }
  if (!lookup) return;
  auto answer = supervisor_.lookup(*lookup);
  MutexLock lock(e.mu);
  e.app.in_flight = false;
  if (e.gone) return;  // forgotten meanwhile: its answer changes nothing
  ClusterAppReport report;
  const auto outcome = supervisor_.take_lookup(e.app, *e.child, std::move(answer), report);
  if (outcome == Supervisor::Outcome::kGivenUp && !is_final(e.rec.state)) {
    end_session(e, SessionState::kDead,
                "its application was not found in " + std::string(supervisor_.cluster()->name()));
  } else if (outcome == Supervisor::Outcome::kReport) {
    if (Supervisor::apply_report(report, e.rec.app_id, e.rec.spark_ui_url, e.rec.driver_log_url)) {
      (void)store_.update_session(e.rec);
      publish(e);
    }
    if (e.app.final_phase() && !is_final(e.rec.state)) {
      std::string why = "its application " + report.app_id + " " + std::string(phase_name(report.phase)) + " in " +
                        std::string(supervisor_.cluster()->name());
      if (!report.diagnostics.empty()) why += ": " + report.diagnostics;
      // Livy: a KILLED application makes the session killed, any other end dead.
      end_session(e, report.phase == ClusterAppPhase::kKilled ? SessionState::kKilled : SessionState::kDead, why);
    }
  }
}

}  // namespace livy
