#include "clusters/kubernetes_cluster_manager.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include "spark/spark_submit.h"

namespace livy {
namespace {


constexpr std::size_t kMaxTokenBytes = 64 << 10;

bool label_value_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

// The bearer token in `path`; nullopt when there is no such file (livyd outside a
// cluster, talking to kubectl proxy); an error when it cannot be used.
Result<std::optional<std::string>> read_token(const std::string& path) {
  if (path.empty()) return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::optional<std::string>();
    return Status::unavailable("cannot read kubernetes.token-file " + path);
  }
  std::string token(kMaxTokenBytes + 1, '\0');
  in.read(token.data(), static_cast<std::streamsize>(token.size()));
  token.resize(static_cast<std::size_t>(in.gcount()));
  if (token.size() > kMaxTokenBytes) return Status::unavailable("kubernetes.token-file " + path + " is over 64 KiB");
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  for (const char c : token) {
    // A header value: no control characters (they would end the header), nothing beyond ASCII.
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
      return Status::unavailable("kubernetes.token-file " + path + " holds something that is not a token");
    }
  }
  if (token.empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(token));
}

}  // namespace

bool is_kubernetes_label_value(std::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  if (!std::all_of(id.begin(), id.end(), label_value_char)) return false;
  const auto alnum = [](char c) { return label_value_char(c) && c != '-' && c != '_' && c != '.'; };
  return alnum(id.front()) && alnum(id.back());
}

std::optional<std::string> expand_kubernetes_url(const std::string& tmpl, const std::string& namespace_,
                                                 const std::string& pod, const std::string& app_id) {
  if (tmpl.empty()) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < tmpl.size();) {
    const auto place = [&](std::string_view name, const std::string& value) {
      if (tmpl.compare(i, name.size(), name) != 0) return false;
      out += value;
      i += name.size();
      return true;
    };
    if (place("{namespace}", namespace_) || place("{pod}", pod) || place("{app-id}", app_id)) continue;
    out += tmpl[i++];
  }
  return out;
}

KubernetesClusterManager::KubernetesClusterManager(KubernetesOptions options) : options_(std::move(options)) {}

void KubernetesClusterManager::tag_submission(std::string_view tag, std::map<std::string, std::string>& conf) const {
  conf[kKubernetesTagConf] = std::string(tag);
}

Result<KubernetesClusterManager::Answer> KubernetesClusterManager::request(const std::string& method,
                                                                           const std::string& path) const {
  auto token = read_token(options_.token_file);
  if (!token) return token.status();
  HttpLimits limits;
  limits.connect_timeout = options_.connect_timeout;
  limits.request_timeout = options_.request_timeout;
  limits.max_bytes = options_.max_response_bytes;
  // The in-cluster default path is not there outside a pod: the system's CAs then.
  std::error_code ec;
  if (!options_.ca_file.empty() && std::filesystem::exists(options_.ca_file, ec)) limits.ca_file = options_.ca_file;
  limits.connect_timeout_key = "kubernetes.connect-timeout";
  limits.request_timeout_key = "kubernetes.request-timeout";
  limits.max_bytes_key = "kubernetes.max-response-bytes";
  limits.ca_file_key = "kubernetes.ca-file";
  HttpCall call;
  call.method = method;
  call.path = path;
  if (*token) call.headers.emplace_back("Authorization", "Bearer " + **token);
  return http_exchange(options_.api_url, "the Kubernetes API server at " + options_.api_url, call, limits);
}

namespace {

Status api_refused(const std::string& url, const std::string& what, int status, const std::string& body) {
  const std::string message = parse_kubernetes_status_message(body);
  std::string hint;
  if (status == 401) hint = " (check kubernetes.token-file)";
  if (status == 403) hint = " (livyd's service account needs get, list and delete on pods in the namespace)";
  return Status::unavailable("the Kubernetes API server at " + url + " answered " + std::to_string(status) + " to " +
                             what + hint + (message.empty() ? "" : ": " + message));
}

// The newest pod (creation time, then name): a resubmission leaves the old one behind.
const KubernetesPod* newest(const std::vector<KubernetesPod>& pods) {
  const KubernetesPod* best = nullptr;
  for (const KubernetesPod& pod : pods) {
    if (best == nullptr || pod.creation_time > best->creation_time ||
        (pod.creation_time == best->creation_time && pod.name > best->name)) {
      best = &pod;
    }
  }
  return best;
}

}  // namespace

Result<std::vector<KubernetesPod>> KubernetesClusterManager::list_drivers(const std::string& selector,
                                                                          const std::string& what) const {
  // labelSelector=<selector>,spark-role=driver: '=' and ',' %-encoded; the values are checked
  // label values ([A-Za-z0-9._-]), safe as they are.
  std::string query;
  for (const char c : selector + ",spark-role=driver") {
    if (c == '=') query += "%3D";
    else if (c == ',') query += "%2C";
    else query += c;
  }
  auto answer = request("GET", "/api/v1/namespaces/" + options_.namespace_ + "/pods?labelSelector=" + query);
  if (!answer) return answer.status();
  if (answer->status != 200) return api_refused(options_.api_url, what, answer->status, answer->body);
  auto pods = parse_kubernetes_pod_list(answer->body);
  if (!pods) return pods.status();
  // The API server filters by label; check again (one that ignored the selector lists every pod).
  const auto eq = selector.find('=');
  const std::string key = selector.substr(0, eq);
  const std::string value = selector.substr(eq + 1);
  std::vector<KubernetesPod> out;
  for (KubernetesPod& pod : *pods) {
    const std::optional<std::string>& have = key == kKubernetesTagLabel ? pod.tag : pod.app_id;
    if (have == value && pod.role == "driver") out.push_back(std::move(pod));
  }
  return out;
}

