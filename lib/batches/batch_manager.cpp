// The batch table and its public operations; the monitor is in batch_monitor.cpp.
#include <filesystem>

#include "wire/request_json.h"
#include "batches/batch_manager_impl.h"
#include "base/data_dir.h"
#include "model/id_or_name.h"
#include "model/log_page.h"
#include "model/paging.h"
#include "model/request_validation.h"

namespace livy {

namespace fs = std::filesystem;

BatchManager::Impl::Impl(Config config, RequestRules rules, SparkEnvironment spark, Store& store,
                         std::shared_ptr<ProcessLauncher> launcher, std::shared_ptr<Clock> clock)
    : config_(std::move(config)),
      rules_(std::move(rules)),
      spark_(std::move(spark)),
      store_(store),
      launcher_(std::move(launcher)),
      clock_(std::move(clock)) {}

BatchManager::Impl::~Impl() { stop(); }

Status BatchManager::Impl::start() {
  auto records = store_.load_batches();
  if (!records) return records.status();
  const auto now_ms = to_epoch_ms(clock_->now());
  const auto retain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.state_retain).count();
  {
    std::lock_guard lock(mu_);
    for (auto& rec : *records) {
      if (rec.forgotten || (is_final(rec.state) && rec.ended_ms != 0 && rec.ended_ms + retain_ms < now_ms)) continue;
      Entry e;
      e.child = std::make_unique<ChildProcess>(launcher_, rec.log_path, rec.status_path, config_.log_cache_lines,
                                               config_.batch_kill_grace);
      // A batch that was running when the last livyd stopped: its wrapper is
      // not our child any more, but its exit status file and process group tell its fate.
      e.child->adopt(rec.pid, !is_final(rec.state) || (rec.state == BatchState::kKilled && rec.ended_ms == 0),
                     rec.pid_identity);
      e.kill_requested = rec.state == BatchState::kKilled;
      e.rec = std::move(rec);
      if (e.rec.pid == 0 && !is_final(e.rec.state)) {
        e.rec.state = BatchState::kDead;  // the server stopped between storing and launching it
        e.rec.ended_ms = now_ms;
        persist(e);
      }
      // A kill that was under way: its group gets SIGTERM again and SIGKILL after the grace period.
      if (e.kill_requested && e.child->pid() > 0 && launcher_->group_alive(e.child->pid())) e.child->terminate();
      entries_.emplace(e.rec.id, std::move(e));
    }
    stopping_ = false;
  }
  monitor_ = std::thread([this] { monitor_loop(); });
  return Status::ok();
}

void BatchManager::Impl::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  if (config_.stop_on_shutdown) kill_all_for_shutdown();
  finish_kills_for_shutdown();
}

void BatchManager::Impl::kill_all_for_shutdown() {
  std::unique_lock lock(mu_);
  for (auto& [id, e] : entries_) {
    if (is_final(e.rec.state)) continue;
    e.kill_requested = true;
    e.rec.state = BatchState::kKilled;
    e.child->append_note("livyd shut down (server.stop-on-shutdown)");
    persist(e);
    if (e.child->running()) e.child->terminate();
  }
}

void BatchManager::Impl::finish_kills_for_shutdown() {
  // A killed batch may still have its group stopping. The monitor is gone: wait here for those
  // groups, escalating to SIGKILL after the grace, so that none outlives livyd; watch() records
  // each end as the monitor would. Running batches are left for the next livyd.
  std::unique_lock lock(mu_);
  const auto give_up = std::chrono::steady_clock::now() + config_.batch_kill_grace + std::chrono::seconds(5);
  wait_for_children(lock, changed_, give_up, [this] {
    bool pending = poll_orphans(orphans_);
    for (auto& [id, e] : entries_) {
      if (!e.kill_requested) continue;
      if (e.child->running() || e.child->cleanup_pending()) watch(e);
      pending = pending || e.child->running() || e.child->cleanup_pending();
    }
    return pending;
  });
}

BatchManager::Impl::Entry* BatchManager::Impl::find(std::string_view id_or_name) {
  if (const auto id = as_id(id_or_name)) {
    const auto it = entries_.find(*id);
    return it == entries_.end() ? nullptr : &it->second;
  }
  for (auto& [id, e] : entries_) {
    if (e.rec.name && *e.rec.name == id_or_name) return &e;
  }
  return nullptr;
}


const BatchManager::Impl::Entry* BatchManager::Impl::lookup(std::string_view id_or_name,
                                                           std::optional<Entry>& archived) const {
  if (const Entry* e = find(id_or_name)) return e;
  const auto id = as_id(id_or_name);
  if (!id) return nullptr;
  auto records = store_.load_batches(*id);
  if (!records || records->empty() || records->front().forgotten || !is_final(records->front().state)) return nullptr;
  Entry& e = archived.emplace();
  e.rec = std::move(records->front());
  e.child = std::make_unique<ChildProcess>(launcher_, e.rec.log_path, e.rec.status_path, config_.log_cache_lines,
                                           config_.batch_kill_grace);
  e.child->adopt(0, false);  // its log only
  return &e;
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
  b.log = e.child->log().last(10);
  return b;
}

void BatchManager::Impl::persist(const Entry& e) {
  // The in-memory state stays authoritative for this run; a failed write is
  // reported on the next start as a stale state, which recovery corrects.
  (void)store_.update_batch(e.rec);
}

