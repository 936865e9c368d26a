#include "clusters/cluster_managers.h"

#include "clusters/yarn_cluster_manager.h"

namespace livy {

Result<std::shared_ptr<ClusterManager>> make_cluster_manager(const Config& config, const std::string& master) {
  (void)config;
  (void)master;
  // One line per implementation, e.g.:
  // if (master == "yarn") return make_yarn_cluster_manager(config);
  if (master == "yarn") return make_yarn_cluster_manager(config);
  return std::shared_ptr<ClusterManager>();
}

}  // namespace livy
