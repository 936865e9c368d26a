#include "sessions/warm_pool.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include "base/data_dir.h"
#include "base/text_values.h"
#include "base/thread_name.h"
#include "sessions/warm_profile.h"
#include "wire/driver_messages.h"

namespace livy {

namespace fs = std::filesystem;

namespace {

constexpr std::chrono::milliseconds kRoundInterval{250};  // how often the refill thread polls its drivers

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) return {};
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

void remove_paths(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    std::error_code ec;
    fs::remove_all(p, ec);
  }
}

}  // namespace

WarmPool::WarmPool(Options options) : o_(std::move(options)) {}

WarmPool::~WarmPool() { stop(); }

int WarmPool::size_of(const WarmPoolProfile& profile) const {
  return profile.size >= 0 ? profile.size : o_.config->warm_pool_size;
}

std::string WarmPool::marker_of(const std::string& token) const {
  return (fs::path(o_.config->data_dir) / "warm-pool" / token).string();
}

void WarmPool::start() {
  stop_leftovers();
  started_ = true;
  thread_ = std::thread([this] {
    name_this_thread("livyd-warm-pool");
    run();
  });
}

void WarmPool::stop_leftovers() {
  const fs::path markers = fs::path(o_.config->data_dir) / "warm-pool";
  (void)create_private_dirs(markers.string());
  std::error_code ec;
  std::vector<Dying> leftovers;
  for (const auto& entry : fs::directory_iterator(markers, ec)) {
    const std::string token = entry.path().filename().string();
    std::ifstream in(entry.path());
    std::string pid_text, identity;
    std::getline(in, pid_text);
    std::getline(in, identity);
    const auto pid = parse_int(pid_text);
    const fs::path dir = fs::path(o_.config->data_dir) / "sessions" / ("warm-" + token);
    auto child = o_.supervisor->new_child((dir / "driver.log").string(), (dir / "exit-status").string());
    // adopt() checks the identity: a pid that names another process now is never signalled.
    const bool alive = pid && *pid > 0 && o_.supervisor->options().launcher->group_alive(static_cast<int>(*pid));
    if (pid && *pid > 0) child->adopt(static_cast<int>(*pid), alive, identity);
    if (child->running()) {
      if (o_.logger) o_.logger->message("info", "stopping warm driver warm-" + token + " of an earlier run");
      child->terminate();
    }
    leftovers.push_back({std::move(child), {dir.string(), entry.path().string()}});
  }
  MutexLock lock(mu_);
  for (auto& d : leftovers) dying_.push_back(std::move(d));
}

void WarmPool::reap(std::vector<std::string>& gone) {
  for (auto it = dying_.begin(); it != dying_.end();) {
    (void)it->child->poll();
    if (!it->child->running() && !it->child->cleanup_pending()) {
      gone.insert(gone.end(), it->remove.begin(), it->remove.end());
      it = dying_.erase(it);
    } else {
      ++it;
    }
  }
}

void WarmPool::stop() {
  {
    MutexLock lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    while (!warm_.empty()) retire(warm_.begin(), "livyd stops", false);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!started_) return;
  // The groups get their kill grace, then SIGKILL; livyd waits for them, so none outlives it.
  const auto deadline = o_.clock->steady_now() + o_.supervisor->options().kill_grace + std::chrono::seconds(2);
  std::vector<std::string> gone;
  wait_for_children(*o_.clock, deadline, [&] {
    MutexLock lock(mu_);
    reap(gone);
    return !dying_.empty();
  });
  remove_paths(gone);
}

