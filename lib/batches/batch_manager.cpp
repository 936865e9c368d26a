// The batch table and its public operations; the timers are in batch_timers.cpp.
#include <filesystem>

#include "batches/batch_manager_impl.h"
#include "base/data_dir.h"
#include "log/state_log.h"
#include "model/id_or_name.h"
#include "model/log_page.h"
#include "model/paging.h"
#include "model/request_validation.h"
#include "store/request_record.h"

namespace livy {

namespace fs = std::filesystem;

BatchManager::Impl::Impl(Config config, RequestRules rules, SparkInstallations spark, Store& store,
                         std::shared_ptr<ProcessLauncher> launcher, std::shared_ptr<Clock> clock,
                         std::shared_ptr<ClusterManager> cluster, std::shared_ptr<metrics::CoreMetrics> metrics)
    : config_(std::move(config)),
      rules_(std::move(rules)),
      spark_(std::move(spark)),
      store_(store),
      launcher_(std::move(launcher)),
      clock_(std::move(clock)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<metrics::CoreMetrics>()),
      supervisor_(Supervisor::options_for(config_, launcher_, clock_, std::move(cluster), spark_.default_spark().ui_host,
                                          metrics::child_processes_gauge(metrics_))),
      timers_(clock_, config_.monitor_interval, [this](TimerQueue::Key key) { on_timer(key); }) {}

BatchManager::Impl::~Impl() { stop(); }

Status BatchManager::Impl::start() {
  auto records = store_.load_batches();
  if (!records) return records.status();
  const auto now_ms = to_epoch_ms(clock_->now());
  const auto retain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
  for (auto& rec : *records) {
    if (rec.forgotten || (is_final(rec.state) && rec.ended_ms != 0 && rec.ended_ms + retain_ms < now_ms)) continue;
    auto e = std::make_shared<Entry>();
    MutexLock lock(e->mu);  // not shared yet; taken for the analysis
    e->id = rec.id;
    e->name = rec.name;
    e->child = supervisor_.new_child(rec.log_path, rec.status_path);
    // A batch that was running when the last livyd stopped: its wrapper is
    // not our child any more, but its exit status file and process group tell its fate.
    e->child->adopt(rec.pid, !is_final(rec.state) || (rec.state == BatchState::kKilled && rec.ended_ms == 0),
                    rec.pid_identity);
    e->kill_requested = rec.state == BatchState::kKilled;
    // Its application at the cluster manager: followed again from the stored tag and id; a kill
    // asked for before the restart is sent again (the manager takes a second one as done).
    supervisor_.adopt(e->app, rec.cluster_tag, rec.app_id.has_value(), is_final(rec.state));
    e->app.kill_due = e->kill_requested && rec.app_id.has_value() && !e->app.tag.empty();
    e->rec = std::move(rec);
    e->state_seen = e->rec.state;
    if (e->rec.pid == 0 && !is_final(e->rec.state)) {
      set_state(*e, BatchState::kDead);  // the server stopped between storing and launching it
      e->rec.ended_ms = now_ms;
      persist(*e);
    }
    // A kill that was under way: its group gets SIGTERM again and SIGKILL after the grace period.
    if (e->kill_requested && e->child->pid() > 0 && launcher_->group_alive(e->child->pid())) e->child->terminate();
    schedule(*e);
    MutexLock table(table_mu_);
    entries_.emplace(e->id, e);
  }
  stopping_ = false;
  timers_.start();
  return Status::ok();
}

void BatchManager::Impl::stop() {
  stopping_ = true;
  timers_.stop();
  for (const auto& e : all_entries()) {
    MutexLock lock(e->mu);  // so that no waiter misses the notify between its check and its wait
    e->changed.notify_all();
  }
  if (config_.stop_on_shutdown) kill_all_for_shutdown();
  finish_kills_for_shutdown();
}

void BatchManager::Impl::kill_all_for_shutdown() {
  std::vector<std::pair<EntryPtr, AppCall>> at_cluster;
  for (const auto& e : all_entries()) {
    MutexLock lock(e->mu);
    if (is_final(e->rec.state)) continue;
    e->kill_requested = true;
    set_state(*e, BatchState::kKilled);
    e->child->append_note("livyd shut down (server.stop-on-shutdown)");
    persist(*e);
    if (e->child->running()) e->child->terminate();
    e->app.kill_due = !e->app.tag.empty();
    e->app.next_lookup = clock_->steady_now();
    if (auto call = supervisor_.due_kill(e->app, e->rec.app_id)) at_cluster.emplace_back(e, std::move(*call));
  }
  // Once each, with no lock held: the timers are stopped, and a restart sends what failed again.
  for (const auto& [e, call] : at_cluster) {
    const Status st = supervisor_.kill(call);
    MutexLock lock(e->mu);
    supervisor_.finish_kill(e->app, *e->child, st);
  }
}

void BatchManager::Impl::finish_kills_for_shutdown() {
  // A killed batch may still have its group stopping. The timers are stopped: wait here for
  // those groups, escalating to SIGKILL after the grace, so that none outlives livyd; watch()
  // records each end as the timers would. Running batches are left for the next livyd.
  const auto give_up = clock_->steady_now() + config_.batch_kill_grace + std::chrono::seconds(5);
  wait_for_children(*clock_, give_up, [this] {
    bool pending = supervisor_.poll_orphans();
    for (const auto& e : all_entries()) {
      MutexLock lock(e->mu);
      if (!e->kill_requested) continue;
      if (e->child->running() || e->child->cleanup_pending()) watch(*e);
      pending = pending || e->child->running() || e->child->cleanup_pending();
    }
    return pending;
  });
}

BatchManager::Impl::EntryPtr BatchManager::Impl::find(std::int64_t id) const {
  MutexLock lock(table_mu_);
  const auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second;
}

BatchManager::Impl::EntryPtr BatchManager::Impl::find(std::string_view id_or_name) const {
  MutexLock lock(table_mu_);
  if (const auto id = as_id(id_or_name)) {
    const auto it = entries_.find(*id);
    return it == entries_.end() ? nullptr : it->second;
  }
  for (const auto& [id, e] : entries_) {
    if (e->name && *e->name == id_or_name) return e;
  }
  return nullptr;
}

std::vector<BatchManager::Impl::EntryPtr> BatchManager::Impl::all_entries() const {
  MutexLock lock(table_mu_);
  std::vector<EntryPtr> out;
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) out.push_back(e);
  return out;
}

