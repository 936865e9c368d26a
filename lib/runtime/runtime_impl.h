// Runtime::Impl: what a Runtime owns, and the open() behind Runtime::open with the one seam
// the public options do not have: which ClusterManager a master gets (tests give a fake).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/data_dir.h"
#include "clusters/cluster_manager.h"
#include "clusters/yarn_kerberos.h"
#include "livy/runtime.h"
#include "metrics/core_metrics.h"
#include "store/store.h"

namespace livy {

struct SessionCore;

// The cluster manager for a master: make_cluster_manager, unless a test gives its own.
using ClusterManagerFactory =
    std::function<Result<std::shared_ptr<ClusterManager>>(const Config& config, const std::string& master)>;

struct Runtime::Impl {
  // Runtime::open, with `clusters` choosing the cluster manager (empty: make_cluster_manager).
  static Result<std::unique_ptr<Runtime>> open(const Config& config, RuntimeOptions options,
                                               ClusterManagerFactory clusters);

  std::unique_ptr<DataDirLock> lock;  // declared first: released after everything else is gone
  std::shared_ptr<YarnKerberos> kerberos;  // yarn.kerberos.*: its renewing thread stops before the lock goes
  Config config;
  std::shared_ptr<Logger> logger;
  // Shared with what records into it (store, sessions, batches); its collectors read those.
  std::shared_ptr<metrics::CoreMetrics> metrics;
  std::unique_ptr<Store> store;  // destroyed after everything that uses it
  std::unique_ptr<BatchManager> batches;
  std::shared_ptr<SessionCore> session_core;
  std::unique_ptr<SessionManager> sessions;
  std::unique_ptr<StatementRunner> statements;
  std::unique_ptr<JobRunner> jobs;
};

}  // namespace livy
