#include "clusters/yarn_cluster_manager.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "base/text_values.h"
#include "clusters/yarn_json.h"
#include "clusters/yarn_site.h"

namespace livy {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

// A tag as YARN stores it (lower case), %-encoded for a query string.
std::string tag_query_value(std::string_view tag) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char raw : tag) {
    const auto c = static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(raw)));
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The host of "http(s)://host[:port]" (a bracketed IPv6 address without its brackets): the
// host part of the RM's HTTP service principal, HTTP/host@REALM.
std::string url_host(std::string_view url) {
  const std::size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') return std::string(rest.substr(1, rest.find(']') - 1));
  return std::string(rest.substr(0, rest.find(':')));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

YarnClusterManager::YarnClusterManager(YarnOptions options) : options_(std::move(options)) {
  for (std::string& url : split_list(options_.resourcemanager_url)) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!url.empty()) urls_.push_back(std::move(url));
  }
  if (urls_.empty()) urls_.emplace_back();  // asked, it says it cannot reach ""
}

std::string merge_yarn_tags(const std::string& existing, std::string_view tag) {
  std::string out;
  bool present = false;
  std::string item;
  for (const char c : existing + ",") {
    if (c != ',') {
      if (c != ' ' && c != '\t') item += c;
      continue;
    }
    if (!item.empty()) {
      present = present || lower(item) == lower(tag);
      out += (out.empty() ? "" : ",") + item;
    }
    item.clear();
  }
  if (!present) out += (out.empty() ? "" : ",") + std::string(tag);
  return out;
}

void YarnClusterManager::tag_submission(std::string_view tag, std::map<std::string, std::string>& conf) const {
  std::string& tags = conf["spark.yarn.tags"];
  tags = merge_yarn_tags(tags, tag);
}

namespace {

// A standby RM redirects REST calls to the active one: with 307 (Hadoop 3), or with 200 and
// a text that says so (older RMs, and Hadoop 3 when it does not know the active RM).
bool is_standby(const HttpAnswer& answer) {
  static constexpr std::string_view kStandby = "This is standby RM";
  return answer.status == 307 || std::string_view(answer.body).substr(0, 64).find(kStandby) != std::string_view::npos;
}

}  // namespace

Result<YarnClusterManager::Answer> YarnClusterManager::request(const std::string& method, const std::string& path,
                                                               const std::string& body) const {
  HttpLimits limits;
  limits.connect_timeout = options_.connect_timeout;
  limits.request_timeout = options_.request_timeout;
  limits.max_bytes = options_.max_response_bytes;
  limits.connect_timeout_key = "yarn.connect-timeout";
  limits.request_timeout_key = "yarn.request-timeout";
  limits.max_bytes_key = "yarn.max-response-bytes";
  HttpCall call;
  call.method = method;
  call.path = path;
  call.body = body;
  const std::size_t first = active_.load(std::memory_order_relaxed);
  Status last = Status::ok();
  for (std::size_t i = 0; i < urls_.size(); ++i) {
    const std::size_t at = (first + i) % urls_.size();
    const std::string& url = urls_[at];
    call.headers.clear();
    if (options_.kerberos) {
      auto negotiate = options_.kerberos->negotiate_header(url_host(url));
      if (!negotiate) {
        last = negotiate.status();
        continue;
      }
      call.headers.emplace_back("Authorization", std::move(*negotiate));
    }
    auto answer = http_exchange(url, "the YARN ResourceManager at " + url, call, limits);
    if (answer && is_standby(*answer)) answer = Status::unavailable("the YARN ResourceManager at " + url + " is a standby");
    if (!answer) {
      last = answer.status();  // down, unreachable or standby: the next RM, if there is one
      continue;
    }
    active_.store(at, std::memory_order_relaxed);
    return answer;
  }
  if (urls_.size() == 1) return last;
  return Status::unavailable("no active YARN ResourceManager among " + options_.resourcemanager_url +
                             " (the last one tried: " + last.message() + ")");
}

namespace {

Status rm_refused(const std::string& url, const std::string& what, int status, const std::string& body) {
  std::string message = parse_yarn_error(body);
  return Status::unavailable("the YARN ResourceManager at " + url + " answered " + std::to_string(status) + " to " +
                             what + (message.empty() ? "" : ": " + message));
}

}  // namespace