ClusterAppReport KubernetesClusterManager::to_report(const KubernetesPod& pod, ClusterAppPhase phase) const {
  ClusterAppReport report;
  report.app_id = pod.app_id.value_or("");
  report.phase = phase;
  const std::string ns = pod.namespace_.empty() ? options_.namespace_ : pod.namespace_;
  report.driver_log_url = expand_kubernetes_url(options_.driver_log_url, ns, pod.name, report.app_id);
  report.spark_ui_url = expand_kubernetes_url(options_.spark_ui_url, ns, pod.name, report.app_id);
  if (phase == ClusterAppPhase::kFailed || phase == ClusterAppPhase::kKilled) {
    report.diagnostics = kubernetes_diagnostics(pod);
  }
  return report;
}

Result<std::optional<ClusterAppReport>> KubernetesClusterManager::lookup(std::string_view tag,
                                                                         const std::optional<std::string>& app_id) {
  using Found = std::optional<ClusterAppReport>;
  std::string selector;
  std::string what;
  if (app_id) {
    if (!is_kubernetes_label_value(*app_id)) {
      return Status::invalid_argument("not a Spark application id: '" + app_id->substr(0, 64) + "'");
    }
    selector = std::string("spark-app-selector=") + *app_id;
    what = "a lookup of " + *app_id;
  } else {
    if (!is_dns1123_label(tag)) return Status::invalid_argument("a Kubernetes lookup needs a tag or an application id");
    selector = std::string(kKubernetesTagLabel) + "=" + std::string(tag);
    what = "a lookup of tag " + std::string(tag);
  }
  auto pods = list_drivers(selector, what);
  if (!pods) return pods.status();
  const KubernetesPod* pod = newest(*pods);
  if (pod == nullptr) {
    if (!app_id) return Found();  // not created yet (or never: the caller's lookup timeout)
    // Its driver pod was seen, and is gone: deleted (a succeeded or failed pod stays until
    // someone deletes it).
    ClusterAppReport gone;
    gone.app_id = *app_id;
    gone.phase = ClusterAppPhase::kKilled;
    gone.diagnostics = "the driver pod of " + *app_id + " was deleted";
    return Found(std::move(gone));
  }
  auto phase = kubernetes_phase(*pod);
  if (!phase) return phase.status();
  return Found(to_report(*pod, *phase));
}

Status KubernetesClusterManager::kill(std::string_view app_id) {
  const std::string id(app_id);
  if (!is_kubernetes_label_value(id)) {
    return Status::invalid_argument("not a Spark application id: '" + id.substr(0, 64) + "'");
  }
  auto pods = list_drivers("spark-app-selector=" + id, "a lookup of " + id + " to kill it");
  if (!pods) return pods.status();
  for (const KubernetesPod& pod : *pods) {
    if (pod.deleting) continue;
    auto answer = request("DELETE", "/api/v1/namespaces/" + options_.namespace_ + "/pods/" + pod.name);
    if (!answer) return answer.status();
    // 200: deleted, or (with a grace period) being deleted; 202: accepted; 404: gone already.
    if (answer->status == 200 || answer->status == 202 || answer->status == 404) continue;
    return api_refused(options_.api_url, "a delete of pod " + pod.name, answer->status, answer->body);
  }
  return Status::ok();
}

Result<std::string> kubernetes_api_url(const Config& config, const std::string& master) {
  std::string url = config.kubernetes_api_url;
  const bool from_master = url.empty();
  if (from_master) {
    url = master.rfind("k8s://", 0) == 0 ? master.substr(6) : master;
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) url = "https://" + url;
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  const std::string key = from_master ? "spark.master" : "kubernetes.api-url";
  const auto scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  const std::string rest = scheme_end == std::string::npos ? "" : url.substr(scheme_end + 3);
  const bool plain_host = !rest.empty() && rest.find_first_of("/?#@ \t") == std::string::npos;
  if ((scheme != "http" && scheme != "https") || !plain_host) {
    return Status::invalid_argument(key + ": the Kubernetes API server must be http(s)://host[:port], not '" +
                                    url.substr(0, 200) + "'");
  }
  return url;
}

Result<std::shared_ptr<ClusterManager>> make_kubernetes_cluster_manager(const Config& config,
                                                                       const std::string& master) {
  auto url = kubernetes_api_url(config, master);
  if (!url) return url.status();
  if (!is_dns1123_label(config.kubernetes_namespace)) {
    return Status::invalid_argument("kubernetes.namespace (livy.server.kubernetes.namespace) '" +
                                    config.kubernetes_namespace.substr(0, 80) +
                                    "' is not a DNS-1123 label: lower-case letters, digits and '-', at most 63");
  }
  KubernetesOptions o;
  o.api_url = std::move(*url);
  o.namespace_ = config.kubernetes_namespace;
  o.token_file = config.kubernetes_token_file;
  o.ca_file = config.kubernetes_ca_file;
  o.connect_timeout = config.kubernetes_connect_timeout;
  o.request_timeout = config.kubernetes_request_timeout;
  o.max_response_bytes = config.kubernetes_max_response_bytes;
  o.driver_log_url = config.kubernetes_driver_log_url;
  o.spark_ui_url = config.kubernetes_spark_ui_url;
  return std::shared_ptr<ClusterManager>(std::make_shared<KubernetesClusterManager>(std::move(o)));
}

}  // namespace livy
