// Supervisor: the lifecycle engine that batches and sessions share. It starts their
// spark-submit children (ChildProcess: process group, log, exit status), learns their
// application (its id and UI from the output, or from the cluster manager by a tag), asks the
// cluster manager to kill it, and keeps the children that were forgotten until their SIGKILL is
// sent. Each engine (BatchManager's, SessionCore) owns one, and runs it from its timer queue:
// one deadline per batch or session, never a walk over all of them under a lock.
//
// What it keeps of one application is an AppWatch in the batch's or session's entry, under that
// entry's lock. Lookups and kills at the cluster manager are network I/O: the engine takes what
// is due under the entry's lock (due_lookup, due_kill), does it with no lock held, and brings
// the answer back under the lock (take_lookup).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/thread_annotations.h"
#include "clusters/cluster_manager.h"
#include "livy/clock.h"
#include "livy/config.h"
#include "livy/process.h"
#include "process/child_process.h"

namespace livy {

// What the engine knows of one batch's or session's application, beyond its record.
// Not thread-safe: under its entry's lock.
struct AppWatch {
  // Local mode (no cluster manager): the UI port the output announced, and when the UI's REST
  // API may next be asked for the application id.
  std::optional<int> ui_port;
  std::chrono::steady_clock::time_point next_ui_query{};

  // With a cluster manager.
  std::string tag;                                          // livyd's tag of the submission ("" without a manager)
  std::chrono::steady_clock::time_point lookup_deadline{};  // not found by then: given up
  std::chrono::steady_clock::time_point next_lookup{};
  bool found = false;                    // the manager reported the application
  std::optional<ClusterAppPhase> phase;  // its last reported phase
  bool lookup_failing = false;           // the last lookup got no answer (said once in the log)
  bool given_up = false;                 // not found within the lookup timeout
  bool kill_due = false;                 // a kill to send to the manager (retried until it answers)
  bool in_flight = false;                // a lookup or kill is under way, outside the lock

  bool final_phase() const {
    return phase && (*phase == ClusterAppPhase::kSucceeded || *phase == ClusterAppPhase::kFailed ||
                     *phase == ClusterAppPhase::kKilled);
  }
};

// A lookup or a kill taken from an AppWatch, to be done with no lock held.
struct AppCall {
  std::string tag;
  std::optional<std::string> app_id;
};

class Supervisor {
 public:
  struct Options {
    std::shared_ptr<ProcessLauncher> launcher;
    std::shared_ptr<Clock> clock;
    std::shared_ptr<ClusterManager> cluster;                // nullptr: the spark-submit process is the application
    std::size_t log_lines = 200;                            // log.cache-size
    std::chrono::milliseconds kill_grace{5000};             // batches.kill-grace
    std::chrono::milliseconds app_lookup_timeout{120'000};  // clusters.app-lookup-timeout
    std::chrono::milliseconds lookup_interval{1000};  // between two lookups of one application (clusters.poll-interval)
    std::string ui_host;                                    // where a local driver's Spark UI is reached
    std::shared_ptr<metrics::Gauge> running_children;       // counts the running children; nullptr: not counted
  };

  explicit Supervisor(Options options);
  // The options of an engine's supervisor under `config` (log.cache-size, batches.kill-grace,
  // clusters.app-lookup-timeout).
  static Options options_for(const Config& config, std::shared_ptr<ProcessLauncher> launcher,
                             std::shared_ptr<Clock> clock, std::shared_ptr<ClusterManager> cluster,
                             std::string ui_host, std::shared_ptr<metrics::Gauge> running_children = nullptr);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  const Options& options() const { return options_; }
  ClusterManager* cluster() const { return options_.cluster.get(); }
  std::chrono::steady_clock::time_point steady_now() const { return options_.clock->steady_now(); }

  // A child whose output goes to `log_path` and whose wrapper writes `status_path`.
  std::unique_ptr<ChildProcess> new_child(const std::string& log_path, const std::string& status_path) const;

