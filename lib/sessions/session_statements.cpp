// Statements: the queue of a session, and what its driver reports. The timers are in session_timers.cpp.
#include <algorithm>
#include <csignal>
#include <cstdio>

#include "wire/output_json.h"
#include "model/id_or_name.h"
#include "sessions/session_core.h"
#include "sessions/statement_dispatch.h"
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
  (void)store_.update_statement(e.rec.id, st, durability);
}

Status SessionCore::wait_for_store_turn(Entry& e, MutexLock& lock, std::string_view session) {
  // One new statement or job of a session is written at a time: its id is the next one only if
  // the one before it is stored (ids dense and in order). Other sessions' writes share the sync.
  while (e.storing && !e.gone && !stopping_) {
    ++e.waiting;
    e.stored.wait(lock);
    --e.waiting;
    ++e.wakeups;
  }
  if (e.gone) return not_found(session);
  if (stopping_) return Status::unavailable("the server is shutting down");
  return Status::ok();
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
  // A `%repl NAME` first line names the REPL it runs in (statement_dispatch.h): a bad name is
  // refused here, in every session, rather than left for the driver.
  if (const auto repl = named_repl(request.code); !repl) return repl.status();
  const auto submitted = clock_->steady_now();
  const EntryPtr e = find(session);
  if (e == nullptr) return not_found(session);
  MutexLock lock(e->mu);
  if (Status turn = wait_for_store_turn(*e, lock, session); !turn) return turn;
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
  st.submitted_ms = now_ms();
  // Written before the client hears of it (synced too unless store.sync-statements is off), and
  // without the session's lock: its GETs, driver messages and timers go on meanwhile. Until it is
  // stored it is in no list or queue, so nothing runs, shows or cancels it.
  e->storing = true;
  lock.unlock();
  const Status stored =
      store_.insert_statement(e->id, st, config_.sync_statements ? Durability::kSynced : Durability::kWritten);
  lock.lock();
  e->storing = false;
  e->stored.notify_all();  // one of the waiting submits takes the next id
  if (!stored) return stored;
  e->statements.push_back(st);
  set_statement_state(*e, e->statements.back(), st.state, true);
  e->submitted[st.id] = submitted;
  e->last_activity_ms = e->last_heartbeat_ms = now_ms();
  if (is_final(e->rec.state) || e->gone) {
    // The session ended (stopped, deleted, its driver lost) while the statement was written: it
    // was accepted first, and is cancelled with the session's other waiting statements.
    finish_statement(*e, e->statements.back(), StatementState::kCancelled, cancelled_before_start());
  } else {
    e->queue.push_back(st.id);
    dispatch(*e);
  }
  return e->statements[static_cast<std::size_t>(st.id)];
}

void SessionCore::dispatch(Entry& e) {
  if (!e.ready || !e.driver || e.jobs.running) return;
  if (e.running.empty() && dispatch_job(e)) return;
  // A job runs alone: while one waits, no more statements go, so it is not starved by them.
  if (!e.jobs.queue.empty() || e.queue.empty()) return;
  const auto lane_of = [&e](std::int64_t id) REQUIRES(e.mu) {
    const Statement& st = e.statements[static_cast<std::size_t>(id)];
    return statement_lane(st.code, st.kind);
  };
  const std::vector<std::int64_t> to_send = statements_to_send(e.queue, e.running, e.parallel, lane_of);
  if (to_send.empty()) return;
  set_state(e, SessionState::kBusy);
  for (const std::int64_t id : to_send) {
    const Statement& st = e.statements[static_cast<std::size_t>(id)];
    std::erase(e.queue, id);
    e.running.insert(id);
    // A failed send: the channel's loop sees the broken connection and ends the session.
    if (!e.driver->send(execute_message(st.id, st.code, st.kind.value_or(SessionKind::kPySpark)))) return;
  }
}

void SessionCore::finish_statement(Entry& e, Statement& st, StatementState state, std::optional<StatementOutput> output) {
  set_statement_state(e, st, state);
  if (output) {
    wire::limit_output(*output, config_.statement_max_output_bytes);
    st.output = std::move(output);
  }
  st.progress = 1.0;
  if (st.started_ms == 0 && state != StatementState::kCancelled) mark_started(e, st);
  st.completed_ms = now_ms();
  e.last_activity_ms = std::max(e.last_activity_ms, st.completed_ms);
  put(e, st);
  if (const auto it = e.submitted.find(st.id); it != e.submitted.end()) {
    if (state == StatementState::kAvailable) {
      const std::chrono::duration<double> took = clock_->steady_now() - it->second;
      metrics_->statement_round_trip.with({std::string(to_string(st.kind.value_or(SessionKind::kPySpark)))})
          .observe(took.count());
    }
    e.submitted.erase(it);
  }
  notify_statement(e, st.id);
}

