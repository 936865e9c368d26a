// FakeClusterManager: a ClusterManager a test scripts. It finds an application after a given
// number of lookups, reports the phase the test sets, can stop answering, and records the tags
// it was asked about and the kills it was sent.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "clusters/cluster_manager.h"

namespace livy_test {

class FakeClusterManager : public livy::ClusterManager {
 public:
  static constexpr const char* kTagKey = "spark.fake.tags";

  std::string_view name() const override { return "fakecluster"; }

  void tag_submission(std::string_view tag, std::map<std::string, std::string>& conf) const override {
    conf[kTagKey] = std::string(tag);
  }

  livy::Result<std::optional<livy::ClusterAppReport>> lookup(std::string_view tag,
                                                             const std::optional<std::string>& app_id) override {
    std::lock_guard lock(mu_);
    ++lookups_;
    asked_.push_back({std::string(tag), app_id});
    if (failing_) return livy::Status::unavailable("connection refused");
    if (!app_ || lookups_ < found_at_) return std::optional<livy::ClusterAppReport>();
    return std::optional<livy::ClusterAppReport>(*app_);
  }

  livy::Status kill(std::string_view app_id) override {
    std::lock_guard lock(mu_);
    kills_.emplace_back(app_id);
    if (failing_) return livy::Status::unavailable("connection refused");
    return livy::Status::ok();
  }

  // --- scripting ---

  // A report of application_1765000000000_<nnnn> in `phase`, with its UI and driver log links.
  static livy::ClusterAppReport report(livy::ClusterAppPhase phase, const std::string& nnnn = "0042") {
    livy::ClusterAppReport r;
    r.app_id = "application_1765000000000_" + nnnn;
    r.phase = phase;
    r.spark_ui_url = "http://rm:8088/proxy/" + r.app_id + "/";
    r.driver_log_url = "http://nm:8042/node/containerlogs/container_" + nnnn + "/livy";
    return r;
  }

  // The application is found from the `nth` lookup on (counting every lookup so far), as `report`.
  void appear(livy::ClusterAppReport report, int nth = 1) {
    std::lock_guard lock(mu_);
    app_ = std::move(report);
    found_at_ = nth;
  }
  void set_phase(livy::ClusterAppPhase phase, std::string diagnostics = "") {
    std::lock_guard lock(mu_);
    app_->phase = phase;
    app_->diagnostics = std::move(diagnostics);
  }
  // Lookups and kills fail (the manager does not answer) until told otherwise.
  void set_failing(bool failing) {
    std::lock_guard lock(mu_);
    failing_ = failing;
  }

  int lookups() const {
    std::lock_guard lock(mu_);
    return lookups_;
  }
  struct Asked {
    std::string tag;
    std::optional<std::string> app_id;
  };
  std::vector<Asked> asked() const {
    std::lock_guard lock(mu_);
    return asked_;
  }
  std::vector<std::string> kills() const {
    std::lock_guard lock(mu_);
    return kills_;
  }

 private:
  mutable std::mutex mu_;  // guards everything below
  std::optional<livy::ClusterAppReport> app_;
  int found_at_ = 1;
  bool failing_ = false;
  int lookups_ = 0;
  std::vector<Asked> asked_;
  std::vector<std::string> kills_;
};

}  // namespace livy_test
