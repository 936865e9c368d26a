#include "runtime/supervisor.h"

#include <openssl/rand.h>

#include "base/text_values.h"
#include "spark/app_watch.h"

namespace livy {

std::string_view phase_name(ClusterAppPhase phase) {
  switch (phase) {
    case ClusterAppPhase::kPending:
      return "pending";
    case ClusterAppPhase::kRunning:
      return "running";
    case ClusterAppPhase::kSucceeded:
      return "succeeded";
    case ClusterAppPhase::kFailed:
      return "failed";
    case ClusterAppPhase::kKilled:
      return "killed";
  }
  return "unknown";
}

Supervisor::Supervisor(Options options) : options_(std::move(options)) {}

Supervisor::Options Supervisor::options_for(const Config& config, std::shared_ptr<ProcessLauncher> launcher,
                                            std::shared_ptr<Clock> clock, std::shared_ptr<ClusterManager> cluster,
                                            std::string ui_host, std::shared_ptr<metrics::Gauge> running_children) {
  Options o;
  o.launcher = std::move(launcher);
  o.clock = std::move(clock);
  o.cluster = std::move(cluster);
  o.log_lines = config.log_cache_lines;
  o.kill_grace = config.batch_kill_grace;
  o.app_lookup_timeout = config.cluster_app_lookup_timeout;
  o.lookup_interval = config.cluster_poll_interval;
  o.ui_host = std::move(ui_host);
  o.running_children = std::move(running_children);
  return o;
}

std::unique_ptr<ChildProcess> Supervisor::new_child(const std::string& log_path, const std::string& status_path) const {
  return std::make_unique<ChildProcess>(options_.launcher, options_.clock, log_path, status_path, options_.log_lines,
                                        options_.kill_grace, options_.running_children);
}

std::string Supervisor::new_tag(std::string_view kind, std::int64_t id) const {
  if (!cluster()) return "";
  unsigned char bytes[5];
  std::string random;
  if (RAND_bytes(bytes, sizeof bytes) == 1) {
    static const char* const kDigits = "0123456789abcdefghijklmnopqrstuv";
    std::uint64_t n = 0;
    for (unsigned char b : bytes) n = (n << 8) | b;
    for (int i = 0; i < 8; ++i, n >>= 5) random.push_back(kDigits[n & 31]);
  } else {
    // The id keeps the tag unique in this store; the time, across stores on one cluster.
    random = std::to_string(to_epoch_ms(options_.clock->now()));
  }
  return "livy-" + std::string(kind) + "-" + std::to_string(id) + "-" + random;
}

void Supervisor::tag_submission(AppWatch& watch, std::map<std::string, std::string>& conf) const {
  if (!cluster() || watch.tag.empty()) return;
  cluster()->tag_submission(watch.tag, conf);
  watch.lookup_deadline = steady_now() + options_.app_lookup_timeout;
  watch.next_lookup = steady_now();
}

void Supervisor::adopt(AppWatch& watch, const std::string& tag, bool app_known, bool app_ended) const {
  watch.tag = cluster() ? tag : std::string();
  if (watch.tag.empty()) return;
  watch.found = app_known;
  // A restart gives an application not found yet the whole lookup time again.
  watch.lookup_deadline = steady_now() + options_.app_lookup_timeout;
  watch.next_lookup = steady_now();
  watch.given_up = app_ended;
}

bool Supervisor::scan_output(AppWatch& watch, const std::vector<std::string>& lines, std::optional<std::string>& app_id,
                             std::optional<std::string>& spark_ui_url) const {
  bool changed = false;
  for (const auto& line : lines) {
    if (!app_id) {
      if (auto id = find_app_id(line)) {
        app_id = std::move(id);
        changed = true;
      }
    }
    // With a manager, the UI and the links come from its report.
    if (watch.tag.empty() && !watch.ui_port) {
      if (auto port = find_ui_port(line)) {
        watch.ui_port = port;
        spark_ui_url = "http://" + options_.ui_host + ":" + std::to_string(*port);
        changed = true;
      }
    }
  }
  return changed;
}

std::optional<int> Supervisor::due_ui_query(AppWatch& watch, bool running,
                                            const std::optional<std::string>& app_id) const {
  const auto now = steady_now();
  if (!watch.tag.empty() || !running || app_id || !watch.ui_port || now < watch.next_ui_query) return std::nullopt;
  watch.next_ui_query = now + std::chrono::seconds(1);
  return watch.ui_port;
}

bool Supervisor::wants_manager(const AppWatch& watch, bool wanted) const {
  if (!cluster() || watch.tag.empty()) return false;
  if (watch.kill_due) return true;
  return wanted && !watch.given_up && !watch.final_phase();
}

std::optional<AppCall> Supervisor::due_lookup(AppWatch& watch, bool wanted,
                                              const std::optional<std::string>& app_id) const {
  if (!wants_manager(watch, wanted) || watch.in_flight || steady_now() < watch.next_lookup) return std::nullopt;
  if (watch.kill_due && app_id) return std::nullopt;  // due_kill's turn
  watch.in_flight = true;
  watch.next_lookup = steady_now() + options_.lookup_interval;
  return AppCall{watch.tag, app_id};
}

Result<std::optional<ClusterAppReport>> Supervisor::lookup(const AppCall& call) const {
  return cluster()->lookup(call.tag, call.app_id);
}

Supervisor::Outcome Supervisor::take_lookup(AppWatch& watch, ChildProcess& child,
                                            Result<std::optional<ClusterAppReport>> answer,
                                            ClusterAppReport& report) const {
  watch.in_flight = false;
  const std::string manager(cluster()->name());
  if (!answer) {
    // A manager that does not answer says nothing of the application: asked again, never given up on.
    if (!watch.lookup_failing) {
      child.append_note(manager + " did not answer a lookup of the application (" + answer.status().message() +
                        "): asking again");
    }
    watch.lookup_failing = true;
    return Outcome::kNothing;
  }
  if (watch.lookup_failing) child.append_note(manager + " answers again");
  watch.lookup_failing = false;
  if (*answer) {
    report = std::move(**answer);
    if (!watch.found) child.append_note("found the application " + report.app_id + " in " + manager);
    watch.found = true;
    watch.phase = report.phase;
    return Outcome::kReport;
  }
  if (watch.found || steady_now() < watch.lookup_deadline) return Outcome::kNothing;
  watch.given_up = true;
  watch.kill_due = false;  // nothing to kill
  child.append_note("no application tagged " + watch.tag + " was found in " + manager +
                    " within livy.server.yarn.app-lookup-timeout (" + format_duration(options_.app_lookup_timeout) +
                    "): giving up on it");
  return Outcome::kGivenUp;
}

bool Supervisor::apply_report(const ClusterAppReport& report, std::optional<std::string>& app_id,
                              std::optional<std::string>& spark_ui_url, std::optional<std::string>& driver_log_url) {
  bool changed = false;
  const auto set = [&](std::optional<std::string>& field, const std::optional<std::string>& value) {
    if (value && field != value) {
      field = value;
      changed = true;
    }
  };
  if (!report.app_id.empty()) set(app_id, report.app_id);
  set(spark_ui_url, report.spark_ui_url);
  set(driver_log_url, report.driver_log_url);
  return changed;
}

std::optional<AppCall> Supervisor::due_kill(AppWatch& watch, const std::optional<std::string>& app_id) const {
  if (!cluster() || !watch.kill_due || !app_id || watch.in_flight || steady_now() < watch.next_lookup) {
    return std::nullopt;
  }
  watch.in_flight = true;
  watch.next_lookup = steady_now() + options_.lookup_interval;
  return AppCall{watch.tag, app_id};
}

Status Supervisor::kill(const AppCall& call) const { return cluster()->kill(*call.app_id); }

void Supervisor::finish_kill(AppWatch& watch, ChildProcess& child, const Status& st) const {
  watch.in_flight = false;
  const std::string manager(cluster()->name());
  if (st) {
    watch.kill_due = false;
    child.append_note("asked " + manager + " to kill the application");
    return;
  }
  if (!watch.lookup_failing) child.append_note(manager + " did not answer a kill (" + st.message() + "): asking again");
  watch.lookup_failing = true;
}

void Supervisor::orphan(std::unique_ptr<ChildProcess> child) {
  MutexLock lock(orphans_mu_);
  orphans_.push_back(std::move(child));
}

void Supervisor::orphan_kill(AppWatch& watch, const std::optional<std::string>& app_id) {
  if (!cluster() || !watch.kill_due || !app_id) return;
  watch.kill_due = false;
  MutexLock lock(orphans_mu_);
  kills_.push_back(AppCall{watch.tag, app_id});
}

bool Supervisor::poll_orphans() {
  std::vector<AppCall> kills;
  {
    MutexLock lock(orphans_mu_);
    livy::poll_orphans(orphans_);
    if (steady_now() >= next_kill_) kills.swap(kills_);
  }
  std::vector<AppCall> unanswered;
  for (auto& call : kills) {
    if (!kill(call)) unanswered.push_back(std::move(call));
  }
  MutexLock lock(orphans_mu_);
  if (!unanswered.empty()) {
    next_kill_ = steady_now() + options_.lookup_interval;
    for (auto& call : unanswered) kills_.push_back(std::move(call));
  }
  return !orphans_.empty() || !kills_.empty();
}

}  // namespace livy