  // A new tag for the application of batch or session `id` (`kind`: "batch", "session"):
  // livy-<kind>-<id>-<random>, of [a-z0-9-] only; "" without a cluster manager.
  std::string new_tag(std::string_view kind, std::int64_t id) const;
  // Prepares `watch` for a submission (tagged in `conf` through the manager) launched now.
  void tag_submission(AppWatch& watch, std::map<std::string, std::string>& conf) const;
  // Prepares `watch` for an application known from the store (a livyd restart): `app_known`,
  // its id is stored; `app_ended`, it is not followed any more.
  void adopt(AppWatch& watch, const std::string& tag, bool app_known, bool app_ended) const;

  // Local mode: what output lines say of the application. Sets `app_id` and `spark_ui_url`
  // when they appear; true if either changed.
  bool scan_output(AppWatch& watch, const std::vector<std::string>& lines, std::optional<std::string>& app_id,
                   std::optional<std::string>& spark_ui_url) const;
  // Local mode: the UI port to ask for the application id now (query_app_id, no lock held).
  std::optional<int> due_ui_query(AppWatch& watch, bool running, const std::optional<std::string>& app_id) const;

  // With a manager: the lookup due now, if any (`wanted`: the batch or session still follows
  // its application); marks it in flight. When the next one may be due: next_lookup.
  std::optional<AppCall> due_lookup(AppWatch& watch, bool wanted, const std::optional<std::string>& app_id) const;
  // The manager's answer, with no lock held.
  Result<std::optional<ClusterAppReport>> lookup(const AppCall& call) const;
  // What a lookup's answer changes, under the entry's lock again.
  enum class Outcome {
    kNothing,  // not found yet, or no answer: retried
    kReport,   // found: `report` holds it (app id, phase, links)
    kGivenUp,  // not found within the lookup timeout: the note is in the log
  };
  Outcome take_lookup(AppWatch& watch, ChildProcess& child, Result<std::optional<ClusterAppReport>> answer,
                      ClusterAppReport& report) const;
  // Fills `app_id` and the links from `report`; true if any changed.
  static bool apply_report(const ClusterAppReport& report, std::optional<std::string>& app_id,
                           std::optional<std::string>& spark_ui_url, std::optional<std::string>& driver_log_url);

  // The kill to send to the manager now, if one is due and the application id is known.
  std::optional<AppCall> due_kill(AppWatch& watch, const std::optional<std::string>& app_id) const;
  // Sends it, with no lock held; then finish_kill under the entry's lock.
  Status kill(const AppCall& call) const;
  void finish_kill(AppWatch& watch, ChildProcess& child, const Status& st) const;

  // Whether the watch still has business with the manager (a lookup while `wanted`, or a kill
  // due): then its timer is due again at watch.next_lookup.
  bool wants_manager(const AppWatch& watch, bool wanted) const;

  // What a forgotten batch or session still owes: its group's SIGKILL, its application's kill at
  // the manager (`watch`'s, if one is due and the id known). Kept here until done. Thread-safe.
  void orphan(std::unique_ptr<ChildProcess> child) EXCLUDES(orphans_mu_);
  void orphan_kill(AppWatch& watch, const std::optional<std::string>& app_id) EXCLUDES(orphans_mu_);
  // Escalates the orphans' kills and sends the due kills at the manager (no lock held while it
  // does); true while anything is left.
  bool poll_orphans() EXCLUDES(orphans_mu_);

 private:
  const Options options_;
  Mutex orphans_mu_;
  std::vector<std::unique_ptr<ChildProcess>> orphans_ GUARDED_BY(orphans_mu_);
  std::vector<AppCall> kills_ GUARDED_BY(orphans_mu_);  // of forgotten applications, not answered yet
  std::chrono::steady_clock::time_point next_kill_ GUARDED_BY(orphans_mu_){};
};

// "pending", "running", "succeeded", "failed", "killed": for the log.
std::string_view phase_name(ClusterAppPhase phase);

}  // namespace livy