void WarmPool::retire(std::map<std::int64_t, Warm>::iterator it, const std::string& why, bool failed) {
  Warm& w = it->second;
  if (o_.logger) {
    o_.logger->log("info", "warm-pool", {{"msg", "warm driver stopped: " + why}, {"driver", "warm-" + w.token},
                                         {"profile", w.profile}});
  }
  if (w.connection) {
    w.connection->send(shutdown_message());
    w.connection->close_when_sent();
  }
  if (w.child) {
    if (w.child->running()) w.child->terminate();
    dying_.push_back({std::move(w.child), {w.dir, marker_of(w.token)}});
  }
  // A driver still being spawned (no child yet) is stopped by spawn(), which finds it gone.
  if (failed) retry_after_[w.profile] = o_.clock->steady_now() + o_.config->warm_pool_retry_delay;
  warm_.erase(it);
  wake_.notify_all();
}

void WarmPool::run() {
  MutexLock lock(mu_);
  while (!stopping_) {
    std::vector<std::string> gone;
    const auto now = o_.clock->steady_now();
    reap(gone);
    std::vector<Spawn> spawns = round(now);
    update_gauge();
    lock.unlock();
    remove_paths(gone);
    for (Spawn& s : spawns) spawn(std::move(s));
    lock.lock();
    if (stopping_) break;
    (void)wake_.wait_for(lock, kRoundInterval);
  }
}

std::vector<WarmPool::Spawn> WarmPool::round(std::chrono::steady_clock::time_point now) {
  for (auto it = warm_.begin(); it != warm_.end();) {
    auto next = std::next(it);
    Warm& w = it->second;
    if (w.child) {
      const auto poll = w.child->poll();
      if (poll.ended) {
        retire(it, "its spark-submit ended before it was claimed", !w.ready);
      } else if (!w.ready && now - w.started > o_.config->session_start_timeout) {
        retire(it, "not ready within sessions.start-timeout", true);
      } else if (w.ready && now - w.ready_at > o_.config->warm_pool_max_idle) {
        retire(it, "unclaimed for sessions.warm-pool.max-idle; replaced by a fresh one", false);
      }
    }
    it = next;
  }
  std::vector<Spawn> spawns;
  int starting = 0;
  for (const auto& [id, w] : warm_) starting += w.ready ? 0 : 1;
  for (const WarmPoolProfile& profile : o_.config->warm_pool_profiles) {
    int have = 0;
    for (const auto& [id, w] : warm_) have += w.profile == profile.name ? 1 : 0;
    const auto retry = retry_after_.find(profile.name);
    if (retry != retry_after_.end() && now < retry->second) continue;
    while (have < size_of(profile) && starting < o_.config->warm_pool_max_starting) {
      Warm w;
      w.id = --last_id_;
      w.profile = profile.name;
      w.token = random_hex(8);
      w.secret = random_hex(32);
      w.started = now;
      if (w.token.empty() || w.secret.empty()) return spawns;
      w.dir = (fs::path(o_.config->data_dir) / "sessions" / ("warm-" + w.token)).string();
      auto [it, inserted] = warm_.emplace(w.id, std::move(w));
      spawns.push_back(plan(it->second, profile));
      ++have;
      ++starting;
    }
  }
  return spawns;
}

