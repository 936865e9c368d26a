// Statements: the queue of a session, what its driver reports, and the monitor.
#include <algorithm>
#include <csignal>
#include <cstdio>

#include "wire/output_json.h"
#include "model/id_or_name.h"
#include "sessions/session_core.h"
#include "base/text_values.h"
#include "base/utf8.h"

namespace livy {

namespace {

Status statement_not_found(std::int64_t id) {
  return Status::not_found("Statement '" + std::to_string(id) + "' not found.");
}

}  // namespace

StatementOutput cancelled_before_start() {
  StatementOutput never_ran;
  never_ran.ok = false;
  never_ran.ename = "Cancelled";
  never_ran.evalue = "the statement was cancelled before it started";
  return never_ran;
}

void SessionCore::put(const Entry& e, const Statement& st, Durability durability) {
  (void)store_.put_statement(e.rec.id, st, durability);
}

Result<Statement> SessionCore::submit(std::string_view session, const StatementRequest& request) {
  if (request.code.size() > config_.statement_max_code_bytes) {
    return Status::too_large("code is " + std::to_string(request.code.size()) + " bytes, over the limit of " +
                             std::to_string(config_.statement_max_code_bytes) + " (statements.max-code-bytes)");
  }
  // The driver reads UTF-8 lines only: code that is not would reach it altered, or not at all.
  if (const std::size_t bad = invalid_utf8_at(request.code); bad != std::string::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(request.code[bad]));
    return Status::invalid_argument("code is not valid UTF-8: byte " + std::string(byte) + " at offset " +
                                    std::to_string(bad));
  }
  std::lock_guard lock(mu_);
  Entry* e = find(session);
  if (e == nullptr) return not_found(session);
  if (is_final(e->rec.state) || e->rec.state == SessionState::kShuttingDown) {
    return Status::invalid_argument("Session is in state " + std::string(to_string(e->rec.state)));
  }
  std::optional<SessionKind> kind = request.kind ? request.kind : e->rec.kind;
  if (kind == SessionKind::kShared) kind.reset();
  if (!kind) return Status::invalid_argument("the statement has no kind and its session has none: set \"kind\"");
  Statement st;
  st.id = static_cast<std::int64_t>(e->statements.size());
  st.code = request.code;
  st.kind = kind;
  // Written before the client hears of it; synced too unless store.sync-statements is off.
  const Status stored = store_.put_statement(e->rec.id, st, config_.sync_statements ? Durability::kSynced
                                                                                    : Durability::kWritten);
  if (!stored) return stored;
  e->statements.push_back(st);
  e->queue.push_back(st.id);
  e->last_activity_ms = e->last_heartbeat_ms = now_ms();
  dispatch(*e);
  changed_.notify_all();
  return e->statements[static_cast<std::size_t>(st.id)];
}

void SessionCore::dispatch(Entry& e) {
  if (!e.ready || !e.driver || e.running || e.jobs.running || dispatch_job(e) || e.queue.empty()) return;
  Statement& st = e.statements[static_cast<std::size_t>(e.queue.front())];
  e.queue.pop_front();
  e.running = st.id;
  set_state(e, SessionState::kBusy);
  if (!e.driver->send(execute_message(st.id, st.code, st.kind.value_or(SessionKind::kPySpark)))) {
    // The reader thread sees the broken connection and ends the session.
    return;
  }
}

void SessionCore::finish_statement(Entry& e, Statement& st, StatementState state, std::optional<StatementOutput> output) {
  st.state = state;
  if (output) {
    wire::limit_output(*output, config_.statement_max_output_bytes);
    st.output = std::move(output);
  }
  st.progress = 1.0;
  if (st.started_ms == 0 && state != StatementState::kCancelled) st.started_ms = now_ms();
  st.completed_ms = now_ms();
  e.last_activity_ms = std::max(e.last_activity_ms, st.completed_ms);
  put(e, st);
  changed_.notify_all();
}

Result<Statement> SessionCore::statement(std::string_view session, std::int64_t id, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    std::optional<Entry> archived;  // a finished session's statements are final: no waiting then
    Entry* e = lookup(session, archived);
    if (e == nullptr) return not_found(session);
    if (id < 0 || id >= static_cast<std::int64_t>(e->statements.size())) return statement_not_found(id);
    const Statement& st = e->statements[static_cast<std::size_t>(id)];
    if (is_final(st.state) || stopping_ || std::chrono::steady_clock::now() >= deadline) return st;
    changed_.wait_until(lock, deadline);
  }
}