BatchManager::Impl::EntryPtr BatchManager::Impl::lookup(std::string_view id_or_name) const {
  if (EntryPtr e = find(id_or_name)) return e;
  const auto id = as_id(id_or_name);
  if (!id) return nullptr;
  auto records = store_.load_batches(*id);
  if (!records || records->empty() || records->front().forgotten || !is_final(records->front().state)) return nullptr;
  auto e = std::make_shared<Entry>();
  MutexLock lock(e->mu);
  e->id = *id;
  e->rec = std::move(records->front());
  e->child = supervisor_.new_child(e->rec.log_path, e->rec.status_path);
  e->child->adopt(0, false);  // its log only
  e->gone = true;
  return e;
}

Batch BatchManager::Impl::to_batch(const Entry& e) const {
  Batch b;
  b.id = e.rec.id;
  b.name = e.rec.name;
  b.owner = e.rec.owner;
  b.proxy_user = e.rec.proxy_user;
  b.state = e.rec.state;
  b.app_id = e.rec.app_id;
  b.app_info.spark_ui_url = e.rec.spark_ui_url;
  b.app_info.driver_log_url = e.rec.driver_log_url;
  b.log = e.child->log().last(10);
  b.timeline = {e.rec.created_ms, e.rec.started_ms, e.rec.ready_ms, e.rec.ended_ms};
  return b;
}

void BatchManager::Impl::persist(const Entry& e) {
  // The in-memory state stays authoritative for this run; a failed write is
  // reported on the next start as a stale state, which recovery corrects.
  (void)store_.update_batch(e.rec);
}

void BatchManager::Impl::set_state(Entry& e, BatchState state) {
  if (e.rec.state != state) {
    log_state_change(logger.get(), "batch", e.rec.id, std::nullopt, to_string(e.rec.state), to_string(state),
                     e.rec.app_id);
  }
  if (state == BatchState::kRunning && e.rec.ready_ms == 0) e.rec.ready_ms = to_epoch_ms(clock_->now());
  e.rec.state = state;
  e.state_seen = state;
}