Result<std::optional<ClusterAppReport>> YarnClusterManager::lookup(std::string_view tag,
                                                                   const std::optional<std::string>& app_id) {
  using Found = std::optional<ClusterAppReport>;
  if (app_id) {
    if (!is_yarn_app_id(*app_id))
      return Status::invalid_argument("not a YARN application id: '" + app_id->substr(0, 64) + "'");
    auto answer = request("GET", "/ws/v1/cluster/apps/" + *app_id, "");
    if (!answer) return answer.status();
    // 404: the RM does not know it (any more): restarted without recovery, or the
    // application aged out of its list (yarn.resourcemanager.max-completed-applications).
    if (answer->status == 404) return Found();
    if (answer->status != 200)
      return rm_refused(options_.resourcemanager_url, "a lookup of " + *app_id, answer->status, answer->body);
    auto app = parse_yarn_app(answer->body);
    if (!app) return app.status();
    auto report = to_report(*app);
    if (!report) return report.status();
    return Found(std::move(*report));
  }

  if (tag.empty()) return Status::invalid_argument("a YARN lookup needs a tag or an application id");
  const std::string wanted = lower(tag);
  auto answer = request("GET", "/ws/v1/cluster/apps?applicationTags=" + tag_query_value(tag), "");
  if (!answer) return answer.status();
  if (answer->status != 200)
    return rm_refused(options_.resourcemanager_url, "a lookup of tag " + wanted, answer->status, answer->body);
  auto apps = parse_yarn_apps(answer->body);
  if (!apps) return apps.status();
  // The RM filters by tag; check again (an RM that ignores the filter lists every
  // application). Several with the tag (a resubmission): the one started last.
  const YarnApp* best = nullptr;
  for (const YarnApp& app : *apps) {
    if (std::find(app.tags.begin(), app.tags.end(), wanted) == app.tags.end()) continue;
    if (best == nullptr || app.started_time > best->started_time ||
        (app.started_time == best->started_time && app.id > best->id)) {
      best = &app;
    }
  }
  if (best == nullptr) return Found();
  auto report = to_report(*best);
  if (!report) return report.status();
  return Found(std::move(*report));
}

Status YarnClusterManager::kill(std::string_view app_id) {
  const std::string id(app_id);
  if (!is_yarn_app_id(id)) return Status::invalid_argument("not a YARN application id: '" + id.substr(0, 64) + "'");
  auto answer = request("PUT", "/ws/v1/cluster/apps/" + id + "/state", R"({"state":"KILLED"})");
  if (!answer) return answer.status();
  // 200: killed; 202: the RM is killing it.
  if (answer->status == 200 || answer->status == 202) return Status::ok();
  if (answer->status == 404) return Status::not_found("YARN does not know application " + id);
  // Refused: fine when the application has ended already (the RM refuses to kill an
  // application in a final state).
  auto now = lookup("", id);
  if (now && *now && (*now)->phase != ClusterAppPhase::kPending && (*now)->phase != ClusterAppPhase::kRunning) {
    return Status::ok();
  }
  return rm_refused(options_.resourcemanager_url, "a kill of " + id, answer->status, answer->body);
}

Result<std::string> find_resourcemanager_url(const Config& config, const std::optional<std::string>& hadoop_conf_dir,
                                             const std::optional<std::string>& yarn_conf_dir) {
  if (!config.yarn_resourcemanager_url.empty()) {
    std::string urls;
    for (std::string& url : split_list(config.yarn_resourcemanager_url)) {
      while (!url.empty() && url.back() == '/') url.pop_back();
      if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
        return Status::invalid_argument("yarn.resourcemanager-url must be http:// or https:// URLs, comma-separated: '" +
                                        url.substr(0, 200) + "'");
      }
      urls += (urls.empty() ? "" : ",") + url;
    }
    if (urls.empty()) return Status::invalid_argument("yarn.resourcemanager-url names no URL");
    return urls;
  }
  if (hadoop_conf_dir) return resourcemanager_url_from_conf_dir(*hadoop_conf_dir);
  if (yarn_conf_dir) return resourcemanager_url_from_conf_dir(*yarn_conf_dir);
  return Status::invalid_argument(
      "master yarn: no YARN ResourceManager to talk to: set yarn.resourcemanager-url "
      "(livy.server.yarn.resourcemanager-url), or HADOOP_CONF_DIR to a directory with yarn-site.xml");
}

Result<std::shared_ptr<ClusterManager>> make_yarn_cluster_manager(const Config& config) {
  auto url = find_resourcemanager_url(config, env("HADOOP_CONF_DIR"), env("YARN_CONF_DIR"));
  if (!url) return url.status();
  YarnOptions options;
  options.resourcemanager_url = std::move(*url);
  options.connect_timeout = config.yarn_connect_timeout;
  options.request_timeout = config.yarn_request_timeout;
  options.max_response_bytes = config.yarn_max_response_bytes;
  return std::shared_ptr<ClusterManager>(std::make_shared<YarnClusterManager>(std::move(options)));
}

}  // namespace livy