Result<Page<Statement>> SessionCore::statements(std::string_view session, std::int64_t from, std::int64_t size,
                                                bool descending) {
  if (from < 0 || size < 0) return Status::invalid_argument("from and size must not be negative");
  std::lock_guard lock(mu_);
  std::optional<Entry> archived;
  Entry* e = lookup(session, archived);
  if (e == nullptr) return not_found(session);
  Page<Statement> page;
  page.from = from;
  page.total = static_cast<std::int64_t>(e->statements.size());
  for (std::int64_t i = from; i < page.total && i - from < size; ++i) {
    const auto index = descending ? page.total - 1 - i : i;
    page.items.push_back(e->statements[static_cast<std::size_t>(index)]);
  }
  return page;
}

Status SessionCore::cancel(std::string_view session, std::int64_t id) {
  std::lock_guard lock(mu_);
  Entry* e = find(session);
  if (e == nullptr) return not_found(session);
  if (id < 0 || id >= static_cast<std::int64_t>(e->statements.size())) return statement_not_found(id);
  Statement& st = e->statements[static_cast<std::size_t>(id)];
  if (is_final(st.state) || st.state == StatementState::kCancelling) return Status::ok();
  if (e->running != id) {
    std::erase(e->queue, id);
    // Clients read the output of every final statement (pylivy fails on null): say what happened.
    finish_statement(*e, st, StatementState::kCancelled, cancelled_before_start());
    return Status::ok();
  }
  st.state = StatementState::kCancelling;
  put(*e, st);
  if (e->driver) e->driver->send(cancel_message(id));
  changed_.notify_all();
  return Status::ok();
}

Status SessionCore::interrupt(std::string_view id_or_name) {
  std::optional<std::int64_t> running;
  {
    std::lock_guard lock(mu_);
    Entry* e = find(id_or_name);
    if (e == nullptr) return not_found(id_or_name);
    running = e->running;
  }
  return running ? cancel(id_or_name, *running) : Status::ok();
}

Result<std::vector<std::string>> SessionCore::complete(std::string_view session, const std::string& code,
                                                       std::optional<SessionKind> kind, std::int64_t cursor) {
  std::unique_lock lock(mu_);
  Entry* e = find(session);
  if (e == nullptr) return not_found(session);
  if (!kind) kind = e->rec.kind;
  // The driver completes Python, Scala and R; other kinds (sql) have no candidates.
  const bool driver_completes =
      kind == SessionKind::kPySpark || kind == SessionKind::kSpark || kind == SessionKind::kSparkR;
  if (!driver_completes || !e->driver || !e->ready) return std::vector<std::string>();
  const std::int64_t id = e->rec.id;
  const std::int64_t rid = next_request_id_++;
  e->completions[rid];
  e->driver->send(complete_message(rid, code, *kind, cursor));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    const auto it = entries_.find(id);
    if (it == entries_.end()) return std::vector<std::string>();
    auto& slot = it->second.completions[rid];
    if (slot || stopping_ || changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      auto out = it->second.completions[rid].value_or(std::vector<std::string>());
      it->second.completions.erase(rid);
      return out;
    }
  }
}