WarmPool::Spawn WarmPool::plan(Warm& w, const WarmPoolProfile& profile) {
  const Config& c = *o_.config;
  std::map<std::string, std::string> version;
  if (!profile.spark_version.empty()) version.emplace(kSparkVersionConf, profile.spark_version);
  const SparkEnvironment& spark = o_.spark->for_conf(version);
  SessionLaunch launch;
  launch.name = "livy-warm-" + w.token;
  SparkResources& r = launch.resources;
  if (!profile.driver_memory.empty()) r.driver_memory = profile.driver_memory;
  if (profile.driver_cores > 0) r.driver_cores = profile.driver_cores;
  if (!profile.executor_memory.empty()) r.executor_memory = profile.executor_memory;
  if (profile.executor_cores > 0) r.executor_cores = profile.executor_cores;
  if (profile.num_executors > 0) r.num_executors = profile.num_executors;
  r.conf = without_spark_version(profile.conf);
  r.conf.emplace("spark.livy.sql.max-result", std::to_string(c.sql_max_result));
  w.app.tag = o_.supervisor->new_tag("warm", -w.id);
  o_.supervisor->tag_submission(w.app, r.conf);
  launch.driver_script = o_.driver_script;
  DriverSettings& d = launch.driver;
  d.callback = o_.callback;
  d.secret = w.secret;
  d.session_id = w.id;  // negative: the driver waits for a claim (docs/driver-protocol.md)
  const bool scala = std::find(profile.kinds.begin(), profile.kinds.end(), "spark") != profile.kinds.end();
  d.session_kind = scala ? "spark" : "shared";  // a profile serving `spark` has its Scala REPL up before ready
  d.max_output_bytes = c.statement_max_output_bytes;
  d.reconnect_timeout_s = 0;  // a warm driver that loses livyd exits; the claim gives it the session's grace
  d.cache_dir = (fs::path(c.data_dir) / "driver-cache").string();
  d.tls_fingerprint = o_.tls_fingerprint;
  Spawn s;
  s.id = w.id;
  s.dir = w.dir;
  s.marker = marker_of(w.token);
  s.cmd = session_submit_command(spark, launch, o_.rules->redactor,
                                 (fs::path(w.dir) / "spark-submit.properties").string());
  s.spec.argv = s.cmd.argv;
  s.spec.env = spark.env;
  s.spec.env.emplace_back("PYTHONUNBUFFERED", "1");
  s.spec.working_dir = w.dir;
  s.spark = &spark;
  return s;
}

void WarmPool::spawn(Spawn s) {
  const std::string log_path = (fs::path(s.dir) / "driver.log").string();
  std::unique_ptr<ChildProcess> child = o_.supervisor->new_child(log_path, (fs::path(s.dir) / "exit-status").string());
  Status st = create_private_dirs(s.dir);
  if (st) st = write_properties_file(s.cmd, *s.spark);
  if (st) st = child->start(std::move(s.spec));
  if (st) {
    // The marker names the process group for the next run of livyd, should this one crash.
    std::ofstream out(s.marker, std::ios::trunc);
    out << child->pid() << "\n" << child->identity() << "\n";
  }
  MutexLock lock(mu_);
  const auto it = warm_.find(s.id);
  if (!st || it == warm_.end()) {
    if (!st && o_.logger) o_.logger->message("warn", "cannot start a warm driver: " + st.message());
    if (child->running()) child->terminate();
    dying_.push_back({std::move(child), {s.dir, s.marker}});
    if (it != warm_.end()) {
      retry_after_[it->second.profile] = o_.clock->steady_now() + o_.config->warm_pool_retry_delay;
      warm_.erase(it);
    }
    return;
  }
  child->append_note("warm driver warm-" + it->second.token + " of profile " + it->second.profile +
                     " started; it waits to be claimed by a session");
  it->second.child = std::move(child);
}

std::optional<WarmPool::Taken> WarmPool::take(const SessionRequest& request, std::string& why) {
  std::optional<Taken> taken;
  {
    MutexLock lock(mu_);
    if (stopping_) return std::nullopt;
    const WarmPoolProfile* fit = nullptr;
    std::string reasons;
    for (const WarmPoolProfile& p : o_.config->warm_pool_profiles) {
      const std::string no = why_not_warm(p, request, o_.config->spark_default_version);
      if (no.empty()) {
        fit = &p;
        break;
      }
      reasons += (reasons.empty() ? "" : "; ") + p.name + ": " + no;
    }
    if (fit == nullptr) {
      why = "the request fits no warm pool profile (" + reasons + ")";
      return std::nullopt;
    }
    // The driver ready longest goes first: the freshest stay for max-idle the longest.
    auto best = warm_.end();
    for (auto it = warm_.begin(); it != warm_.end(); ++it) {
      const Warm& w = it->second;
      if (w.profile != fit->name || !w.ready || !w.child || !w.connection || w.connection->closed()) continue;
      if (best == warm_.end() || w.ready_at < best->second.ready_at) best = it;
    }
    if (best == warm_.end()) {
      why = "no warm driver of profile " + fit->name + " is ready";
      return std::nullopt;
    }
    Warm& w = best->second;
    taken.emplace();
    taken->profile = w.profile;
    taken->token = w.token;
    taken->secret = w.secret;
    taken->log_path = (fs::path(w.dir) / "driver.log").string();
    taken->status_path = (fs::path(w.dir) / "exit-status").string();
    taken->child = std::move(w.child);
    taken->connection = std::move(w.connection);
    taken->app = w.app;
    taken->app_id = w.app_id;
    taken->spark_ui_url = w.spark_ui_url;
    warm_.erase(best);
    update_gauge();
  }
  wake_.notify_all();  // the refill thread starts its replacement
  std::error_code ec;
  fs::remove(marker_of(taken->token), ec);  // the session's record names its process group from now on
  if (o_.logger) {
    o_.logger->log("info", "warm-pool", {{"msg", "warm driver claimed"}, {"driver", "warm-" + taken->token},
                                         {"profile", taken->profile}});
  }
  return taken;
}

