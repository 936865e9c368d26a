// Reading the Kubernetes API server's answers about driver pods (a PodList from
// GET /api/v1/namespaces/<ns>/pods?labelSelector=..., a Pod, a Status) into what
// livyd needs. The API server's answer is input like any other: every field is
// checked for its type before it is read; what is missing or mistyped is an error
// that names it, or is taken as absent, never a crash.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clusters/cluster_manager.h"
#include "livy/status.h"

namespace livy {

// One driver pod, with what livyd uses of it.
struct KubernetesPod {
  std::string name;           // metadata.name
  std::string namespace_;     // metadata.namespace
  std::string creation_time;  // metadata.creationTimestamp (RFC 3339, UTC: compares as text)
  std::optional<std::string> app_id;    // metadata.labels["spark-app-selector"]: spark-...
  std::optional<std::string> tag;       // metadata.labels["livy-tag"]
  std::optional<std::string> role;      // metadata.labels["spark-role"]: "driver"
  bool deleting = false;                // metadata.deletionTimestamp is set
  std::string phase;                    // status.phase: Pending, Running, Succeeded, Failed, Unknown
  std::string reason;                   // status.reason (Evicted, DeadlineExceeded...)
  std::string message;                  // status.message
  // The first container that ended (status.containerStatuses[].state.terminated), or is
  // waiting with a reason (ErrImagePull, CrashLoopBackOff...): reason, exit code, message.
  std::optional<std::string> container_reason;
  std::optional<long long> exit_code;
  std::string container_message;
};

// GET .../pods?labelSelector=...: a PodList ({"kind":"PodList","items":[...]}); items
// null or missing is an empty list. A pod that is not an object, or has no name, is an error.
Result<std::vector<KubernetesPod>> parse_kubernetes_pod_list(const std::string& body);

// GET .../pods/<name>: a Pod.
Result<KubernetesPod> parse_kubernetes_pod(const std::string& body);

// The message of a Status answer ({"kind":"Status","message":...,"reason":...}), cut to a
// readable length; empty when there is none.
std::string parse_kubernetes_status_message(const std::string& body);

// The phase livyd gives a driver pod: Pending and Running as they are; Succeeded;
// Failed is kFailed; a pod being deleted (metadata.deletionTimestamp) that has not
// succeeded is kKilled (deleted by livyd's kill or by anyone); Unknown (its node does not
// answer) is kRunning, as Kubernetes may report it again. Any other phase: kUnavailable.
Result<ClusterAppPhase> kubernetes_phase(const KubernetesPod& pod);

// The diagnostics of a pod that failed: status reason and message, the container's reason,
// exit code and message, as one line (empty when there is nothing to say).
std::string kubernetes_diagnostics(const KubernetesPod& pod);

// True when `name` is a DNS-1123 label (what pod names and namespaces livyd makes are):
// [a-z0-9-], starting and ending with [a-z0-9], 1 to 63 characters. Safe in a URL path.
bool is_dns1123_label(std::string_view name);

// True when `name` is a DNS-1123 subdomain (a pod name: labels joined by '.', at most 253).
bool is_dns1123_subdomain(std::string_view name);

}  // namespace livy