void SessionCore::on_message(std::int64_t session_id, const DriverMessage& m) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(session_id);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  // A message read after the session ended (its connection closing) changes nothing.
  if (is_final(e.rec.state) || !e.driver) return;
  using T = DriverMessage::Type;
  const auto statement = [&]() -> Statement* {
    if (m.statement_id < 0 || m.statement_id >= static_cast<std::int64_t>(e.statements.size())) return nullptr;
    return &e.statements[static_cast<std::size_t>(m.statement_id)];
  };
  switch (m.type) {
    case T::kWarming:
      // The SparkSession exists; the driver now warms up the interpreter of the session's kind
      // before it says `ready`. That is progress, not a hang: the warm-up gets a start timeout
      // of its own, so a slow Spark start and a slow warm-up do not add up against one.
      if (!e.ready && (e.rec.state == SessionState::kStarting || e.rec.state == SessionState::kRecovering)) {
        e.start_deadline = std::chrono::steady_clock::now() + config_.session_start_timeout;
        e.child->append_note("the driver's SparkSession is up; it warms up the interpreter before it is ready");
      }
      break;
    case T::kReady:
      e.ready = true;
      e.rec.app_id = m.app_id;
      e.rec.spark_ui_url = m.spark_ui_url;
      set_state(e, e.running || e.jobs.running ? SessionState::kBusy : SessionState::kIdle);
      (void)store_.update_session(e.rec);
      // After a reconnect: a cancel the driver may have missed goes again (a repeat is harmless).
      if (e.running && e.statements[static_cast<std::size_t>(*e.running)].state == StatementState::kCancelling) {
        e.driver->send(cancel_message(*e.running));
      }
      if (e.jobs.running && e.jobs.cancelling == e.jobs.running) e.driver->send(job_cancel_message(*e.jobs.running));
      send_pending_resources(e);
      dispatch(e);
      break;
    case T::kFatal:
      end_session(e, SessionState::kError, "the driver failed: " + m.error);
      break;
    case T::kStarted:
      if (Statement* st = statement(); st != nullptr && st->state == StatementState::kWaiting) {
        st->state = StatementState::kRunning;
        st->started_ms = now_ms();
        put(e, *st);
        changed_.notify_all();
      }
      break;
    case T::kProgress:
      if (Statement* st = statement(); st != nullptr && !is_final(st->state)) {
        st->progress = std::clamp(m.progress, 0.0, 1.0);
        changed_.notify_all();
      }
      break;
    case T::kResult:
      if (Statement* st = statement(); st != nullptr && e.running == st->id) {
        const bool cancelled = m.cancelled || st->state == StatementState::kCancelling;
        finish_statement(e, *st, cancelled ? StatementState::kCancelled : StatementState::kAvailable, m.output);
        e.running.reset();
        set_state(e, SessionState::kIdle);
        dispatch(e);
      }
      break;
    case T::kCompletion:
      if (const auto c = e.completions.find(m.request_id); c != e.completions.end()) {
        c->second = m.candidates;
        changed_.notify_all();
      }
      break;
    case T::kUnreadable:
      e.child->append_note("ignored a line from the driver that livyd could not read: " + m.error);
      break;
    case T::kProtocolError:
      // The driver answers a statement or job it could not read itself; this is any other line.
      e.child->append_note("the driver could not read a line from livyd: " + m.error.substr(0, 1000));
      break;
    default:
      on_job_message(e, m);
      break;
  }
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

void SessionCore::monitor_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    tick();
    lock.lock();
    changed_.wait_for(lock, config_.monitor_interval, [this] { return stopping_; });
  }
}

void SessionCore::tick() {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  const auto retain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    const auto poll = e.child->poll();
    if (poll.ended && !is_final(e.rec.state)) {
      const std::string how = poll.exit_status ? "exit status " + std::to_string(*poll.exit_status) : "no exit status";
      end_session(e, e.ready || e.was_ready ? SessionState::kDead : SessionState::kError,
                  "the driver process ended (" + how + ")");
    } else if (e.rec.state == SessionState::kStarting && now >= e.start_deadline) {
      end_session(e, SessionState::kError, "the driver did not come up within sessions.start-timeout");
    } else if (e.rec.state == SessionState::kRecovering && !e.driver && now_ms() >= e.recover_deadline_ms) {
      end_session(e, SessionState::kDead, "the driver did not reconnect within sessions.recovery-grace");
    } else if (e.rec.state == SessionState::kRecovering && e.driver && now >= e.start_deadline) {
      end_session(e, SessionState::kDead, "the reconnected driver was not ready within sessions.start-timeout");
    } else if (!is_final(e.rec.state)) {
      if (const std::string why = expiry(e, now_ms()); !why.empty()) end_session(e, SessionState::kKilled, why);
    }
    const bool expired = is_final(e.rec.state) && !e.child->running() && !e.child->cleanup_pending() &&
                         e.rec.ended_ms + retain_ms < now_ms();
    it = expired ? entries_.erase(it) : std::next(it);
  }
  poll_orphans(orphans_);
}

}  // namespace livy
