// What livyd asks of a cluster manager (YARN, Spark standalone, Kubernetes) about
// the applications it submitted there: where one is, what state it is in, and
// how to stop it. Local mode has none: the spark-submit process is the application.
//
// Every call may do network I/O: never make one while holding a lock that another
// batch's or session's request waits on.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "livy/config.h"
#include "livy/status.h"

namespace livy {

// An application's state as its cluster manager reports it.
enum class ClusterAppPhase {
  kPending,    // accepted, waiting for resources (YARN NEW..ACCEPTED, standalone SUBMITTED)
  kRunning,
  kSucceeded,  // ended, and the application reported success
  kFailed,     // ended in failure (YARN FAILED, or FINISHED with final status FAILED)
  kKilled,     // stopped from outside (YARN KILLED, standalone KILLED)
};

struct ClusterAppReport {
  std::string app_id;  // the cluster manager's id: application_..., driver-..., spark-...
  ClusterAppPhase phase = ClusterAppPhase::kPending;
  std::optional<std::string> driver_log_url;  // appInfo.driverLogUrl
  std::optional<std::string> spark_ui_url;    // appInfo.sparkUiUrl (YARN: the tracking URL)
  std::string diagnostics;                    // the manager's own words on a failure; may be empty
};

class ClusterManager {
 public:
  virtual ~ClusterManager() = default;

  // "yarn", "standalone", "k8s": for messages and logs.
  virtual std::string_view name() const = 0;

  // Adds to a new application's spark-submit conf what lets lookup() find it by
  // `tag` later, also after a livyd restart (YARN: spark.yarn.tags; Kubernetes: a
  // driver pod label). `tag` is livyd's own, unique per batch or session, made of
  // [a-z0-9-] only.
  virtual void tag_submission(std::string_view tag, std::map<std::string, std::string>& conf) const = 0;

  // The application submitted with `tag`, or the one with `app_id` when it is
  // already known. nullopt: the manager does not know it (yet); the caller gives up
  // after livy.server.yarn.app-lookup-timeout. An error: the manager did not answer.
  virtual Result<std::optional<ClusterAppReport>> lookup(std::string_view tag,
                                                         const std::optional<std::string>& app_id) = 0;

  // Asks the manager to stop the application. OK also when it had ended already.
  virtual Status kill(std::string_view app_id) = 0;
};

}  // namespace livy
