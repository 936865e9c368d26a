#include "clusters/kubernetes_json.h"

#include <rapidjson/document.h>

#include "wire/json_fields.h"

namespace livy {
namespace {

constexpr std::size_t kMaxMessageChars = 300;  // of the API server's own words, in ours

Status bad_answer(const std::string& what) {
  return Status::unavailable("unexpected answer from the Kubernetes API server: " + what);
}

std::string cut(std::string text) {
  if (text.size() > kMaxMessageChars) {
    text.resize(kMaxMessageChars);
    text += "...";
  }
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return text;
}

const rapidjson::Value* object_member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  const auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsObject()) return nullptr;
  return &it->value;
}

// A string member; nullopt when missing, null or of another type (the API server's
// optional fields: livyd does without them).
std::optional<std::string> string_member(const rapidjson::Value* v, const char* name) {
  if (v == nullptr || !v->IsObject()) return std::nullopt;
  const auto it = v->FindMember(name);
  if (it == v->MemberEnd() || !it->value.IsString()) return std::nullopt;
  return wire::to_std_string(it->value);
}

void read_container_statuses(const rapidjson::Value& status, KubernetesPod& pod) {
  const auto it = status.FindMember("containerStatuses");
  if (it == status.MemberEnd() || !it->value.IsArray()) return;
  for (const auto& container : it->value.GetArray()) {
    const rapidjson::Value* state = object_member(container, "state");
    if (state == nullptr) continue;
    if (const rapidjson::Value* terminated = object_member(*state, "terminated")) {
      pod.container_reason = string_member(terminated, "reason").value_or("Terminated");
      const auto code = terminated->FindMember("exitCode");
      if (code != terminated->MemberEnd() && code->value.IsInt64()) pod.exit_code = code->value.GetInt64();
      pod.container_message = cut(string_member(terminated, "message").value_or(""));
      return;
    }
    if (const rapidjson::Value* waiting = object_member(*state, "waiting")) {
      const auto reason = string_member(waiting, "reason");
      // ContainerCreating and PodInitializing are the normal way to start.
      if (reason && *reason != "ContainerCreating" && *reason != "PodInitializing" && !pod.container_reason) {
        pod.container_reason = cut(*reason);
        pod.container_message = cut(string_member(waiting, "message").value_or(""));
      }
    }
  }
}

Result<KubernetesPod> read_pod(const rapidjson::Value& v) {
  if (!v.IsObject()) return bad_answer("a pod that is not an object");
  const rapidjson::Value* metadata = object_member(v, "metadata");
  if (metadata == nullptr) return bad_answer("a pod without metadata");
  KubernetesPod pod;
  auto name = string_member(metadata, "name");
  if (!name || !is_dns1123_subdomain(*name)) return bad_answer("a pod without a valid metadata.name");
  pod.name = std::move(*name);
  pod.namespace_ = string_member(metadata, "namespace").value_or("");
  if (!pod.namespace_.empty() && !is_dns1123_label(pod.namespace_)) return bad_answer("a pod in an invalid namespace");
  pod.creation_time = string_member(metadata, "creationTimestamp").value_or("");
  const auto deletion = metadata->FindMember("deletionTimestamp");
  pod.deleting = deletion != metadata->MemberEnd() && deletion->value.IsString();
  const rapidjson::Value* labels = object_member(*metadata, "labels");
  pod.app_id = string_member(labels, "spark-app-selector");
  pod.tag = string_member(labels, "livy-tag");
  pod.role = string_member(labels, "spark-role");
  const rapidjson::Value* status = object_member(v, "status");
  pod.phase = string_member(status, "phase").value_or("Pending");  // just created: no status yet
  pod.reason = cut(string_member(status, "reason").value_or(""));
  pod.message = cut(string_member(status, "message").value_or(""));
  if (status != nullptr) read_container_statuses(*status, pod);
  return pod;
}

Status parse_document(const std::string& body, rapidjson::Document& doc) {
  if (wire::parse_json(body, doc).IsError() || !doc.IsObject()) return bad_answer("not a JSON object");
  return Status::ok();
}

bool label_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

Result<std::vector<KubernetesPod>> parse_kubernetes_pod_list(const std::string& body) {
  rapidjson::Document doc;
  if (Status st = parse_document(body, doc); !st) return st;
  const auto kind = string_member(&doc, "kind");
  if (kind && *kind != "PodList") return bad_answer("a " + cut(*kind) + " where a PodList was expected");
  std::vector<KubernetesPod> pods;
  const auto items = doc.FindMember("items");
  if (items == doc.MemberEnd() || items->value.IsNull()) return pods;
  if (!items->value.IsArray()) return bad_answer("'items' is not a list");
  for (const auto& item : items->value.GetArray()) {
    auto pod = read_pod(item);
    if (!pod) return pod.status();
    pods.push_back(std::move(*pod));
  }
  return pods;
}

Result<KubernetesPod> parse_kubernetes_pod(const std::string& body) {
  rapidjson::Document doc;
  if (Status st = parse_document(body, doc); !st) return st;
  const auto kind = string_member(&doc, "kind");
  if (kind && *kind != "Pod") return bad_answer("a " + cut(*kind) + " where a Pod was expected");
  return read_pod(doc);
}

std::string parse_kubernetes_status_message(const std::string& body) {
  rapidjson::Document doc;
  if (wire::parse_json(body, doc).IsError() || !doc.IsObject()) return "";
  return cut(string_member(&doc, "message").value_or(""));
}

Result<ClusterAppPhase> kubernetes_phase(const KubernetesPod& pod) {
  if (pod.phase == "Succeeded") return ClusterAppPhase::kSucceeded;
  // Deleted (by livyd's kill or anyone's): on its way out, whatever it was doing.
  if (pod.deleting) return ClusterAppPhase::kKilled;
  if (pod.phase == "Pending") return ClusterAppPhase::kPending;
  // Unknown: the node does not answer; Kubernetes may report the pod again.
  if (pod.phase == "Running" || pod.phase == "Unknown") return ClusterAppPhase::kRunning;
  if (pod.phase == "Failed") return ClusterAppPhase::kFailed;
  return bad_answer("a pod in phase '" + cut(pod.phase) + "'");
}

std::string kubernetes_diagnostics(const KubernetesPod& pod) {
  std::string out;
  const auto add = [&out](const std::string& part) {
    if (!part.empty()) out += (out.empty() ? "" : "; ") + part;
  };
  if (!pod.reason.empty()) add("pod " + pod.reason);
  add(pod.message);
  if (pod.container_reason) {
    add("driver container " + *pod.container_reason +
        (pod.exit_code ? " (exit code " + std::to_string(*pod.exit_code) + ")" : ""));
  }
  add(pod.container_message);
  return out;
}

bool is_dns1123_label(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (const char c : name) {
    if (!label_char(c)) return false;
  }
  return name.front() != '-' && name.back() != '-';
}

bool is_dns1123_subdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!is_dns1123_label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace livy
