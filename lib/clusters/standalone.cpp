#include "clusters/standalone.h"

#include "base/http_exchange.h"
#include "spark/app_watch.h"

namespace livy {
namespace {

// The REST server's default port (Spark's spark.master.rest.port).
constexpr int kDefaultRestPort = 6066;
// An ERROR's message is a Java stack trace: its start says what happened.
constexpr std::size_t kMaxDiagnosticsBytes = 4096;
// A reply is a few hundred bytes (an ERROR's stack trace, a few KiB): more is not the REST server.
constexpr std::size_t kMaxReplyBytes = 1 << 20;

bool is_driver_id(std::string_view id) { return id.starts_with("driver-") && find_app_id(id) == id; }

std::string bounded(const std::string& text) {
  if (text.size() <= kMaxDiagnosticsBytes) return text;
  std::size_t n = kMaxDiagnosticsBytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // not inside a UTF-8 sequence
  return text.substr(0, n) + "...";
}

bool is_final(ClusterAppPhase phase) {
  return phase == ClusterAppPhase::kSucceeded || phase == ClusterAppPhase::kFailed ||
         phase == ClusterAppPhase::kKilled;
}

}  // namespace

StandaloneClusterManager::StandaloneClusterManager(std::string rest_url, std::chrono::milliseconds timeout)
    : rest_url_(std::move(rest_url)), timeout_(timeout) {}

void StandaloneClusterManager::tag_submission(std::string_view /*tag*/,
                                              std::map<std::string, std::string>& /*conf*/) const {}

Result<wire::StandaloneReply> StandaloneClusterManager::call(const std::string& method, const std::string& path) const {
  const std::string where = "the standalone master's REST server at " + rest_url_;
  HttpLimits limits;
  limits.connect_timeout = timeout_;
  limits.request_timeout = timeout_;
  limits.max_bytes = kMaxReplyBytes;
  limits.connect_timeout_key = limits.request_timeout_key = "standalone.rest-timeout";
  HttpCall call;
  call.method = method;
  call.path = path;
  auto answer = http_exchange(rest_url_, where, call, limits);
  if (!answer) return answer.status();
  // Refusals (a driver it does not know, a master in standby) come as a reply too, with its message.
  auto reply = wire::decode_standalone_reply(answer->body);
  if (!reply) {
    return Status::unavailable(where + " answered " + std::to_string(answer->status) + " without a submission reply");
  }
  if (answer->status != 200) {
    return Status::unavailable(where + " answered " + std::to_string(answer->status) + ": " + bounded(reply->message));
  }
  return std::move(*reply);
}

Result<std::optional<ClusterAppReport>> StandaloneClusterManager::lookup(std::string_view /*tag*/,
                                                                         const std::optional<std::string>& app_id) {
  if (!app_id || !is_driver_id(*app_id)) return std::optional<ClusterAppReport>();
  auto reply = call("GET", "/v1/submissions/status/" + *app_id);
  if (!reply) return reply.status();
  return standalone_report(*app_id, *reply);
}

Status StandaloneClusterManager::kill(std::string_view app_id) {
  if (!is_driver_id(app_id)) return Status::invalid_argument("not a standalone driver id: " + std::string(app_id));
  const std::string id(app_id);
  auto reply = call("POST", "/v1/submissions/kill/" + id);
  if (!reply) return reply.status();
  if (reply->success) return Status::ok();
  // Refused: "has already finished or does not exist", or a master that is not the leader.
  // The driver's state tells which.
  auto state = lookup("", id);
  if (!state) return state.status();
  if (!*state || is_final((*state)->phase)) return Status::ok();
  return Status::unavailable("the standalone master did not kill " + id + ": " + bounded(reply->message));
}

std::optional<ClusterAppReport> standalone_report(std::string_view driver_id, const wire::StandaloneReply& reply) {
  // A driver the master does not know: success false and no state.
  if (!reply.success || !reply.driver_state) return std::nullopt;
  ClusterAppReport report;
  report.app_id = std::string(driver_id);
  const std::string& s = *reply.driver_state;  // Spark's DriverState
  if (s == "RUNNING") {
    report.phase = ClusterAppPhase::kRunning;
  } else if (s == "FINISHED") {
    report.phase = ClusterAppPhase::kSucceeded;
  } else if (s == "FAILED" || s == "ERROR") {
    // FAILED: the driver exited non-zero; ERROR: it could not be started (the message says why).
    report.phase = ClusterAppPhase::kFailed;
  } else if (s == "KILLED") {
    report.phase = ClusterAppPhase::kKilled;
  } else {
    // SUBMITTED (waiting for a worker), RELAUNCHING (supervised, restarting), UNKNOWN (the
    // master recovering its state).
    report.phase = ClusterAppPhase::kPending;
  }
  if (!reply.message.empty()) {
    report.diagnostics = bounded(reply.message);
  } else if (report.phase == ClusterAppPhase::kFailed) {
    report.diagnostics = "the standalone master reports the driver " + s;
  }
  return report;
}

Result<std::string> standalone_rest_url(const Config& config, const std::string& master) {
  if (!config.standalone_rest_url.empty()) {
    const std::string& url = config.standalone_rest_url;
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return Status::invalid_argument("standalone.rest-url '" + url + "' must start with http:// or https://");
    }
    return url.back() == '/' ? url.substr(0, url.size() - 1) : url;
  }
  // spark://host:7077, or spark://h1:7077,h2:7077 with several masters (the first is asked).
  std::string hosts = master.starts_with("spark://") ? master.substr(8) : "";
  hosts = hosts.substr(0, hosts.find(','));
  std::string host = hosts;
  if (host.starts_with("[")) {
    host = host.substr(0, host.find(']') == std::string::npos ? host.size() : host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty() || host.find_first_of("/?#@ ") != std::string::npos) {
    return Status::invalid_argument("spark.master '" + master + "' names no host for the standalone REST server: "
                                    "set standalone.rest-url");
  }
  return "http://" + host + ":" + std::to_string(kDefaultRestPort);
}

Result<std::shared_ptr<ClusterManager>> make_standalone_cluster_manager(const Config& config,
                                                                        const std::string& master) {
  auto url = standalone_rest_url(config, master);
  if (!url) return url.status();
  return std::shared_ptr<ClusterManager>(
      std::make_shared<StandaloneClusterManager>(std::move(*url), config.standalone_rest_timeout));
}

}  // namespace livy
