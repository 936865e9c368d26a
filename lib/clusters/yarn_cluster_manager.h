// The ClusterManager for `--master yarn`: finds, follows and kills livyd's applications
// through the YARN ResourceManager's REST API (/ws/v1/cluster/apps), as Apache Livy does
// through YarnClient. With ResourceManager HA it knows every RM and asks the one that last
// answered as the active RM first; a standby RM (it answers 307, or "This is standby RM")
// or one that cannot be reached sends it to the next. Any thread may call it at once; every
// call is one bounded HTTP request per RM tried.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/http_exchange.h"
#include "clusters/cluster_manager.h"
#include "clusters/yarn_kerberos.h"
#include "livy/config.h"

namespace livy {

struct YarnOptions {
  // http(s)://host:port of the RM web app, no path; with RM HA, each RM's, comma-separated.
  std::string resourcemanager_url;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};  // yarn.connect-timeout
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};  // yarn.request-timeout: a whole
                                                                        // answer, however it trickles
  std::size_t max_response_bytes = 4 << 20;  // yarn.max-response-bytes: a larger answer is an error
  // yarn.kerberos.*: every request carries a SPNEGO token of livyd's principal (a kerberized RM).
  std::shared_ptr<YarnKerberos> kerberos;
};

class YarnClusterManager final : public ClusterManager {
 public:
  explicit YarnClusterManager(YarnOptions options);
  // yarn.kerberos.*: set once, at start-up, before the first request.
  void use_kerberos(std::shared_ptr<YarnKerberos> kerberos) { options_.kerberos = std::move(kerberos); }

  std::string_view name() const override { return "yarn"; }
  void tag_submission(std::string_view tag, std::map<std::string, std::string>& conf) const override;
  Result<std::optional<ClusterAppReport>> lookup(std::string_view tag,
                                                 const std::optional<std::string>& app_id) override;
  Status kill(std::string_view app_id) override;

  const YarnOptions& options() const { return options_; }

 private:
  using Answer = HttpAnswer;
  // The active RM's answer (a standby's is never returned): the RMs are tried in turn,
  // from the one that answered last.
  Result<Answer> request(const std::string& method, const std::string& path, const std::string& body) const;

  YarnOptions options_;
  std::vector<std::string> urls_;                 // the RMs of options_.resourcemanager_url
  mutable std::atomic<std::size_t> active_{0};   // the index in urls_ of the RM that answered last
};

// Where the RM's REST API is (with RM HA, each RM's, comma-separated), in this order:
// `config.yarn_resourcemanager_url` (yarn.resourcemanager-url) when set; else yarn-site.xml in `hadoop_conf_dir`
// ($HADOOP_CONF_DIR), else in `yarn_conf_dir` ($YARN_CONF_DIR), as spark-submit reads them.
Result<std::string> find_resourcemanager_url(const Config& config, const std::optional<std::string>& hadoop_conf_dir,
                                             const std::optional<std::string>& yarn_conf_dir);

// The manager for master "yarn" under `config`, the RM found with the process's
// HADOOP_CONF_DIR and YARN_CONF_DIR. An error when there is no RM to be found.
Result<std::shared_ptr<ClusterManager>> make_yarn_cluster_manager(const Config& config);

// spark.yarn.tags in `conf` with `tag` added (Spark's list is comma-separated; a tag
// already there is not added twice).
std::string merge_yarn_tags(const std::string& existing, std::string_view tag);

}  // namespace livy