Result<Batch> BatchManager::Impl::submit(const BatchRequest& request, const std::optional<std::string>& owner,
                                         const IdempotencyRecord* key) {
  Status st = validate_batch_request(request, rules_);
  if (st) st = check_master(spark_.for_conf(request.resources.conf));  // mesos:// under Spark 4: a 400
  if (!st) return st;
  const int others_starting = other_starting ? other_starting() : 0;  // the sessions' count: not under our lock
  const Claim claim{request.name, std::nullopt};
  std::optional<ReservationGuard> reservation;
  {
    MutexLock lock(table_mu_);
    if (stopping_) return Status::unavailable("the server is shutting down");
    TableCounts table;
    for (const auto& [id, e] : entries_) {
      table.name_taken = table.name_taken || (request.name && e->name == request.name);  // finished ones too
      table.starting += e->state_seen.load() == BatchState::kStarting ? 1 : 0;
    }
    st = reservations_.reserve(claim, table, others_starting, {.max_creation = config_.max_creation});
    if (!st) return st;
    reservation.emplace(table_mu_, reservations_, claim);
  }
  // The id, the directory, the synced insert and the spawn with no table lock held: the
  // reservation keeps the limits and names true meanwhile, until it leaves scope.
  const auto id = store_.allocate_id("batch");
  if (!id) return id.status();
  const fs::path dir = fs::path(config_.data_dir) / "batches" / std::to_string(*id);
  if (!create_private_dirs(dir.string())) return Status::unavailable("cannot create the batch's directory");
  auto e = std::make_shared<Entry>();
  MutexLock lock(e->mu);
  e->id = *id;
  e->name = request.name;
  e->rec.id = *id;
  e->rec.name = request.name;
  e->rec.owner = owner;
  e->rec.proxy_user = request.proxy_user;
  e->rec.request = request;
  // Recovery never relaunches a batch from its record: secret values stay out of the store.
  e->rec.request.resources.conf = rules_.redactor.redact(request.resources.conf);
  set_state(*e, BatchState::kStarting);
  log_state_change(logger.get(), "batch", *id, std::nullopt, "", to_string(BatchState::kStarting), std::nullopt);
  e->rec.log_path = (dir / "output.log").string();
  e->rec.status_path = (dir / "exit-status").string();
  e->rec.created_ms = to_epoch_ms(clock_->now());
  e->child = supervisor_.new_child(e->rec.log_path, e->rec.status_path);
  e->app.tag = e->rec.cluster_tag = supervisor_.new_tag("batch", *id);
  st = store_.insert_batch(e->rec, key);  // durable before anyone hears of it
  if (!st) return st;
  launch(*e, request);
  {
    MutexLock table(table_mu_);
    entries_.emplace(e->id, e);
  }
  schedule(*e);  // in the table first: its timer finds it there (and waits for its lock)
  return to_batch(*e);
}

void BatchManager::Impl::launch(Entry& e, const BatchRequest& request) {
  const fs::path dir = fs::path(e.rec.log_path).parent_path();
  const SparkEnvironment& spark = spark_.for_conf(request.resources.conf);
  if (spark_.named()) e.child->append_note(describe_spark(spark));
  BatchRequest tagged = request;
  tagged.resources.conf = without_spark_version(request.resources.conf);
  supervisor_.tag_submission(e.app, tagged.resources.conf);  // with a cluster manager: found by its tag
  SubmitCommand cmd =
      batch_submit_command(spark, tagged, rules_.redactor, (dir / "spark-submit.properties").string());
  Status st = write_properties_file(cmd, spark);
  ProcessSpec spec;
  spec.argv = std::move(cmd.argv);
  spec.env = spark.env;
  spec.working_dir = dir.string();
  if (st) st = e.child->start(spec);
  if (!st) {
    e.child->append_note("could not start spark-submit: " + st.message());
    e.child->log().finish();
    set_state(e, BatchState::kDead);  // Livy never has a batch in `error`: a failed start is dead
    e.rec.ended_ms = to_epoch_ms(clock_->now());
  } else {
    e.rec.pid = e.child->pid();
    e.rec.pid_identity = e.child->identity();
    e.rec.started_ms = to_epoch_ms(clock_->now());
  }
  persist(e);
}

int BatchManager::Impl::starting_count() const {
  MutexLock lock(table_mu_);
  int n = reservations_.size();
  for (const auto& [id, e] : entries_) n += e->state_seen.load() == BatchState::kStarting ? 1 : 0;
  return n;
}

std::map<BatchState, std::int64_t> BatchManager::Impl::count_by_state() const {
  MutexLock lock(table_mu_);
  std::map<BatchState, std::int64_t> counts;
  for (const auto& [id, e] : entries_) ++counts[e->state_seen.load()];
  return counts;
}

