#include "clusters/yarn_json.h"

#include <rapidjson/document.h>

#include <cctype>

#include "base/utf8.h"
#include "wire/json_fields.h"

namespace livy {
namespace {

constexpr std::size_t kMaxErrorChars = 300;  // of the RM's own message, in ours

Status bad_answer(const std::string& what) {
  return Status::unavailable("unexpected answer from the YARN ResourceManager: " + what);
}

// A string member of `app`; nullopt when it is missing or null; an error when it is
// something else.
Result<std::optional<std::string>> string_member(const rapidjson::Value& app, const char* name) {
  const auto it = app.FindMember(name);
  if (it == app.MemberEnd() || it->value.IsNull()) return std::optional<std::string>();
  if (!it->value.IsString()) return bad_answer(std::string("'") + name + "' is not a string");
  return std::optional<std::string>(wire::to_std_string(it->value));
}

Result<std::string> required_string(const rapidjson::Value& app, const char* name) {
  auto v = string_member(app, name);
  if (!v) return v.status();
  if (!*v || (*v)->empty()) return bad_answer(std::string("an application without '") + name + "'");
  return std::move(**v);
}

std::vector<std::string> split_tags(const std::string& text) {
  std::vector<std::string> tags;
  std::string tag;
  for (const char c : text + ",") {
    if (c == ',') {
      if (!tag.empty()) tags.push_back(tag);
      tag.clear();
    } else if (c != ' ') {
      tag += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return tags;
}

// An http(s) URL as the RM gives it; anything else (YARN says "N/A" or nothing before
// an AM runs) is no URL.
std::optional<std::string> url_or_none(std::optional<std::string> text) {
  if (!text) return std::nullopt;
  if (text->rfind("http://", 0) != 0 && text->rfind("https://", 0) != 0) return std::nullopt;
  return text;
}

Result<YarnApp> read_app(const rapidjson::Value& app) {
  if (!app.IsObject()) return bad_answer("an application that is not an object");
  YarnApp out;
  auto id = required_string(app, "id");
  if (!id) return id.status();
  if (!is_yarn_app_id(*id)) return bad_answer("an application id that is not one: '" + id->substr(0, 64) + "'");
  out.id = std::move(*id);
  auto state = required_string(app, "state");
  if (!state) return state.status();
  out.state = std::move(*state);
  auto final_status = string_member(app, "finalStatus");
  if (!final_status) return final_status.status();
  out.final_status = final_status->value_or("UNDEFINED");
  auto tags = string_member(app, "applicationTags");
  if (!tags) return tags.status();
  out.tags = split_tags(tags->value_or(""));
  auto queue = string_member(app, "queue");
  if (!queue) return queue.status();
  out.queue = queue->value_or("");
  auto tracking = string_member(app, "trackingUrl");
  if (!tracking) return tracking.status();
  out.tracking_url = url_or_none(std::move(*tracking));
  auto logs = string_member(app, "amContainerLogs");
  if (!logs) return logs.status();
  out.am_container_logs = url_or_none(std::move(*logs));
  auto diagnostics = string_member(app, "diagnostics");
  if (!diagnostics) return diagnostics.status();
  out.diagnostics = diagnostics->value_or("");
  const auto started = app.FindMember("startedTime");
  if (started != app.MemberEnd() && started->value.IsInt64()) out.started_time = started->value.GetInt64();
  return out;
}

Status parse(const std::string& body, rapidjson::Document& doc) {
  if (wire::parse_json(body, doc).IsError() || !doc.IsObject()) return bad_answer("not a JSON object");
  return Status::ok();
}

}  // namespace

Result<ClusterAppPhase> yarn_phase(std::string_view state, std::string_view final_status) {
  if (state == "NEW" || state == "NEW_SAVING" || state == "SUBMITTED" || state == "ACCEPTED") {
    return ClusterAppPhase::kPending;
  }
  if (state == "RUNNING") return ClusterAppPhase::kRunning;
  if (state == "FAILED") return ClusterAppPhase::kFailed;
  if (state == "KILLED") return ClusterAppPhase::kKilled;
  if (state == "FINISHED") {
    if (final_status == "SUCCEEDED") return ClusterAppPhase::kSucceeded;
    if (final_status == "KILLED") return ClusterAppPhase::kKilled;
    return ClusterAppPhase::kFailed;  // FAILED, and UNDEFINED after the end: no success was reported
  }
  return bad_answer("unknown application state '" + std::string(state.substr(0, 32)) + "'");
}

Result<ClusterAppReport> to_report(const YarnApp& app) {
  auto phase = yarn_phase(app.state, app.final_status);
  if (!phase) return phase.status();
  ClusterAppReport report;
  report.app_id = app.id;
  report.phase = *phase;
  report.driver_log_url = app.am_container_logs;
  report.spark_ui_url = app.tracking_url;
  report.diagnostics = app.diagnostics;
  return report;
}

Result<std::vector<YarnApp>> parse_yarn_apps(const std::string& body) {
  rapidjson::Document doc;
  if (Status s = parse(body, doc); !s) return s;
  const auto apps = doc.FindMember("apps");
  if (apps == doc.MemberEnd()) return bad_answer("no 'apps'");
  std::vector<YarnApp> out;
  if (apps->value.IsNull()) return out;
  if (!apps->value.IsObject()) return bad_answer("'apps' is not an object");
  const auto list = apps->value.FindMember("app");
  if (list == apps->value.MemberEnd() || list->value.IsNull()) return out;
  if (!list->value.IsArray()) return bad_answer("'apps.app' is not a list");
  for (const auto& item : list->value.GetArray()) {
    auto app = read_app(item);
    if (!app) return app.status();
    out.push_back(std::move(*app));
  }
  return out;
}

Result<YarnApp> parse_yarn_app(const std::string& body) {
  rapidjson::Document doc;
  if (Status s = parse(body, doc); !s) return s;
  const auto app = doc.FindMember("app");
  if (app == doc.MemberEnd()) return bad_answer("no 'app'");
  return read_app(app->value);
}

std::string parse_yarn_error(const std::string& body) {
  rapidjson::Document doc;
  if (wire::parse_json(body, doc).IsError() || !doc.IsObject()) return "";
  const rapidjson::Value* error = &doc;
  if (const auto remote = doc.FindMember("RemoteException"); remote != doc.MemberEnd() && remote->value.IsObject()) {
    error = &remote->value;
  }
  const auto message = error->FindMember("message");
  if (message == error->MemberEnd() || !message->value.IsString()) return "";
  std::string text = wire::to_std_string(message->value);
  if (text.size() > kMaxErrorChars) text = text.substr(0, kMaxErrorChars) + "...";
  return repair_utf8(text);  // the cut may split a character
}

bool is_yarn_app_id(std::string_view id) {
  static constexpr std::string_view kPrefix = "application_";
  if (id.size() > 64 || id.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view rest = id.substr(kPrefix.size());
  const std::size_t sep = rest.find('_');
  if (sep == 0 || sep == std::string_view::npos || sep + 1 == rest.size()) return false;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (i != sep && !std::isdigit(static_cast<unsigned char>(rest[i]))) return false;
  }
  return true;
}

}  // namespace livy
