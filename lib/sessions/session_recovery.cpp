// Sessions across livyd restarts: the driver channel's port kept in the store, stored
// sessions brought back `recovering`, a reconnecting driver's `resume`, and the
// optional stop of everything on shutdown (server.stop-on-shutdown).
#include <cstdlib>
#include <filesystem>

#include "channel/driver_address.h"

#include "sessions/session_core.h"
#include "base/text_values.h"

namespace livy {

// Drivers find a restarted livyd on the port they were given: the last one used is kept in
// the store. With TLS, the certificate is the one they pinned: a generated one is kept in
// DATA_DIR/driver-tls.
Result<std::unique_ptr<DriverListener>> SessionCore::open_listener() {
  auto addresses = driver_addresses(config_);
  if (!addresses) return addresses.status();
  DriverChannelOptions options;
  options.host = addresses->bind_host;
  options.port = config_.driver_port;
  options.max_message_bytes = config_.statement_max_output_bytes * 4 + (1 << 20);
  options.max_hello_bytes = config_.driver_hello_max_bytes;
  options.hello_timeout = config_.driver_hello_timeout;
  options.max_pending = config_.driver_max_pending;
  options.send_timeout = config_.driver_send_timeout;
  options.dispatch_threads = static_cast<std::size_t>(config_.driver_dispatch_threads);
  options.max_dispatch_backlog = config_.driver_max_backlog_bytes;
  options.read_per_round = config_.driver_read_per_round_bytes;
  if (config_.driver_tls) {
    auto tls = ChannelTlsContext::load(config_.driver_tls_certificate_file, config_.driver_tls_key_file,
                                       (std::filesystem::path(config_.data_dir) / "driver-tls").string());
    if (!tls) return tls.status();
    options.tls = *tls;
    driver_tls_fingerprint_ = (*tls)->fingerprint();
  }
  const std::optional<std::string> stored = store_.setting("driver-port");
  if (options.port == 0 && stored) options.port = std::atoi(stored->c_str());
  auto listener = DriverListener::start(options, *this);
  if (!listener && config_.driver_port == 0 && options.port != 0) {
    // Taken by someone else now: drivers of stored sessions cannot come back, new ones get a free port.
    recovery_note_ = "the driver port " + std::to_string(options.port) + " of the last run is taken (" +
                     listener.status().message() + "); running sessions cannot reconnect";
    options.port = 0;
    listener = DriverListener::start(options, *this);
  }
  if (!listener) return listener.status();
  if (const std::string port = std::to_string((*listener)->port()); stored != port) {
    if (Status st = store_.put_setting("driver-port", port); !st) return st;
  }
  const int port = addresses->advertised_port != 0 ? addresses->advertised_port : (*listener)->port();
  driver_callback_ = driver_callback(addresses->advertised_host, port);
  return listener;
}

void SessionCore::recover(Entry& e) {
  const int pid = e.child->pid();  // 0 when the stored pid now names another process
  const bool alive = pid > 0 && launcher_->group_alive(pid);
  if (alive) e.child->adopt(pid, true, e.rec.pid_identity);
  // A driver in the cluster outlives its spark-submit: it may still reconnect.
  const bool in_cluster = !e.app.tag.empty() && e.app.found;
  if (!alive && !in_cluster) {
    end_session(e, SessionState::kDead, "the session's driver ended while livyd was down");
    return;
  }
  if (config_.session_recovery_grace.count() == 0) {
    end_session(e, SessionState::kDead, "livyd restarted and sessions.recovery-grace is 0: the driver was stopped");
    return;
  }
  if (!recovery_note_.empty()) e.child->append_note(recovery_note_);
  e.was_ready = e.rec.state == SessionState::kIdle || e.rec.state == SessionState::kBusy;
  for (auto& st : e.statements) {
    if (st.state == StatementState::kWaiting) e.queue.push_back(st.id);
    if (st.state == StatementState::kRunning || st.state == StatementState::kCancelling) e.running.insert(st.id);
  }
  e.last_activity_ms = e.last_heartbeat_ms = now_ms();
  e.recover_deadline_ms = now_ms() + config_.session_recovery_grace.count();
  e.child->append_note("livyd restarted: waiting up to " + format_duration(config_.session_recovery_grace) +
                       " (sessions.recovery-grace) for the driver to reconnect");
  set_state(e, SessionState::kRecovering);
}

void SessionCore::stop_all_for_shutdown() {
  for (const auto& e : all_entries()) {
    MutexLock lock(e->mu);
    if (!is_final(e->rec.state)) end_session(*e, SessionState::kKilled, "livyd shut down (server.stop-on-shutdown)");
  }
}

void SessionCore::finish_kills_for_shutdown() {
  // A session that ended (deleted, timed out, failed) may still have its group stopping. The
  // timers are stopped: wait here for those groups, escalating to SIGKILL after the grace, so that
  // none outlives livyd. Live sessions are left running for the next livyd.
  const auto give_up = clock_->steady_now() + config_.batch_kill_grace + std::chrono::seconds(5);
  wait_for_children(*clock_, give_up, [this] {
    bool pending = supervisor_.poll_orphans();
    for (const auto& e : all_entries()) {
      MutexLock lock(e->mu);
      if (!is_final(e->rec.state)) continue;
      e->child->poll();
      pending = pending || e->child->running() || e->child->cleanup_pending();
    }
    return pending;
  });
}

void SessionCore::resume(Entry& e, const DriverMessage& hello) {
  const auto unfinished = [&](std::optional<std::int64_t> id) REQUIRES(e.mu) {
    return id && *id >= 0 && *id < static_cast<std::int64_t>(e.statements.size()) &&
           !is_final(e.statements[static_cast<std::size_t>(*id)].state);
  };
  // The statements the driver has, as it says: each one livyd has no result for is in flight
  // (running there, or its result about to be replayed). A driver of one statement at a time
  // names the one it runs, or the one whose result it replays; a driver of statements in
  // parallel lists them all.
  std::set<std::int64_t> in_driver;
  if (!hello.resume_unanswered.empty() || !hello.resume_replay.empty()) {
    for (const auto* list : {&hello.resume_unanswered, &hello.resume_replay}) {
      for (const std::int64_t id : *list) {
        if (unfinished(id)) in_driver.insert(id);
      }
    }
  } else if (unfinished(hello.resume_running)) {
    in_driver.insert(*hello.resume_running);
  } else if (unfinished(hello.resume_last)) {
    in_driver.insert(*hello.resume_last);
  }
  // Sent by the last livyd but never received: they go again, first in line, in id order.
  for (auto it = e.running.rbegin(); it != e.running.rend(); ++it) {
    if (in_driver.contains(*it)) continue;
    Statement& st = e.statements[static_cast<std::size_t>(*it)];
    if (st.state == StatementState::kCancelling) {
      finish_statement(e, st, StatementState::kCancelled, cancelled_before_start());
    } else {
      set_statement_state(e, st, StatementState::kWaiting);
      put(e, st);
      e.queue.push_front(st.id);
    }
  }
  e.running.clear();
  for (const std::int64_t id : in_driver) {
    std::erase(e.queue, id);
    e.running.insert(id);
    Statement& st = e.statements[static_cast<std::size_t>(id)];
    if (st.state == StatementState::kWaiting) {
      set_statement_state(e, st, StatementState::kRunning);
      mark_started(e, st);
      put(e, st);
    }
  }
}

}  // namespace livy
