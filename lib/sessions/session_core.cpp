// Sessions: create, look up, stop; the driver's lifecycle. Statements are in session_statements.cpp.
#include "sessions/session_core.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "base/data_dir.h"
#include "log/state_log.h"
#include "model/id_or_name.h"
#include "model/log_page.h"
#include "model/paging.h"
#include "model/request_validation.h"
#include "model/statement_parallelism.h"
#include "spark/spark_connect.h"
#include "base/text_values.h"

namespace livy {

namespace fs = std::filesystem;

namespace {

std::string random_secret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace

SessionCore::SessionCore(Config config, RequestRules rules, SparkInstallations spark, std::string driver_script,
                         Store& store, std::shared_ptr<ProcessLauncher> launcher, std::shared_ptr<Clock> clock,
                         std::shared_ptr<ClusterManager> cluster, std::shared_ptr<metrics::CoreMetrics> metrics)
    : config_(std::move(config)),
      rules_(std::move(rules)),
      spark_(std::move(spark)),
      driver_script_(std::move(driver_script)),
      store_(store),
      launcher_(std::move(launcher)),
      clock_(std::move(clock)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<metrics::CoreMetrics>()),
      supervisor_(Supervisor::options_for(config_, launcher_, clock_, std::move(cluster), spark_.default_spark().ui_host,
                                          metrics::child_processes_gauge(metrics_))),
      timers_(clock_, config_.monitor_interval, [this](TimerQueue::Key key) { on_timer(key); }) {}

SessionCore::~SessionCore() { stop(); }

std::int64_t SessionCore::now_ms() const { return to_epoch_ms(clock_->now()); }

bool SessionCore::wait_on(Entry& e, CondVar& cv, MutexLock& lock, std::chrono::steady_clock::time_point deadline) {
  ++e.waiting;
  const bool timed_out = cv.wait_for(lock, deadline - clock_->steady_now());
  --e.waiting;
  if (!timed_out) ++e.wakeups;
  return timed_out;
}

void SessionCore::notify_statement(Entry& e, std::int64_t id) {
  for (StatementWaiter* w : e.statement_waiters) {
    if (w->statement == id) w->cv.notify_all();
  }
}

void SessionCore::notify_all(Entry& e) {
  e.state_changed.notify_all();
  e.replies_changed.notify_all();
  e.stored.notify_all();
  for (StatementWaiter* w : e.statement_waiters) w->cv.notify_all();
}

void SessionCore::publish(Entry& e) {
  auto view = std::make_shared<const Session>(to_session(e));  // built before view_mu is taken
  MutexLock lock(e.view_mu);
  e.view = std::move(view);
}

std::shared_ptr<const Session> SessionCore::view_of(Entry& e) {
  MutexLock lock(e.view_mu);
  return e.view;
}

void SessionCore::note(Entry& e, const std::string& line) {
  e.child->append_note(line);
  publish(e);
}

std::optional<SessionCore::Waits> SessionCore::waits_of(std::int64_t id) {
  const EntryPtr e = find(id);
  if (e == nullptr) return std::nullopt;
  MutexLock lock(e->mu);
  return Waits{e->waiting, e->wakeups};
}

SessionCore::EntryPtr SessionCore::load_entry(SessionRecord rec) {
  auto e = std::make_shared<Entry>();
  MutexLock lock(e->mu);  // not shared yet; taken for the analysis
  e->id = rec.id;
  e->name = rec.name;
  e->user = rec.proxy_user ? rec.proxy_user : rec.owner;
  e->state_seen = rec.state;
  e->request = rec.request;
  // As the driver was started: it has that many statement threads, whatever the config says now.
  const auto parallel = statement_parallelism(rec.request.resources.conf, kMaxStatementParallel);
  e->parallel = parallel ? *parallel : 1;
  if (auto statements = store_.load_statements(rec.id)) e->statements = std::move(*statements);
  e->statements_run = std::count_if(e->statements.begin(), e->statements.end(),
                                    [](const Statement& st) { return st.started_ms != 0; });
  e->child = supervisor_.new_child(rec.log_path, rec.status_path);
  supervisor_.adopt(e->app, rec.cluster_tag, rec.app_id.has_value(), is_final(rec.state));
  e->rec = std::move(rec);
  load_jobs(*e);
  return e;
}

Status SessionCore::start() {
  auto records = store_.load_sessions();
  if (!records) return records.status();
  // Drivers may reconnect as soon as the channel is open: their hellos wait for `loaded_`.
  auto listener = open_listener();
  if (!listener) return listener.status();
  listener_ = std::move(*listener);
  const auto retain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
  std::vector<EntryPtr> loaded;
  for (auto& rec : *records) {
    if (rec.forgotten || (is_final(rec.state) && rec.ended_ms + retain_ms < now_ms())) {
      // Not loaded. Its whole results go now if livyd stopped before they were removed (its
      // retention ended while livyd was down, or livyd died between the two).
      // A log path without a directory has no session directory of its own to remove from.
      if (fs::path(rec.log_path).has_parent_path()) results_.remove_later(results_dir_of(rec.log_path));
      continue;
    }
    const int pid = rec.pid;
    const std::string identity = rec.pid_identity;
    EntryPtr e = load_entry(std::move(rec));
    MutexLock lock(e->mu);
    e->child->adopt(pid, false, identity);
    // A kill at the cluster manager that may not have gone out (stopped on shutdown): sent again.
    e->app.kill_due = e->rec.state == SessionState::kKilled && !e->app.tag.empty() && e->rec.app_id.has_value();
    publish(*e);  // with the log read back
    if (e->rec.state == SessionState::kStarting) ++starting_;  // set_state counts it down when it leaves
    if (!is_final(e->rec.state)) recover(*e);
    loaded.push_back(e);
  }
  {
    MutexLock lock(table_mu_);
    for (const auto& e : loaded) entries_.emplace(e->id, e);
  }
  results_.sweep();  // the results of the sessions not loaded, with no lock held
  start_warm_pool();  // before the hellos go on: they read pool_ after loaded_
  {
    MutexLock lock(load_mu_);
    loaded_ = true;
  }
  loaded_cv_.notify_all();
  for (const auto& e : loaded) {
    MutexLock lock(e->mu);
    schedule(*e);
  }
  timers_.start();
  return Status::ok();
}

void SessionCore::stop() {
  if (stopped_.exchange(true)) return;
  stopping_ = true;
  {
    MutexLock lock(load_mu_);  // a hello still waiting for the load gives up
  }
  loaded_cv_.notify_all();
  timers_.stop();
  for (const auto& e : all_entries()) {
    MutexLock lock(e->mu);  // taken so that no waiter misses the notify between its check and its wait
    notify_all(*e);
  }
  if (pool_) pool_->stop();  // warm drivers never outlive livyd
  if (config_.stop_on_shutdown) stop_all_for_shutdown();
  finish_kills_for_shutdown();
  // Open connections close now: their drivers try to reconnect to the next livyd (on_closed
  // leaves the sessions' states alone while stopping).
  if (listener_) listener_->stop();  // kept: a creation racing the stop may still read its port
}

SessionCore::EntryPtr SessionCore::find(std::int64_t id) {
  MutexLock lock(table_mu_);
  const auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second;
}

SessionCore::EntryPtr SessionCore::find(std::string_view id_or_name) {
  if (const auto id = as_id(id_or_name)) return find(*id);
  // Names are unique among live sessions; a finished one may share its name with a newer one.
  MutexLock lock(table_mu_);
  EntryPtr found;
  for (const auto& [id, e] : entries_) {
    if (e->name && *e->name == id_or_name && (found == nullptr || !is_final(e->state_seen.load()))) found = e;
  }
  return found;
}

std::vector<SessionCore::EntryPtr> SessionCore::all_entries() {
  MutexLock lock(table_mu_);
  std::vector<EntryPtr> out;
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) out.push_back(e);
  return out;
}

SessionCore::EntryPtr SessionCore::lookup(std::string_view id_or_name) {
  if (EntryPtr e = find(id_or_name)) return e;
  const auto id = as_id(id_or_name);
  if (!id) return nullptr;
  // Read with no lock held: an archived session is nobody's shared state.
  auto records = store_.load_sessions(*id);
  if (!records || records->empty() || records->front().forgotten || !is_final(records->front().state)) return nullptr;
  EntryPtr e = load_entry(std::move(records->front()));
  MutexLock lock(e->mu);
  e->child->adopt(0, false);  // its log only
  e->gone = true;
  publish(*e);
  return e;
}

void SessionCore::erase(Entry& e) {
  e.gone = true;
  results_.forget(e.id, results_dir(e));  // removed by the caller's sweep, with no lock held
  notify_all(e);
  timers_.cancel(e.id);
  MutexLock lock(table_mu_);
  const auto it = entries_.find(e.id);
  if (it != entries_.end() && it->second.get() == &e) entries_.erase(it);
}

Session SessionCore::to_session(const Entry& e) const {
  Session s;
  s.id = e.rec.id;
  s.name = e.rec.name;
  s.owner = e.rec.owner;
  s.proxy_user = e.rec.proxy_user;
  s.kind = e.rec.kind;
  s.state = e.rec.state;
  s.app_id = e.rec.app_id;
  s.app_info.spark_ui_url = e.rec.spark_ui_url;
  s.app_info.driver_log_url = e.rec.driver_log_url;
  s.log = e.child->log().last(10);
  s.request = e.rec.request;  // its conf redacted once, when the session was created or claimed
  s.timeline = {e.rec.created_ms, e.rec.started_ms, e.rec.ready_ms, e.rec.ended_ms};
  s.statements_run = e.statements_run;
  return s;
}

void SessionCore::mark_started(Entry& e, Statement& st) {
  if (st.started_ms != 0) return;
  st.started_ms = now_ms();
  ++e.statements_run;
  publish(e);  // the count is in the view GET shows
}

bool SessionCore::set_state(Entry& e, SessionState state) {
  if (e.rec.state == state) return false;
  log_state_change(logger.get(), "session", e.rec.id, std::nullopt, to_string(e.rec.state), to_string(state),
                   e.rec.app_id);
  if (e.rec.state == SessionState::kStarting && state == SessionState::kIdle && e.rec.created_ms > 0) {
    metrics_->session_start.observe(static_cast<double>(now_ms() - e.rec.created_ms) / 1000.0);
  }
  if (e.rec.state == SessionState::kStarting) --starting_;
  if (state == SessionState::kStarting) ++starting_;
  // `idle` and `busy` mean the same to a restart (the session was ready, session_recovery.cpp):
  // a flip between them, two per statement, is not written.
  const bool same_to_store = (e.rec.state == SessionState::kIdle || e.rec.state == SessionState::kBusy) &&
                             (state == SessionState::kIdle || state == SessionState::kBusy);
  e.rec.state = state;
  e.state_seen = state;
  if (is_final(state) && e.rec.ended_ms == 0) e.rec.ended_ms = now_ms();
  if (state == SessionState::kIdle && e.rec.ready_ms == 0) e.rec.ready_ms = now_ms();
  if (!same_to_store) (void)store_.update_session(e.rec);
  e.state_changed.notify_all();
  publish(e);
  schedule(e);  // its deadlines depend on its state
  return !same_to_store;
}

void SessionCore::set_statement_state(const Entry& e, Statement& st, StatementState state, bool created) {
  if (!created && st.state == state) return;
  log_state_change(logger.get(), "statement", st.id, e.rec.id, created ? "" : to_string(st.state), to_string(state),
                   e.rec.app_id);
  st.state = state;
}

Result<Session> SessionCore::create(const SessionRequest& request, const std::optional<std::string>& owner,
                                    const IdempotencyRecord* key) {
  Status st = validate_session_request(request, rules_);
  if (st) st = check_deploy_mode(spark_.for_conf(request.resources.conf), PrimaryKind::kPython);  // the driver is Python
  if (st) st = check_connect_request(request.resources.conf, spark_.for_conf(request.resources.conf));
  if (!st) return st;
  // Per-user limits count by the user Spark runs as: the proxy user, else the authenticated owner.
  const std::optional<std::string> user = request.proxy_user ? request.proxy_user : owner;
  const int others_starting = other_starting ? other_starting() : 0;  // the batches' lock: not under ours
  const Claim claim{request.name, user};
  std::optional<ReservationGuard> reservation;
  {
    MutexLock lock(table_mu_);
    if (stopping_) return Status::unavailable("the server is shutting down");
    TableCounts table;
    table.starting = starting_;
    for (const auto& [id, e] : entries_) {
      const bool final = is_final(e->state_seen.load());
      table.name_taken = table.name_taken || (request.name && e->name == request.name && !final);
      table.live += final ? 0 : 1;
      table.live_of_user += !final && e->user == user ? 1 : 0;
    }
    st = reservations_.reserve(claim, table, others_starting,
                               {.max_creation = config_.max_creation,
                                .max_live = config_.max_sessions,
                                .max_per_user = config_.max_sessions_per_user});
    if (!st) return st;
    reservation.emplace(table_mu_, reservations_, claim);
  }
  std::string not_warm;  // why the session starts cold although a warm pool runs
  if (pool_) {
    if (auto taken = pool_->take(request, not_warm)) {
      return claim_warm(request, owner, user, std::move(*taken), *reservation, key);
    }
  }
  // The id, the directory and the synced insert happen with no lock held; the reservation
  // keeps the limits true meanwhile.
  const auto id = store_.allocate_id("session");
  if (!id) return id.status();
  const fs::path dir = fs::path(config_.data_dir) / "sessions" / std::to_string(*id);
  if (!create_private_dirs(dir.string())) return Status::unavailable("cannot create the session's directory");
  auto e = std::make_shared<Entry>();
  MutexLock lock(e->mu);
  e->id = *id;
  e->name = request.name;
  e->user = user;
  e->request = request;
  e->parallel = *statement_parallelism(request.resources.conf, config_.statement_max_parallel);  // validated above
  e->rec.id = *id;
  e->rec.name = request.name;
  e->rec.owner = owner;
  e->rec.proxy_user = request.proxy_user;
  e->rec.kind = request.kind;
  e->rec.request = request;
  // The store keeps what recovery needs: a recovered session reconnects to its running
  // driver and is never launched again from this request, so secret values stay out.
  e->rec.request.resources.conf = rules_.redactor.redact(request.resources.conf);
  e->rec.state = SessionState::kNotStarted;
  e->rec.log_path = (dir / "driver.log").string();
  e->rec.status_path = (dir / "exit-status").string();
  e->rec.secret = random_secret();
  e->rec.created_ms = now_ms();
  e->last_activity_ms = e->last_heartbeat_ms = e->rec.created_ms;
  e->start_deadline = clock_->steady_now() + config_.session_start_timeout;
  if (e->rec.secret.empty()) return Status::internal("could not generate a session secret");
  e->child = supervisor_.new_child(e->rec.log_path, e->rec.status_path);
  e->app.tag = e->rec.cluster_tag = supervisor_.new_tag("session", *id);
  st = store_.insert_session(e->rec, key);  // durable before anyone hears of it
  if (!st) return st;
  set_state(*e, SessionState::kStarting);  // counted as starting before its reservation goes
  LaunchPlan plan = launch(*e);
  note(*e, "starting the session driver " + driver_script_);
  if (!not_warm.empty()) note(*e, "starting cold: " + not_warm);
  {
    MutexLock table(table_mu_);
    entries_.emplace(e->id, e);
  }
  reservation->release();
  // In the table, unlocked: its requests are served meanwhile, none waits for the spawn.
  lock.unlock();
  spawn(e, std::move(plan));
  return *view_of(*e);
}

SessionCore::LaunchPlan SessionCore::launch(Entry& e) {
  const fs::path dir = fs::path(e.rec.log_path).parent_path();
  const SparkEnvironment& spark = spark_.for_conf(e.request.resources.conf);
  SessionLaunch launch;
  launch.name = e.rec.name.value_or("livy-session-" + std::to_string(e.rec.id));
  launch.proxy_user = e.rec.proxy_user;
  launch.resources = e.request.resources;
  launch.resources.conf = parallel_launch_conf(
      with_connect_for_driver(without_spark_version(std::move(launch.resources.conf))), e.parallel);
  launch.driver.spill_results = spills_results(launch.resources.conf);  // livyd's key: not Spark's
  launch.resources.conf.erase(std::string(kResultsSpillConf));
  launch.resources.conf.emplace("spark.livy.sql.max-result", std::to_string(config_.sql_max_result));
  supervisor_.tag_submission(e.app, launch.resources.conf);  // with a cluster manager: found by its tag
  launch.driver_script = driver_script_;
  launch.driver_archive = driver_archive;
  // Spark configuration, not spark-submit's environment: it reaches the driver in cluster
  // deploy mode too. The secret goes in the 0600 properties file, never on a command line.
  DriverSettings& d = launch.driver;
  d.callback = driver_callback_;
  d.secret = e.rec.secret;
  d.session_id = e.rec.id;
  // The driver warms up the interpreter of its session's kind (the Scala REPL of a `spark` session).
  d.session_kind = std::string(to_string(e.rec.kind.value_or(SessionKind::kShared)));
  d.max_output_bytes = config_.statement_max_output_bytes;
  // How long the driver keeps trying to reach a restarted livyd (sessions.recovery-grace).
  d.reconnect_timeout_s = std::chrono::duration<double>(config_.session_recovery_grace).count();
  // Shared by all sessions: the Scala interpreter is compiled once per Spark version.
  d.cache_dir = (fs::path(config_.data_dir) / "driver-cache").string();
  d.tls_fingerprint = driver_tls_fingerprint_;
  SubmitCommand cmd =
      session_submit_command(spark, launch, rules_.redactor, (dir / "spark-submit.properties").string());

  ProcessSpec spec;
  spec.argv = std::move(cmd.argv);
  spec.env = spark.env;
  spec.env.emplace_back("PYTHONUNBUFFERED", "1");
  spec.working_dir = dir.string();
  if (spark_.named()) note(e, describe_spark(spark));
  return {std::move(cmd), std::move(spec), &spark};
}

void SessionCore::spawn(const EntryPtr& entry, LaunchPlan plan) {
  Entry& e = *entry;
  // A ChildProcess is used under its owner's lock: the spawn gets one of its own, which
  // replaces the entry's (not started, the same files) once the lock is taken again.
  std::unique_ptr<ChildProcess> child;
  {
    MutexLock lock(e.mu);
    child = supervisor_.new_child(e.rec.log_path, e.rec.status_path);
  }
  Status st = write_properties_file(plan.cmd, *plan.spark);
  if (st) st = child->start(std::move(plan.spec));
  MutexLock lock(e.mu);
  if (!st) {
    e.child->append_note("could not start spark-submit: " + st.message());
    if (!is_final(e.rec.state)) end_session(e, SessionState::kDead, "spark-submit could not be started");
    publish(e);
    return;
  }
  e.child = std::move(child);
  (void)e.child->log().poll();  // livyd's notes so far, in the same file
  e.rec.pid = e.child->pid();
  e.rec.pid_identity = e.child->identity();
  e.rec.started_ms = now_ms();
  (void)store_.update_session(e.rec);
  if (is_final(e.rec.state)) {
    // Stopped (or deleted) while it was being spawned: the new group goes at once.
    e.child->terminate();
    if (e.gone) {
      supervisor_.orphan(std::move(e.child));
      timers_.schedule_tick(kOrphansKey);
      e.child = supervisor_.new_child(e.rec.log_path, e.rec.status_path);
      return;
    }
  }
  publish(e);
  schedule(e);
}

void SessionCore::end_session(Entry& e, SessionState state, const std::string& reason) {
  if (!reason.empty()) e.child->append_note(reason);
  if (e.driver) {
    e.driver->send(shutdown_message());
    e.driver->close_when_sent();
    e.driver.reset();
  }
  e.ready = false;
  if (e.child->running()) e.child->terminate();
  // Its application at the cluster manager ends too (a driver in the cluster is no child of
  // ours): killed there from the timer, with no lock held.
  if (!e.app.tag.empty() && !e.app.final_phase() && !e.app.given_up) {
    e.app.kill_due = true;
    e.app.next_lookup = clock_->steady_now();
  }
  StatementOutput lost;
  lost.ok = false;
  lost.ename = "SessionEnded";
  lost.evalue = "the session ended before the statement finished: " + reason;
  for (auto& st : e.statements) {
    if (is_final(st.state)) continue;
    finish_statement(e, st, st.state == StatementState::kWaiting ? StatementState::kCancelled : StatementState::kError,
                     lost);
  }
  e.queue.clear();
  e.running.clear();
  end_jobs(e, reason);
  for (auto& [rid, result] : e.completions) {
    if (!result) result = std::vector<std::string>();
  }
  e.replies_changed.notify_all();
  set_state(e, state);
  schedule(e);  // its group's SIGKILL, and the end of state-retain
}

Result<Session> SessionCore::get(std::string_view id_or_name) {
  const EntryPtr e = lookup(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  return *view_of(*e);
}

Result<Page<Session>> SessionCore::list(std::int64_t from, std::int64_t size) {
  if (from < 0 || size < 0) return Status::invalid_argument("from and size must not be negative");
  std::vector<EntryPtr> items;
  Page<Session> page;
  page.from = from;
  {
    MutexLock lock(table_mu_);
    page.total = static_cast<std::int64_t>(entries_.size());
    std::int64_t index = 0;
    for (const auto& [id, e] : entries_) {
      if (index >= from && index - from < size) items.push_back(e);
      ++index;
    }
  }
  // Views only: a session busy under its own lock (a store write, a driver message) delays no list.
  for (const auto& e : items) page.items.push_back(*view_of(*e));
  return page;
}

Result<LogPage> SessionCore::log(std::string_view id_or_name, std::optional<std::int64_t> from, std::int64_t size) {
  if (from && *from < 0) return Status::invalid_argument("from must not be negative");
  const EntryPtr e = lookup(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  MutexLock lock(e->mu);
  // A ready session's log is polled only every monitor.ready-interval: read what is new now.
  if (e->child->running() && !e->child->log().poll().empty()) publish(*e);
  return page_of(e->child->log(), e->rec.id, from, size);
}

Result<Session> SessionCore::touch(std::string_view id_or_name, bool activity) {
  const EntryPtr e = lookup(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  const std::int64_t now = now_ms();
  e->last_heartbeat_ms = now;  // without `mu`: a GET never waits for the session's lock
  if (activity) {
    MutexLock lock(e->mu);
    e->last_activity_ms = std::max(e->last_activity_ms, now);
  }
  return *view_of(*e);
}

Status SessionCore::stop_session(std::string_view id_or_name, bool forget) {
  const EntryPtr e = find(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  MutexLock lock(e->mu);
  if (e->gone) return not_found(id_or_name);
  if (!is_final(e->rec.state)) end_session(*e, SessionState::kKilled, "stopped by a client");
  if (forget) {
    e->rec.forgotten = true;
    if (supervisor_.cluster() && e->app.kill_due) {
      supervisor_.orphan_kill(e->app, e->rec.app_id);
      timers_.schedule_tick(kOrphansKey);
    }
    (void)store_.update_session(e->rec);
    // A group still shutting down keeps its grace period; the orphans' timer sends the SIGKILL.
    if (e->child->cleanup_pending()) {
      supervisor_.orphan(std::move(e->child));
      timers_.schedule_tick(kOrphansKey);
      e->child = supervisor_.new_child(e->rec.log_path, e->rec.status_path);
    }
    erase(*e);
  }
  return Status::ok();
}

Result<Session> SessionCore::wait_ready(std::string_view id_or_name, std::chrono::milliseconds timeout) {
  const EntryPtr e = find(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  const auto deadline = clock_->steady_now() + timeout;
  MutexLock lock(e->mu);
  for (bool timed_out = false;;) {
    if (e->gone) return not_found(id_or_name);
    const bool settled = e->rec.state == SessionState::kIdle || is_final(e->rec.state);
    if (settled || stopping_ || timed_out) return to_session(*e);
    timed_out = wait_on(*e, e->state_changed, lock, deadline);
  }
}

bool SessionCore::on_hello(const DriverMessage& hello, const std::shared_ptr<DriverConnection>& connection) {
  {
    MutexLock lock(load_mu_);
    while (!loaded_ && !stopping_) loaded_cv_.wait(lock);  // only while livyd starts
  }
  if (hello.session_id < 0) return pool_ && pool_->on_hello(hello, connection);  // a warm driver
  const EntryPtr e = find(hello.session_id);
  if (e == nullptr) return false;
  MutexLock lock(e->mu);
  const std::string& secret = e->rec.secret;
  const bool match = hello.secret.size() == secret.size() &&
                     CRYPTO_memcmp(hello.secret.data(), secret.data(), secret.size()) == 0;
  if (!match || e->gone || e->driver || is_final(e->rec.state)) return false;
  e->driver = connection;
  (hello.resume ? metrics_->driver_reconnects : metrics_->driver_connects).inc();
  if (e->rec.state == SessionState::kRecovering) {
    note(*e, hello.resume ? "the driver reconnected" : "the driver connected");
    // It sends `ready` next (again, if it was ready before the restart): it gets the start timeout for that.
    e->start_deadline = clock_->steady_now() + config_.session_start_timeout;
    if (hello.resume) resume(*e, hello);
    resume_jobs(*e, hello);
    schedule(*e);
  }
  return true;
}

void SessionCore::on_closed(std::int64_t session_id, const DriverConnection* connection) {
  if (session_id < 0) {  // a warm driver
    if (pool_) pool_->on_closed(session_id, connection);
    return;
  }
  const EntryPtr e = find(session_id);
  if (e == nullptr) return;
  results_.abandon(session_id);  // results cut short end incomplete (their files written here, no lock held)
  MutexLock lock(e->mu);
  if (e->driver.get() != connection) return;
  e->driver.reset();
  if (stopping_) {  // livyd is going away, not the driver: it reconnects to the next start
    e->ready = false;
    return;
  }
  if (!is_final(e->rec.state)) {
    end_session(*e, SessionState::kDead, "the driver's connection was lost");
  }
}

SessionCore::Census SessionCore::census() {
  Census c;
  for (const EntryPtr& e : all_entries()) {
    MutexLock lock(e->mu);
    if (e->gone) continue;
    ++c.sessions[e->rec.state];
    for (const Statement& st : e->statements) {
      ++c.statements[{st.state, st.kind.value_or(e->rec.kind.value_or(SessionKind::kPySpark))}];
    }
  }
  return c;
}

std::optional<DriverListener::Stats> SessionCore::channel_stats() const {
  if (!listener_) return std::nullopt;
  return listener_->stats();
}

}  // namespace livy