Result<Statement> SessionCore::statement(std::string_view session, std::int64_t id, std::chrono::milliseconds wait) {
  const auto deadline = clock_->steady_now() + wait;
  const EntryPtr e = lookup(session);  // a finished session's statements are final: no waiting then
  if (e == nullptr) return not_found(session);
  MutexLock lock(e->mu);
  // Registered while it waits: only this statement's end (or the session's) wakes it.
  StatementWaiter waiter;
  waiter.statement = id;
  struct Registration {
    Registration(std::vector<StatementWaiter*>& list, StatementWaiter* w) : list(list), w(w) { list.push_back(w); }
    ~Registration() { std::erase(list, w); }  // runs before `lock` is released
    std::vector<StatementWaiter*>& list;
    StatementWaiter* w;
  };
  std::optional<Registration> registered;
  for (bool timed_out = false;;) {
    if (e->rec.forgotten) return not_found(session);
    if (id < 0 || id >= static_cast<std::int64_t>(e->statements.size())) return statement_not_found(id);
    const Statement& st = e->statements[static_cast<std::size_t>(id)];
    if (is_final(st.state) || stopping_ || timed_out) return st;
    if (!registered) registered.emplace(e->statement_waiters, &waiter);
    timed_out = wait_on(*e, waiter.cv, lock, deadline);
  }
}

Result<Page<Statement>> SessionCore::statements(std::string_view session, std::int64_t from, std::int64_t size,
                                                bool descending) {
  if (from < 0 || size < 0) return Status::invalid_argument("from and size must not be negative");
  const EntryPtr e = lookup(session);
  if (e == nullptr) return not_found(session);
  MutexLock lock(e->mu);
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
  const EntryPtr e = find(session);
  if (e == nullptr) return not_found(session);
  MutexLock lock(e->mu);
  if (id < 0 || id >= static_cast<std::int64_t>(e->statements.size())) return statement_not_found(id);
  Statement& st = e->statements[static_cast<std::size_t>(id)];
  if (is_final(st.state) || st.state == StatementState::kCancelling) return Status::ok();
  if (!e->running.contains(id)) {
    std::erase(e->queue, id);
    // Clients read the output of every final statement (pylivy fails on null): say what happened.
    finish_statement(*e, st, StatementState::kCancelled, cancelled_before_start());
    return Status::ok();
  }
  set_statement_state(*e, st, StatementState::kCancelling);
  put(*e, st);
  if (e->driver) e->driver->send(cancel_message(id));
  return Status::ok();
}

Status SessionCore::interrupt(std::string_view id_or_name) {
  std::set<std::int64_t> running;  // all of them, in a session with statements in parallel
  {
    const EntryPtr e = find(id_or_name);
    if (e == nullptr) return not_found(id_or_name);
    MutexLock lock(e->mu);
    running = e->running;
  }
  for (const std::int64_t id : running) {
    if (Status st = cancel(id_or_name, id); !st) return st;
  }
  return Status::ok();
}

Result<std::vector<std::string>> SessionCore::complete(std::string_view session, const std::string& code,
                                                       std::optional<SessionKind> kind, std::int64_t cursor) {
  const EntryPtr e = find(session);
  if (e == nullptr) return not_found(session);
  MutexLock lock(e->mu);
  if (!kind) kind = e->rec.kind;
  // The driver completes Python, Scala and R; other kinds (sql) have no candidates.
  const bool driver_completes =
      kind == SessionKind::kPySpark || kind == SessionKind::kSpark || kind == SessionKind::kSparkR;
  if (!driver_completes || !e->driver || !e->ready) return std::vector<std::string>();
  const std::int64_t rid = next_request_id_++;
  e->completions[rid];
  e->driver->send(complete_message(rid, code, *kind, cursor));
  const auto deadline = clock_->steady_now() + std::chrono::seconds(5);
  for (bool timed_out = false;;) {
    if (e->gone) return std::vector<std::string>();
    if (e->completions[rid] || stopping_ || timed_out) {
      auto out = e->completions[rid].value_or(std::vector<std::string>());
      e->completions.erase(rid);
      return out;
    }
    timed_out = wait_on(*e, e->replies_changed, lock, deadline);
  }
}

