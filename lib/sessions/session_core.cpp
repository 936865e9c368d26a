// Sessions: create, look up, stop; the driver's lifecycle. Statements are in session_statements.cpp.
#include "sessions/session_core.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "wire/request_json.h"
#include "base/data_dir.h"
#include "model/id_or_name.h"
#include "model/log_page.h"
#include "model/paging.h"
#include "model/request_validation.h"
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

SessionCore::SessionCore(Config config, RequestRules rules, SparkEnvironment spark, std::string driver_script,
                         Store& store, std::shared_ptr<ProcessLauncher> launcher, std::shared_ptr<Clock> clock)
    : config_(std::move(config)),
      rules_(std::move(rules)),
      spark_(std::move(spark)),
      driver_script_(std::move(driver_script)),
      store_(store),
      launcher_(std::move(launcher)),
      clock_(std::move(clock)) {}

SessionCore::~SessionCore() { stop(); }

std::int64_t SessionCore::now_ms() const { return to_epoch_ms(clock_->now()); }

Status SessionCore::start() {
  auto records = store_.load_sessions();
  if (!records) return records.status();
  {
    // Held while the listener opens: a driver reconnecting at once waits for its session to load.
    std::lock_guard lock(mu_);
    auto listener = open_listener();
    if (!listener) return listener.status();
    listener_ = std::move(*listener);
    const auto retain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
    for (auto& rec : *records) {
      if (rec.forgotten || (is_final(rec.state) && rec.ended_ms + retain_ms < now_ms())) continue;
      Entry e;
      auto request = wire::decode_session_request(rec.request_json);
      if (request) e.request = std::move(*request);
      auto statements = store_.load_statements(rec.id);
      if (statements) e.statements = std::move(*statements);
      e.child = std::make_unique<ChildProcess>(launcher_, rec.log_path, rec.status_path, config_.log_cache_lines,
                                               config_.batch_kill_grace);
      e.child->adopt(rec.pid, false, rec.pid_identity);
      e.rec = std::move(rec);
      load_jobs(e);
      if (e.rec.state == SessionState::kStarting) ++starting_;  // set_state counts it down when it leaves
      if (!is_final(e.rec.state)) recover(e);
      entries_.emplace(e.rec.id, std::move(e));
    }
  }
  monitor_ = std::thread([this] { monitor_loop(); });
  return Status::ok();
}

void SessionCore::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !monitor_.joinable()) return;
    stopping_ = true;
  }
  changed_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  if (config_.stop_on_shutdown) stop_all_for_shutdown();
  finish_kills_for_shutdown();
  // Open connections close now: their drivers try to reconnect to the next livyd (on_closed
  // leaves the sessions' states alone while stopping).
  if (listener_) listener_->stop();
}

SessionCore::Entry* SessionCore::find(std::string_view id_or_name) {
  if (const auto id = as_id(id_or_name)) {
    const auto it = entries_.find(*id);
    return it == entries_.end() ? nullptr : &it->second;
  }
  // Names are unique among live sessions; a finished one may share its name with a newer one.
  Entry* found = nullptr;
  for (auto& [id, e] : entries_) {
    if (e.rec.name && *e.rec.name == id_or_name && (found == nullptr || !is_final(e.rec.state))) found = &e;
  }
  return found;
}

SessionCore::Entry* SessionCore::lookup(std::string_view id_or_name, std::optional<Entry>& archived) {
  if (Entry* e = find(id_or_name)) return e;
  const auto id = as_id(id_or_name);
  if (!id) return nullptr;
  auto records = store_.load_sessions(*id);
  if (!records || records->empty() || records->front().forgotten || !is_final(records->front().state)) return nullptr;
  Entry& e = archived.emplace();
  e.rec = std::move(records->front());
  if (auto request = wire::decode_session_request(e.rec.request_json)) e.request = std::move(*request);
  if (auto statements = store_.load_statements(e.rec.id)) e.statements = std::move(*statements);
  e.child = std::make_unique<ChildProcess>(launcher_, e.rec.log_path, e.rec.status_path, config_.log_cache_lines,
                                           config_.batch_kill_grace);
  e.child->adopt(0, false);  // its log only
  load_jobs(e);
  return &e;
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
  s.log = e.child->log().last(10);
  s.request = e.request;
  return s;
}

void SessionCore::set_state(Entry& e, SessionState state) {
  if (e.rec.state == state) return;
  if (e.rec.state == SessionState::kStarting) --starting_;
  if (state == SessionState::kStarting) ++starting_;
  e.rec.state = state;
  if (is_final(state) && e.rec.ended_ms == 0) e.rec.ended_ms = now_ms();
  (void)store_.update_session(e.rec);
  changed_.notify_all();
}

