// CoreMetrics: the instruments the core's layers record into, in the registry of one Runtime.
#pragma once

#include <memory>

#include "metrics/registry.h"

namespace livy::metrics {

// Made by the Runtime and handed (as a shared_ptr) to what records into it: the store
// (write latency), the session engine (start latency, statement round trip, driver
// connects) and the supervisors' children (running processes). Every update is a relaxed
// atomic, cheap enough under any lock. A layer built without one (a unit test) makes its
// own, which nobody reads. What is a state of the runtime (sessions, batches and
// statements by state, the driver channel's counters, the process) is not here: the
// Runtime adds collectors for it to `registry` (runtime_metrics.cpp).
struct CoreMetrics {
  CoreMetrics();
  CoreMetrics(const CoreMetrics&) = delete;
  CoreMetrics& operator=(const CoreMetrics&) = delete;

  Registry registry;  // first: the references below point into it
  // livyd_session_start_duration_seconds: from the create (POST /sessions) to the first `idle`.
  Histogram& session_start;
  // livyd_statement_duration_seconds{kind}: from the submit to `available` (output or error).
  Family<Histogram>& statement_round_trip;
  // livyd_store_write_duration_seconds{durability}: a store write as its caller waits for
  // it (queueing behind a group commit included), synced or written.
  Family<Histogram>& store_writes;
  Histogram& store_write_synced;
  Histogram& store_write_written;
  Counter& driver_connects;    // livyd_driver_connects_total: a new driver's hello accepted
  Counter& driver_reconnects;  // livyd_driver_reconnects_total: a driver's hello resuming its session
  Gauge& child_processes;      // livyd_child_processes: spark-submit process groups watched running now
  // livyd_warm_drivers{profile,state}: warm pool drivers ready or starting (docs/warm-pool.md).
  Family<Gauge>& warm_drivers;
};

// `metrics`' child_processes, sharing its ownership (for ChildProcess).
inline std::shared_ptr<Gauge> child_processes_gauge(const std::shared_ptr<CoreMetrics>& metrics) {
  return std::shared_ptr<Gauge>(metrics, &metrics->child_processes);
}

}  // namespace livy::metrics