void WarmPool::discard(Taken taken) {
  if (taken.connection) {
    taken.connection->send(shutdown_message());
    taken.connection->close_when_sent();
  }
  if (taken.child->running()) taken.child->terminate();
  MutexLock lock(mu_);
  dying_.push_back({std::move(taken.child), {fs::path(taken.log_path).parent_path().string()}});
}

bool WarmPool::on_hello(const DriverMessage& hello, const std::shared_ptr<DriverConnection>& connection) {
  MutexLock lock(mu_);
  const auto it = warm_.find(hello.session_id);
  // A driver of an earlier run of livyd (ids start again at -1) has another secret: refused,
  // and a refused driver exits.
  if (it == warm_.end() || stopping_ || hello.resume) return false;
  Warm& w = it->second;
  const bool match = hello.secret.size() == w.secret.size() &&
                     CRYPTO_memcmp(hello.secret.data(), w.secret.data(), w.secret.size()) == 0;
  if (!match || w.connection) return false;
  w.connection = connection;
  return true;
}

void WarmPool::on_message(std::int64_t warm_id, const DriverMessage& m) {
  MutexLock lock(mu_);
  const auto it = warm_.find(warm_id);
  if (it == warm_.end()) return;
  Warm& w = it->second;
  if (m.type == DriverMessage::Type::kReady && !w.ready) {
    w.ready = true;
    w.ready_at = o_.clock->steady_now();
    w.app_id = m.app_id;
    w.spark_ui_url = m.spark_ui_url;
    if (w.child) w.child->append_note("warm driver ready in the pool");
    update_gauge();
  } else if (m.type == DriverMessage::Type::kFatal) {
    retire(it, "it failed: " + m.error, true);
  }
}

void WarmPool::on_closed(std::int64_t warm_id, const DriverConnection* connection) {
  MutexLock lock(mu_);
  const auto it = warm_.find(warm_id);
  if (it == warm_.end() || it->second.connection.get() != connection) return;
  it->second.connection.reset();
  if (!stopping_) retire(it, "its connection was lost", !it->second.ready);
}

std::map<std::string, WarmPool::Count> WarmPool::counts() {
  MutexLock lock(mu_);
  std::map<std::string, Count> out;
  for (const WarmPoolProfile& p : o_.config->warm_pool_profiles) out[p.name];
  for (const auto& [id, w] : warm_) (w.ready ? out[w.profile].ready : out[w.profile].starting) += 1;
  return out;
}

void WarmPool::update_gauge() {
  if (o_.gauge == nullptr) return;
  std::map<std::string, Count> out;
  for (const WarmPoolProfile& p : o_.config->warm_pool_profiles) out[p.name];
  for (const auto& [id, w] : warm_) (w.ready ? out[w.profile].ready : out[w.profile].starting) += 1;
  for (const auto& [profile, n] : out) {
    o_.gauge->with({profile, "ready"}).set(n.ready);
    o_.gauge->with({profile, "starting"}).set(n.starting);
  }
}

}  // namespace livy