Result<Session> SessionCore::create(const SessionRequest& request, const std::optional<std::string>& owner) {
  Status st = validate_session_request(request, rules_);
  if (!st) return st;
  std::lock_guard lock(mu_);
  if (stopping_) return Status::unavailable("the server is shutting down");
  // Per-user limits count by the user Spark runs as: the proxy user, else the authenticated owner.
  const auto user_of = [](const std::optional<std::string>& proxy, const std::optional<std::string>& who) {
    return proxy ? proxy : who;
  };
  const std::optional<std::string> user = user_of(request.proxy_user, owner);
  int live = 0;
  int live_of_user = 0;
  for (const auto& [id, e] : entries_) {
    if (request.name && e.rec.name == request.name && !is_final(e.rec.state)) {
      return Status::invalid_argument("Duplicate session name: " + *request.name);
    }
    live += is_final(e.rec.state) ? 0 : 1;
    live_of_user += !is_final(e.rec.state) && user_of(e.rec.proxy_user, e.rec.owner) == user ? 1 : 0;
  }
  if (config_.max_sessions_per_user > 0 && live_of_user >= config_.max_sessions_per_user) {
    return Status::resource_exhausted("Rejected, " + (user ? "user '" + *user + "'" : std::string("the anonymous user")) +
                                      " already runs " + std::to_string(live_of_user) +
                                      " sessions (sessions.max-sessions-per-user)");
  }
  if (starting_ + (other_starting ? other_starting() : 0) >= config_.max_creation) {
    return Status::resource_exhausted("Rejected, too many sessions are being created!");
  }
  if (live >= config_.max_sessions) {
    return Status::resource_exhausted("Rejected, the server already runs " + std::to_string(live) +
                                      " sessions (sessions.max-sessions)");
  }
  const auto id = store_.allocate_id("session");
  if (!id) return id.status();
  const fs::path dir = fs::path(config_.data_dir) / "sessions" / std::to_string(*id);
  if (!create_private_dirs(dir.string())) return Status::unavailable("cannot create the session's directory");

  Entry e;
  e.request = request;
  e.rec.id = *id;
  e.rec.name = request.name;
  e.rec.owner = owner;
  e.rec.proxy_user = request.proxy_user;
  e.rec.kind = request.kind;
  e.rec.request_json = wire::encode_session_request(request);
  e.rec.state = SessionState::kNotStarted;
  e.rec.log_path = (dir / "driver.log").string();
  e.rec.status_path = (dir / "exit-status").string();
  e.rec.secret = random_secret();
  e.rec.created_ms = now_ms();
  e.last_activity_ms = e.last_heartbeat_ms = e.rec.created_ms;
  if (e.rec.secret.empty()) return Status::internal("could not generate a session secret");
  e.child = std::make_unique<ChildProcess>(launcher_, e.rec.log_path, e.rec.status_path, config_.log_cache_lines,
                                           config_.batch_kill_grace);
  st = store_.insert_session(e.rec);  // durable before anyone hears of it
  if (!st) return st;
  auto& entry = entries_.emplace(e.rec.id, std::move(e)).first->second;
  set_state(entry, SessionState::kStarting);
  launch(entry);
  return to_session(entry);
}

void SessionCore::launch(Entry& e) {
  std::vector<std::string> argv{spark_.spark_submit, "--master", spark_.master};
  if (!spark_.deploy_mode.empty()) {
    argv.emplace_back("--deploy-mode");
    argv.push_back(spark_.deploy_mode);
  }
  argv.emplace_back("--name");
  argv.push_back(e.rec.name.value_or("livy-session-" + std::to_string(e.rec.id)));
  if (e.rec.proxy_user) {
    argv.emplace_back("--proxy-user");
    argv.push_back(*e.rec.proxy_user);
  }
  SparkResources resources = e.request.resources;
  resources.conf.emplace("spark.livy.sql.max-result", std::to_string(config_.sql_max_result));
  append_resource_options(resources, argv);
  argv.push_back(driver_script_);

  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = spark_.env;
  // The secret travels in the environment: never on a command line that `ps` shows.
  spec.env.emplace_back("LIVY_DRIVER_CALLBACK", config_.driver_host + ":" + std::to_string(listener_->port()));
  spec.env.emplace_back("LIVY_DRIVER_SECRET", e.rec.secret);
  spec.env.emplace_back("LIVY_SESSION_ID", std::to_string(e.rec.id));
  // The driver warms up the interpreter of its session's kind (the Scala REPL of a `spark` session).
  spec.env.emplace_back("LIVY_SESSION_KIND", std::string(to_string(e.rec.kind.value_or(SessionKind::kShared))));
  spec.env.emplace_back("LIVY_MAX_OUTPUT_BYTES", std::to_string(config_.statement_max_output_bytes));
  // How long the driver keeps trying to reach a restarted livyd (sessions.recovery-grace).
  spec.env.emplace_back("LIVY_DRIVER_RECONNECT_TIMEOUT",
                        std::to_string(std::chrono::duration<double>(config_.session_recovery_grace).count()));
  // Shared by all sessions: the Scala interpreter is compiled once per Spark version.
  spec.env.emplace_back("LIVY_DRIVER_CACHE_DIR", (fs::path(config_.data_dir) / "driver-cache").string());
  spec.env.emplace_back("PYTHONUNBUFFERED", "1");
  spec.working_dir = fs::path(e.rec.log_path).parent_path().string();
  e.start_deadline = std::chrono::steady_clock::now() + config_.session_start_timeout;
  e.child->append_note("starting the session driver " + driver_script_);
  const Status st = e.child->start(spec);
  if (!st) {
    e.child->append_note("could not start spark-submit: " + st.message());
    end_session(e, SessionState::kError, "spark-submit could not be started");
    return;
  }
  e.rec.pid = e.child->pid();
  e.rec.pid_identity = e.child->identity();
  (void)store_.update_session(e.rec);
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
  e.running.reset();
  end_jobs(e, reason);
  for (auto& [rid, result] : e.completions) {
    if (!result) result = std::vector<std::string>();
  }
  set_state(e, state);
}

