// Which ClusterManager a master needs: the one place that maps a Spark master
// (yarn, spark://..., k8s://...) to the code that watches its applications.
#pragma once

#include <memory>

#include "clusters/cluster_manager.h"
#include "livy/config.h"

namespace livy {

// The cluster manager for `master` under `config`, or nullptr when the
// spark-submit process itself is the application to watch (local mode, and masters
// livyd has no manager for: their applications are followed as in local mode).
Result<std::shared_ptr<ClusterManager>> make_cluster_manager(const Config& config, const std::string& master);

}  // namespace livy
