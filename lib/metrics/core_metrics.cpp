#include "metrics/core_metrics.h"

namespace livy::metrics {

CoreMetrics::CoreMetrics()
    : session_start(registry
                        .histogram("livyd_session_start_duration_seconds",
                                   "Time from a session's creation to its first idle state.", session_start_buckets())
                        .with({})),
      statement_round_trip(registry.histogram("livyd_statement_duration_seconds",
                                              "Time from a statement's submission to its available state (output or "
                                              "error), by statement kind.",
                                              statement_latency_buckets(), {"kind"})),
      store_writes(registry.histogram("livyd_store_write_duration_seconds",
                                      "Time a store write takes as its caller waits for it, queueing behind a group "
                                      "commit included, by durability (synced to disk, or written to the WAL).",
                                      store_write_buckets(), {"durability"})),
      store_write_synced(store_writes.with({"synced"})),
      store_write_written(store_writes.with({"written"})),
      driver_connects(registry
                          .counter("livyd_driver_connects_total",
                                   "Session drivers that connected to the driver channel for the first time.")
                          .with({})),
      driver_reconnects(registry
                            .counter("livyd_driver_reconnects_total",
                                     "Session drivers that reconnected to resume their session (after a restart of "
                                     "livyd, or a lost connection).")
                            .with({})),
      child_processes(registry
                          .gauge("livyd_child_processes",
                                 "spark-submit process groups of batches and sessions that livyd watches and that "
                                 "are running.")
                          .with({})),
      warm_drivers(registry.gauge("livyd_warm_drivers",
                                  "Warm pool drivers by profile and state: ready to be claimed, or starting.",
                                  {"profile", "state"})) {
  // Every kind's series from the start, so that a rate over it has a beginning.
  for (const char* kind : {"spark", "pyspark", "sparkr", "sql"}) statement_round_trip.with({kind});
}

}  // namespace livy::metrics
