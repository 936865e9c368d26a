// Sessions from the warm pool (docs/warm-pool.md): the pool's start, and a new session that
// claims a warm driver instead of launching one.
#include <filesystem>

#include "sessions/session_core.h"
#include "sessions/warm_profile.h"
#include "wire/warm_messages.h"

namespace livy {

void SessionCore::start_warm_pool() {
  if (config_.warm_pool_profiles.empty()) return;  // no pool: every session starts cold, as without one
  WarmPool::Options o;
  o.config = &config_;
  o.rules = &rules_;
  o.spark = &spark_;
  o.supervisor = &supervisor_;
  o.clock = clock_;
  o.driver_script = driver_script_;
  o.callback = driver_callback_;
  o.tls_fingerprint = driver_tls_fingerprint_;
  o.gauge = &metrics_->warm_drivers;
  o.logger = logger;
  pool_ = std::make_unique<WarmPool>(std::move(o));
  pool_->start();
}

Result<Session> SessionCore::claim_warm(const SessionRequest& request, const std::optional<std::string>& owner,
                                        const std::optional<std::string>& user, WarmPool::Taken taken,
                                        ReservationGuard& reservation, const IdempotencyRecord* key) {
  const auto id = store_.allocate_id("session");
  if (!id) {
    pool_->discard(std::move(taken));
    return id.status();
  }
  auto e = std::make_shared<Entry>();
  MutexLock lock(e->mu);
  e->id = *id;
  e->name = request.name;
  e->user = user;
  e->request = request;
  e->rec.id = *id;
  e->rec.name = request.name;
  e->rec.owner = owner;
  e->rec.proxy_user = request.proxy_user;  // none: a request with one never fits a profile
  e->rec.kind = request.kind;
  e->rec.request = request;
  e->rec.request.resources.conf = rules_.redactor.redact(request.resources.conf);
  e->rec.state = SessionState::kNotStarted;
  // The warm driver's directory is the session's from now on (its log, its exit status).
  e->rec.log_path = taken.log_path;
  e->rec.status_path = taken.status_path;
  e->rec.secret = taken.secret;  // the driver reconnects after a restart with it, as any session's
  e->rec.created_ms = e->rec.started_ms = now_ms();
  e->rec.pid = taken.child->pid();
  e->rec.pid_identity = taken.child->identity();
  e->rec.cluster_tag = taken.app.tag;
  e->rec.app_id = taken.app_id;
  e->rec.spark_ui_url = taken.spark_ui_url;
  e->last_activity_ms = e->last_heartbeat_ms = e->rec.created_ms;
  e->start_deadline = clock_->steady_now() + config_.session_start_timeout;
  if (Status st = store_.insert_session(e->rec, key); !st) {  // durable before anyone hears of it
    pool_->discard(std::move(taken));
    return st;
  }
  e->child = std::move(taken.child);
  e->app = taken.app;
  e->driver = taken.connection;
  set_state(*e, SessionState::kStarting);  // until the driver answers the claim with `ready`
  e->child->append_note("claimed warm driver warm-" + taken.token + " from the warm pool (profile " +
                        taken.profile + ")");
  (void)e->child->log().poll();  // the note, and the driver's output so far, in the log GET shows
  publish(*e);
  {
    MutexLock table(table_mu_);
    entries_.emplace(e->id, e);
  }
  reservation.release();
  // Only runtime SQL conf goes to spark.conf.set; the rest of the request's conf is the
  // profile's own (why_not_warm checked it), in place since the driver started.
  std::map<std::string, std::string> runtime;
  for (const auto& [key, value] : request.resources.conf) {
    if (is_runtime_conf(key)) runtime.emplace(key, value);
  }
  taken.connection->rebind(e->id);  // from now on its messages and its end are the session's
  const double grace_s = std::chrono::duration<double>(config_.session_recovery_grace).count();
  taken.connection->send(claim_message(e->id, runtime, grace_s));
  // The answer takes milliseconds: the reply shows the session idle, as a client would hope.
  const auto deadline = clock_->steady_now() + config_.warm_pool_claim_wait;
  for (bool timed_out = false; e->rec.state == SessionState::kStarting && !timed_out && !e->gone && !stopping_;) {
    timed_out = wait_on(*e, e->state_changed, lock, deadline);
  }
  return to_session(*e);
}

}  // namespace livy
