// Spark standalone in cluster deploy mode: a driver runs on a worker, and the master
// knows it by the id spark-submit prints (driver-YYYYMMDDhhmmss-NNNN). State and kill go
// through the master's REST submission server (spark.master.rest.enabled=true on the
// master; port 6066 by default). In client deploy mode the driver is spark-submit's own
// process and livyd watches it as in local mode: no manager is needed.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "clusters/cluster_manager.h"
#include "livy/config.h"
#include "livy/status.h"
#include "wire/standalone_json.h"

namespace livy {

class StandaloneClusterManager : public ClusterManager {
 public:
  // `rest_url`: http://host:port of the REST submission server. Holds no connection and
  // no mutable state: calls from several threads need no lock.
  StandaloneClusterManager(std::string rest_url, std::chrono::milliseconds timeout);

  std::string_view name() const override { return "standalone"; }

  // Adds nothing. The master keeps no tags: it lists drivers by id, main class and
  // submission time only, so a tag could not find a driver. The engine learns the driver
  // id from spark-submit's output (find_app_id) and keeps it in the store; lookup and kill
  // work by that id, also after a livyd restart.
  void tag_submission(std::string_view tag, std::map<std::string, std::string>& conf) const override;

  // By `app_id` only (a driver id); nullopt without one, or when the master does not know it.
  Result<std::optional<ClusterAppReport>> lookup(std::string_view tag,
                                                 const std::optional<std::string>& app_id) override;

  Status kill(std::string_view app_id) override;

  const std::string& rest_url() const { return rest_url_; }

 private:
  Result<wire::StandaloneReply> call(const std::string& method, const std::string& path) const;

  const std::string rest_url_;
  const std::chrono::milliseconds timeout_;
};

// What a status reply says of `driver_id`; nullopt when the master does not know it.
std::optional<ClusterAppReport> standalone_report(std::string_view driver_id, const wire::StandaloneReply& reply);

// The REST URL for `config`: standalone.rest-url, else http://<first host of spark.master>:6066.
// An error for a URL that is not http:// or https://, or a master that names no host.
Result<std::string> standalone_rest_url(const Config& config, const std::string& master);

Result<std::shared_ptr<ClusterManager>> make_standalone_cluster_manager(const Config& config,
                                                                        const std::string& master);

}  // namespace livy
