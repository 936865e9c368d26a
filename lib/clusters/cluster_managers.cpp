#include "clusters/cluster_managers.h"

#include "clusters/kubernetes_cluster_manager.h"
#include "clusters/standalone.h"
#include "clusters/yarn_cluster_manager.h"

namespace livy {

Result<std::shared_ptr<ClusterManager>> make_cluster_manager(const Config& config, const std::string& master) {
  if (master == "yarn") return make_yarn_cluster_manager(config);
  if (master.starts_with("k8s://") && config.spark_deploy_mode == "cluster") {
    return make_kubernetes_cluster_manager(config, master);  // client mode: the driver is spark-submit
  }
  if (master.starts_with("spark://") && config.spark_deploy_mode == "cluster") {
    return make_standalone_cluster_manager(config, master);
  }
  return std::shared_ptr<ClusterManager>();
}

}  // namespace livy
