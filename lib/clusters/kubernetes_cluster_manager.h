// The ClusterManager for k8s:// masters: finds, follows and kills livyd's Spark drivers
// through the Kubernetes API server (the driver pod, by a label livyd sets), as plain
// REST calls: GET /api/v1/namespaces/<ns>/pods?labelSelector=..., DELETE .../pods/<name>.
// Credentials: a bearer token file and a CA file (by default those Kubernetes mounts in
// every pod: livyd running in the cluster), or any API URL, token and CA from the
// kubernetes.* keys. No kubeconfig parsing. Stateless apart from its options: any thread
// may call it at once, and every call is a few bounded HTTP requests.
//
// Tested against a stand-in API server replaying hand-written answers only: no
// Kubernetes cluster was available (docs/clusters.md says so).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/http_exchange.h"
#include "clusters/cluster_manager.h"
#include "clusters/kubernetes_json.h"
#include "livy/config.h"

namespace livy {

// The driver pod label that carries livyd's tag (spark.kubernetes.driver.label.<it>).
inline constexpr const char* kKubernetesTagLabel = "livy-tag";

struct KubernetesOptions {
  std::string api_url;     // http(s)://host[:port], no path
  std::string namespace_;  // a DNS-1123 label
  std::string token_file;  // empty or missing: no Authorization header
  std::string ca_file;     // empty or missing: the system's CAs
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  std::size_t max_response_bytes = 4 << 20;
  std::string driver_log_url;  // template: {namespace}, {pod}, {app-id}; empty: none
  std::string spark_ui_url;    // the same
};

class KubernetesClusterManager final : public ClusterManager {
 public:
  explicit KubernetesClusterManager(KubernetesOptions options);

  std::string_view name() const override { return "k8s"; }
  // spark.kubernetes.driver.label.livy-tag=<tag>.
  void tag_submission(std::string_view tag, std::map<std::string, std::string>& conf) const override;
  // By tag: the driver pods labelled livy-tag=<tag> (the newest when several); by app id:
  // those labelled spark-app-selector=<app id>. A driver pod that is gone once its app id
  // is known was deleted: kKilled.
  Result<std::optional<ClusterAppReport>> lookup(std::string_view tag,
                                                 const std::optional<std::string>& app_id) override;
  // Deletes the driver pods labelled spark-app-selector=<app_id> (Spark's owner references
  // then remove the executors). OK when there is none any more.
  Status kill(std::string_view app_id) override;

  const KubernetesOptions& options() const { return options_; }

 private:
  using Answer = HttpAnswer;
  Result<Answer> request(const std::string& method, const std::string& path) const;
  Result<std::vector<KubernetesPod>> list_drivers(const std::string& selector, const std::string& what) const;
  ClusterAppReport to_report(const KubernetesPod& pod, ClusterAppPhase phase) const;

  KubernetesOptions options_;
};

// The API server's URL for `master` (k8s://https://host:port; k8s://host:port means https)
// unless `config.kubernetes_api_url` names one; an error for anything but scheme://host[:port].
Result<std::string> kubernetes_api_url(const Config& config, const std::string& master);

// The manager for a k8s:// `master` under `config`; an error (naming the key) for a bad
// API URL or a namespace that is not a DNS-1123 label.
Result<std::shared_ptr<ClusterManager>> make_kubernetes_cluster_manager(const Config& config,
                                                                       const std::string& master);

// `tmpl` with {namespace}, {pod} and {app-id} replaced; nullopt for an empty template.
std::optional<std::string> expand_kubernetes_url(const std::string& tmpl, const std::string& namespace_,
                                                 const std::string& pod, const std::string& app_id);

// True when `id` can be a label value livyd puts in a selector: [A-Za-z0-9._-], 1 to 63,
// starting and ending with a letter or digit.
bool is_kubernetes_label_value(std::string_view id);

}  // namespace livy