Result<Batch> BatchManager::Impl::get(std::string_view id_or_name) const {
  const EntryPtr e = lookup(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  MutexLock lock(e->mu);
  return to_batch(*e);
}

Result<Page<Batch>> BatchManager::Impl::list(std::int64_t from, std::int64_t size) const {
  if (from < 0 || size < 0) return Status::invalid_argument("from and size must not be negative");
  std::vector<EntryPtr> items;
  Page<Batch> page;
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
  for (const auto& e : items) {
    MutexLock lock(e->mu);
    page.items.push_back(to_batch(*e));
  }
  return page;
}

Result<LogPage> BatchManager::Impl::log(std::string_view id_or_name, std::optional<std::int64_t> from,
                                        std::int64_t size) const {
  if (from && *from < 0) return Status::invalid_argument("from must not be negative");
  const EntryPtr e = lookup(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  MutexLock lock(e->mu);
  return page_of(e->child->log(), e->rec.id, from, size);
}

Status BatchManager::Impl::kill(std::string_view id_or_name) {
  const EntryPtr e = find(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  MutexLock lock(e->mu);
  if (e->gone) return not_found(id_or_name);
  if (e->kill_requested && (e->child->running() || e->child->cleanup_pending())) return Status::ok();  // being killed
  if (is_final(e->rec.state)) {
    forget(*e);
    return Status::ok();
  }
  e->kill_requested = true;
  set_state(*e, BatchState::kKilled);
  if (!e->child->running()) e->rec.ended_ms = to_epoch_ms(clock_->now());
  persist(*e);  // before the signal: a restart must not resurrect it
  if (e->child->running()) e->child->terminate();
  // Its application at the cluster manager is killed there, from the timer (network I/O, no
  // lock), once its id is known.
  e->app.kill_due = !e->app.tag.empty() && !e->app.given_up;
  e->app.next_lookup = clock_->steady_now();
  schedule(*e);
  e->changed.notify_all();
  return Status::ok();
}

void BatchManager::Impl::forget(Entry& e) {
  e.rec.forgotten = true;
  persist(e);
  if (supervisor_.cluster() && e.app.kill_due) {  // a kill at the manager still due is still sent
    supervisor_.orphan_kill(e.app, e.rec.app_id);
    timers_.schedule_tick(kOrphansKey);
  }
  // Forgotten by users, not by livyd: a SIGKILL still due is still sent.
  if (e.child->cleanup_pending()) {
    supervisor_.orphan(std::move(e.child));
    timers_.schedule_tick(kOrphansKey);
    e.child = supervisor_.new_child(e.rec.log_path, e.rec.status_path);
  }
  erase(e);
}

void BatchManager::Impl::erase(Entry& e) {
  e.gone = true;
  e.changed.notify_all();
  timers_.cancel(e.id);
  MutexLock lock(table_mu_);
  const auto it = entries_.find(e.id);
  if (it != entries_.end() && it->second.get() == &e) entries_.erase(it);
}

Result<Batch> BatchManager::Impl::wait(std::string_view id_or_name, std::chrono::milliseconds timeout) const {
  const EntryPtr e = find(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  const auto deadline = clock_->steady_now() + timeout;
  MutexLock lock(e->mu);
  for (bool timed_out = false;;) {
    if (e->gone) return not_found(id_or_name);  // forgotten, or past state-retain
    if ((is_final(e->rec.state) && !e->child->running()) || stopping_ || timed_out) return to_batch(*e);
    timed_out = e->changed.wait_for(lock, deadline - clock_->steady_now());
  }
}

// --- the public face ---

BatchManager::BatchManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BatchManager::~BatchManager() = default;

Result<Batch> BatchManager::submit(const BatchRequest& request, const std::optional<std::string>& owner) {
  return impl_->submit(request, owner);
}
Result<Once<Batch>> BatchManager::submit_once(std::string_view key, const BatchRequest& request,
                                              const std::optional<std::string>& owner) {
  if (!impl_->once) return Status::unavailable("idempotent creates are not set up in this runtime");
  std::optional<Batch> made;
  const auto outcome = impl_->once->run(owner, key, "batch", record::encode_batch_request(request),
                                        [&](const IdempotencyRecord& key) -> Result<std::int64_t> {
                                          auto batch = impl_->submit(request, owner, &key);
                                          if (!batch) return batch.status();
                                          made = std::move(*batch);
                                          return made->id;
                                        });
  if (!outcome) return outcome.status();
  if (made) return Once<Batch>{std::move(*made), false};
  auto first = impl_->get(std::to_string(outcome->id));
  if (!first) {
    return Status::conflict("batch " + std::to_string(outcome->id) +
                            ", created with this idempotency key, no longer exists; use a new key");
  }
  return Once<Batch>{std::move(*first), true};
}
Result<Batch> BatchManager::get(const Ref& ref) const { return impl_->get(ref.text()); }
Result<Page<Batch>> BatchManager::list(std::int64_t from, std::int64_t size) const { return impl_->list(from, size); }
Result<LogPage> BatchManager::log(const Ref& ref, std::optional<std::int64_t> from,
                                  std::int64_t size) const {
  return impl_->log(ref.text(), from, size);
}
Status BatchManager::kill(const Ref& ref) { return impl_->kill(ref.text()); }
Result<Batch> BatchManager::wait(const Ref& ref, std::chrono::milliseconds timeout) const {
  return impl_->wait(ref.text(), timeout);
}

}  // namespace livy