Result<Batch> BatchManager::Impl::submit(const BatchRequest& request, const std::optional<std::string>& owner) {
  Status st = validate_batch_request(request, rules_);
  if (!st) return st;
  std::lock_guard lock(mu_);
  if (stopping_) return Status::unavailable("the server is shutting down");
  int starting = 0;
  for (const auto& [id, e] : entries_) {
    if (request.name && e.rec.name == request.name) {
      return Status::invalid_argument("Duplicate session name: " + *request.name);
    }
    starting += e.rec.state == BatchState::kStarting ? 1 : 0;
  }
  if (starting + (other_starting ? other_starting() : 0) >= config_.max_creation) {
    return Status::resource_exhausted("Rejected, too many sessions are being created!");
  }
  const auto id = store_.allocate_id("batch");
  if (!id) return id.status();

  const fs::path dir = fs::path(config_.data_dir) / "batches" / std::to_string(*id);
  if (!create_private_dirs(dir.string())) return Status::unavailable("cannot create the batch's directory");

  Entry e;
  e.rec.id = *id;
  e.rec.name = request.name;
  e.rec.owner = owner;
  e.rec.proxy_user = request.proxy_user;
  e.rec.request_json = wire::encode_batch_request(request);
  e.rec.state = BatchState::kStarting;
  e.rec.log_path = (dir / "output.log").string();
  e.rec.status_path = (dir / "exit-status").string();
  e.rec.created_ms = to_epoch_ms(clock_->now());
  e.child = std::make_unique<ChildProcess>(launcher_, e.rec.log_path, e.rec.status_path, config_.log_cache_lines,
                                           config_.batch_kill_grace);
  st = store_.insert_batch(e.rec);  // durable before anyone hears of it
  if (!st) return st;
  launch(e, request);
  Batch batch = to_batch(e);
  entries_.emplace(e.rec.id, std::move(e));
  changed_.notify_all();
  return batch;
}

void BatchManager::Impl::launch(Entry& e, const BatchRequest& request) {
  ProcessSpec spec;
  spec.argv = batch_submit_argv(spark_, request);
  spec.env = spark_.env;
  spec.working_dir = fs::path(e.rec.log_path).parent_path().string();
  const Status st = e.child->start(spec);
  if (!st) {
    e.child->append_note("could not start spark-submit: " + st.message());
    e.child->log().finish();
    e.rec.state = BatchState::kError;
    e.rec.ended_ms = to_epoch_ms(clock_->now());
  } else {
    e.rec.pid = e.child->pid();
    e.rec.pid_identity = e.child->identity();
  }
  persist(e);
}

int BatchManager::Impl::starting_count() const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const auto& [id, e] : entries_) n += e.rec.state == BatchState::kStarting ? 1 : 0;
  return n;
}

Result<Batch> BatchManager::Impl::get(std::string_view id_or_name) const {
  std::lock_guard lock(mu_);
  std::optional<Entry> archived;
  const Entry* e = lookup(id_or_name, archived);
  if (e == nullptr) return not_found(id_or_name);
  return to_batch(*e);
}

Result<Page<Batch>> BatchManager::Impl::list(std::int64_t from, std::int64_t size) const {
  std::lock_guard lock(mu_);
  return page_of_entries<Batch>(entries_, from, size, [this](const Entry& e) { return to_batch(e); });
}

Result<LogPage> BatchManager::Impl::log(std::string_view id_or_name, std::optional<std::int64_t> from,
                                        std::int64_t size) const {
  if (from && *from < 0) return Status::invalid_argument("from must not be negative");
  std::lock_guard lock(mu_);
  std::optional<Entry> archived;
  const Entry* e = lookup(id_or_name, archived);
  if (e == nullptr) return not_found(id_or_name);
  return page_of(e->child->log(), e->rec.id, from, size);
}

Status BatchManager::Impl::kill(std::string_view id_or_name) {
  std::lock_guard lock(mu_);
  Entry* e = find(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  if (e->kill_requested && (e->child->running() || e->child->cleanup_pending())) return Status::ok();  // being killed
  if (is_final(e->rec.state)) {
    forget(*e);
    return Status::ok();
  }
  e->kill_requested = true;
  e->rec.state = BatchState::kKilled;
  if (!e->child->running()) e->rec.ended_ms = to_epoch_ms(clock_->now());
  persist(*e);  // before the signal: a restart must not resurrect it
  if (e->child->running()) e->child->terminate();
  changed_.notify_all();
  return Status::ok();
}

void BatchManager::Impl::forget(Entry& e) {
  e.rec.forgotten = true;
  persist(e);
  // Forgotten by users, not by the monitor: a SIGKILL still due is still sent.
  if (e.child->cleanup_pending()) orphans_.push_back(std::move(e.child));
  entries_.erase(e.rec.id);
  changed_.notify_all();
}

Result<Batch> BatchManager::Impl::wait(std::string_view id_or_name, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const Entry* e = find(id_or_name);
    if (e == nullptr) return not_found(id_or_name);
    if ((is_final(e->rec.state) && !e->child->running()) || stopping_) return to_batch(*e);
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      e = find(id_or_name);
      if (e == nullptr) return not_found(id_or_name);
      return to_batch(*e);
    }
  }
}

// --- the public face ---

BatchManager::BatchManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BatchManager::~BatchManager() = default;

Result<Batch> BatchManager::submit(const BatchRequest& request, const std::optional<std::string>& owner) {
  return impl_->submit(request, owner);
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