void SessionCore::on_message(std::int64_t session_id, const DriverMessage& m) {
  if (session_id < 0) {  // a warm driver, not claimed yet (warm_pool.h)
    if (pool_) pool_->on_message(session_id, m);
    return;
  }
  const EntryPtr found = find(session_id);
  if (found == nullptr) return;
  using T = DriverMessage::Type;
  if (m.type == T::kResultBegin || m.type == T::kResultRows || m.type == T::kResultEnd) {
    return on_result_message(*found, m);  // written to disk without the session's lock
  }
  Entry& e = *found;
  MutexLock lock(e.mu);
  // A message read after the session ended (its connection closing) changes nothing.
  if (is_final(e.rec.state) || !e.driver) return;
  const auto statement = [&]() REQUIRES(e.mu) -> Statement* {
    if (m.statement_id < 0 || m.statement_id >= static_cast<std::int64_t>(e.statements.size())) return nullptr;
    return &e.statements[static_cast<std::size_t>(m.statement_id)];
  };
  switch (m.type) {
    case T::kWarming:
      // The SparkSession exists; the driver now warms up the interpreter of the session's kind
      // before it says `ready`. That is progress, not a hang: the warm-up gets a start timeout
      // of its own, so a slow Spark start and a slow warm-up do not add up against one.
      if (!e.ready && (e.rec.state == SessionState::kStarting || e.rec.state == SessionState::kRecovering)) {
        e.start_deadline = clock_->steady_now() + config_.session_start_timeout;
        note(e, "the driver's SparkSession is up; it warms up the interpreter before it is ready");
      }
      break;
    case T::kReady:
      e.ready = true;
      e.rec.app_id = m.app_id;
      e.rec.spark_ui_url = m.spark_ui_url;
      e.connect = m.connect;
      // The record, with its app id and UI, is written once: by set_state, else here (a ready
      // again after a reconnect, say), before the view that says so is published.
      if (!set_state(e, !e.running.empty() || e.jobs.running ? SessionState::kBusy : SessionState::kIdle)) {
        (void)store_.update_session(e.rec);
        publish(e);
      }
      // After a reconnect: a cancel the driver may have missed goes again (a repeat is harmless).
      for (const std::int64_t id : e.running) {
        if (e.statements[static_cast<std::size_t>(id)].state == StatementState::kCancelling) {
          e.driver->send(cancel_message(id));
        }
      }
      if (e.jobs.running && e.jobs.cancelling == e.jobs.running) e.driver->send(job_cancel_message(*e.jobs.running));
      send_pending_resources(e);
      dispatch(e);
      break;
    case T::kFatal:
      end_session(e, SessionState::kDead, "the driver failed: " + m.error);
      break;
    case T::kStarted:
      if (Statement* st = statement(); st != nullptr && st->state == StatementState::kWaiting) {
        set_statement_state(e, *st, StatementState::kRunning);
        mark_started(e, *st);
        // Not waited for: the lane's other sessions go on. Lost in a crash, it is said again:
        // the reconnecting driver names the statement it runs, or whose result it replays.
        put(e, *st, Durability::kQueued);
      }
      break;
    case T::kProgress:
      if (Statement* st = statement(); st != nullptr && !is_final(st->state)) {
        st->progress = std::clamp(m.progress, 0.0, 1.0);
      }
      break;
    case T::kResult:
      if (Statement* st = statement(); st != nullptr && e.running.contains(st->id)) {
        const bool cancelled = m.cancelled || st->state == StatementState::kCancelling;
        std::optional<StatementOutput> output = m.output;
        note_whole_result(e, st->id, output);
        finish_statement(e, *st, cancelled ? StatementState::kCancelled : StatementState::kAvailable,
                         std::move(output));
        e.running.erase(st->id);
        if (e.running.empty()) set_state(e, SessionState::kIdle);  // `busy` while any statement runs
        dispatch(e);
      }
      break;
    case T::kCompletion:
      if (const auto c = e.completions.find(m.request_id); c != e.completions.end()) {
        c->second = m.candidates;
        e.replies_changed.notify_all();
      }
      break;
    case T::kUnreadable:
      note(e, "ignored a line from the driver that livyd could not read: " + m.error);
      break;
    case T::kProtocolError:
      // The driver answers a statement or job it could not read itself; this is any other line.
      note(e, "the driver could not read a line from livyd: " + m.error.substr(0, 1000));
      break;
    default:
      on_job_message(e, m);
      break;
  }
}

}  // namespace livy
