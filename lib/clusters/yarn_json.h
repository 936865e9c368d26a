// Reading the YARN ResourceManager's REST answers (/ws/v1/cluster/apps...) into
// ClusterAppReports. The RM's answer is input like any other: every field is checked
// for its type before it is read, and what is missing or mistyped is an error that
// names it, never a crash.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clusters/cluster_manager.h"
#include "livy/status.h"

namespace livy {

// One application as the RM reports it, with what livyd needs of it.
struct YarnApp {
  std::string id;                 // application_<cluster>_<n>
  std::string state;              // NEW .. RUNNING, FINISHED, FAILED, KILLED
  std::string final_status;       // UNDEFINED, SUCCEEDED, FAILED, KILLED
  std::vector<std::string> tags;  // applicationTags, split at commas (YARN lower-cases them)
  std::string queue;
  std::optional<std::string> tracking_url;       // trackingUrl: the Spark UI through the RM's proxy
  std::optional<std::string> am_container_logs;  // amContainerLogs: the AM container's logs
  std::string diagnostics;
  long long started_time = 0;  // startedTime, ms since the epoch
};

// The phase of an application in `state` with `final_status` (Apache Livy's mapping:
// FINISHED with a final status other than SUCCEEDED, FAILED or KILLED is a failure).
// An unknown state: kUnavailable naming it.
Result<ClusterAppPhase> yarn_phase(std::string_view state, std::string_view final_status);

// The report livyd keeps of `app`.
Result<ClusterAppReport> to_report(const YarnApp& app);

// GET /ws/v1/cluster/apps?...: {"apps":{"app":[...]}}; {"apps":null} and {"apps":{}}
// are an empty list.
Result<std::vector<YarnApp>> parse_yarn_apps(const std::string& body);

// GET /ws/v1/cluster/apps/<id>: {"app":{...}}.
Result<YarnApp> parse_yarn_app(const std::string& body);

// The RM's message in an error answer ({"RemoteException":{"message":...}} or
// {"exception":..,"message":..}), cut to a readable length; empty when there is none.
std::string parse_yarn_error(const std::string& body);

// True when `id` is a YARN application id (application_<digits>_<digits>), safe to
// put in a URL path.
bool is_yarn_app_id(std::string_view id);

}  // namespace livy