Result<Session> SessionCore::get(std::string_view id_or_name) {
  std::lock_guard lock(mu_);
  std::optional<Entry> archived;
  Entry* e = lookup(id_or_name, archived);
  if (e == nullptr) return not_found(id_or_name);
  return to_session(*e);
}

Result<Page<Session>> SessionCore::list(std::int64_t from, std::int64_t size) {
  std::lock_guard lock(mu_);
  return page_of_entries<Session>(entries_, from, size, [this](const Entry& e) { return to_session(e); });
}

Result<LogPage> SessionCore::log(std::string_view id_or_name, std::optional<std::int64_t> from, std::int64_t size) {
  if (from && *from < 0) return Status::invalid_argument("from must not be negative");
  std::lock_guard lock(mu_);
  std::optional<Entry> archived;
  Entry* e = lookup(id_or_name, archived);
  if (e == nullptr) return not_found(id_or_name);
  return page_of(e->child->log(), e->rec.id, from, size);
}

Result<Session> SessionCore::touch(std::string_view id_or_name, bool activity) {
  std::lock_guard lock(mu_);
  std::optional<Entry> archived;
  Entry* e = lookup(id_or_name, archived);
  if (e == nullptr) return not_found(id_or_name);
  e->last_heartbeat_ms = now_ms();
  if (activity) e->last_activity_ms = e->last_heartbeat_ms;
  return to_session(*e);
}

Status SessionCore::stop_session(std::string_view id_or_name, bool forget) {
  std::lock_guard lock(mu_);
  Entry* e = find(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  if (!is_final(e->rec.state)) end_session(*e, SessionState::kKilled, "stopped by a client");
  if (forget) {
    e->rec.forgotten = true;
    (void)store_.update_session(e->rec);
    // A group still shutting down keeps its grace period; the monitor sends the SIGKILL.
    if (e->child->cleanup_pending()) orphans_.push_back(std::move(e->child));
    entries_.erase(e->rec.id);
    changed_.notify_all();
  }
  return Status::ok();
}

Result<Session> SessionCore::wait_ready(std::string_view id_or_name, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    Entry* e = find(id_or_name);
    if (e == nullptr) return not_found(id_or_name);
    const bool settled = e->rec.state == SessionState::kIdle || is_final(e->rec.state);
    if (settled || stopping_ || changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      e = find(id_or_name);
      if (e == nullptr) return not_found(id_or_name);
      return to_session(*e);
    }
  }
}

bool SessionCore::on_hello(const DriverMessage& hello, const std::shared_ptr<DriverConnection>& connection) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(hello.session_id);
  if (it == entries_.end()) return false;
  Entry& e = it->second;
  const std::string& secret = e.rec.secret;
  const bool match = hello.secret.size() == secret.size() &&
                     CRYPTO_memcmp(hello.secret.data(), secret.data(), secret.size()) == 0;
  if (!match || e.driver || is_final(e.rec.state)) return false;
  e.driver = connection;
  if (e.rec.state == SessionState::kRecovering) {
    e.child->append_note(hello.resume ? "the driver reconnected" : "the driver connected");
    // It sends `ready` next (again, if it was ready before the restart): it gets the start timeout for that.
    e.start_deadline = std::chrono::steady_clock::now() + config_.session_start_timeout;
    if (hello.resume) resume(e, hello);
    resume_jobs(e, hello);
  }
  return true;
}

void SessionCore::on_closed(std::int64_t session_id, const DriverConnection* connection) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(session_id);
  if (it == entries_.end() || it->second.driver.get() != connection) return;
  Entry& e = it->second;
  e.driver.reset();
  if (stopping_) {  // livyd is going away, not the driver: it reconnects to the next start
    e.ready = false;
    return;
  }
  if (!is_final(e.rec.state)) {
    end_session(e, e.ready || e.was_ready ? SessionState::kDead : SessionState::kError,
                "the driver's connection was lost");
  }
}

}  // namespace livy
