// yarn_probe: livyd's YarnClusterManager from the command line, for the live tests on
// the mini YARN cluster (tests/clusters/test_yarn.py). It finds the ResourceManager as
// livyd does (make_cluster_manager for master "yarn": yarn.resourcemanager-url, else
// $HADOOP_CONF_DIR/yarn-site.xml) and prints one JSON object per answer.
//
//   yarn_probe tag TAG [EXISTING_TAGS]         spark.yarn.tags after tag_submission
//   yarn_probe wait (--tag TAG | --id APP_ID) PHASE[,PHASE...] [--timeout SECONDS]
//                                              polls lookup() until the phase is one of these
//                                              (or another that has ended: exit status 1)
//   yarn_probe kill APP_ID                     kill()
// Options for every command: --url URL (yarn.resourcemanager-url), --set KEY=VALUE (any
// livyd key). Exit status: 0 done, 1 the wait timed out or a call failed, 2 bad usage.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "clusters/cluster_managers.h"
#include "livy/config.h"

namespace {

const char* phase_name(livy::ClusterAppPhase phase) {
  switch (phase) {
    case livy::ClusterAppPhase::kPending:
      return "pending";
    case livy::ClusterAppPhase::kRunning:
      return "running";
    case livy::ClusterAppPhase::kSucceeded:
      return "succeeded";
    case livy::ClusterAppPhase::kFailed:
      return "failed";
    case livy::ClusterAppPhase::kKilled:
      return "killed";
  }
  return "?";
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string optional_json(const std::optional<std::string>& s) { return s ? json_string(*s) : "null"; }

int usage() {
  std::fprintf(stderr,
               "usage: yarn_probe [--url URL] [--set KEY=VALUE]... tag TAG [EXISTING]\n"
               "       yarn_probe [...] wait (--tag TAG | --id APP_ID) PHASE[,PHASE...] [--timeout SECONDS]\n"
               "       yarn_probe [...] kill APP_ID\n");
  return 2;
}

int fail(const std::string& what, const livy::Status& status) {
  std::printf("{\"error\": %s}\n", json_string(what + ": " + status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  livy::Config config;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--url" || a == "--set") && i + 1 < argc) {
      const std::string v = argv[++i];
      const std::size_t eq = v.find('=');
      const livy::Status s = a == "--url" ? livy::set_config_value(config, "yarn.resourcemanager-url", v)
                             : eq == std::string::npos
                                 ? livy::Status::invalid_argument("--set needs KEY=VALUE")
                                 : livy::set_config_value(config, v.substr(0, eq), v.substr(eq + 1));
      if (!s) return fail(a, s);
    } else {
      args.push_back(a);
    }
  }
  if (args.empty()) return usage();

  auto made = livy::make_cluster_manager(config, "yarn");
  if (!made) return fail("make_cluster_manager", made.status());
  const std::shared_ptr<livy::ClusterManager> yarn = *made;
  if (!yarn) return fail("make_cluster_manager", livy::Status::internal("no manager for master yarn"));

  if (args[0] == "tag" && (args.size() == 2 || args.size() == 3)) {
    std::map<std::string, std::string> conf;
    if (args.size() == 3) conf["spark.yarn.tags"] = args[2];
    yarn->tag_submission(args[1], conf);
    std::printf("{\"spark.yarn.tags\": %s}\n", json_string(conf["spark.yarn.tags"]).c_str());
    return 0;
  }
  if (args[0] == "kill" && args.size() == 2) {
    const livy::Status s = yarn->kill(args[1]);
    if (!s) return fail("kill", s);
    std::printf("{\"killed\": %s}\n", json_string(args[1]).c_str());
    return 0;
  }
  if (args[0] == "wait" && args.size() >= 4) {
    std::string tag;
    std::optional<std::string> app_id;
    if (args[1] == "--tag")
      tag = args[2];
    else if (args[1] == "--id")
      app_id = args[2];
    else
      return usage();
    const std::string wanted = "," + args[3] + ",";
    double timeout_s = 300;
    if (args.size() == 6 && args[4] == "--timeout")
      timeout_s = std::atof(args[5].c_str());
    else if (args.size() != 4)
      return usage();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    std::string last = "not found";
    int lookups = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      auto found = yarn->lookup(tag, app_id);
      ++lookups;
      if (!found) {
        last = "error: " + found.status().message();
      } else if (*found) {
        const livy::ClusterAppReport& r = **found;
        last = phase_name(r.phase);
        const bool ended = r.phase != livy::ClusterAppPhase::kPending && r.phase != livy::ClusterAppPhase::kRunning;
        if (wanted.find("," + last + ",") != std::string::npos || ended) {
          std::printf(
              "{\"appId\": %s, \"phase\": %s, \"driverLogUrl\": %s, \"sparkUiUrl\": %s, \"diagnostics\": %s, "
              "\"lookups\": %d}\n",
              json_string(r.app_id).c_str(), json_string(last).c_str(), optional_json(r.driver_log_url).c_str(),
              optional_json(r.spark_ui_url).c_str(), json_string(r.diagnostics).c_str(), lookups);
          return wanted.find("," + last + ",") != std::string::npos ? 0 : 1;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    std::printf("{\"error\": %s}\n", json_string("timed out; last: " + last).c_str());
    return 1;
  }
  return usage();
}
