// The metrics a Runtime computes at scrape time from what it holds.
#pragma once

#include "batches/batch_manager_impl.h"
#include "metrics/registry.h"
#include "sessions/session_core.h"

namespace livy {

// Adds to `registry` the collectors of livyd_sessions, livyd_batches, livyd_statements (by
// state, and kind), the driver channel's counters and the process_* families. `sessions`
// and `batches` must outlive every collect() of `registry`.
void add_runtime_collectors(metrics::Registry& registry, SessionCore& sessions, BatchManager::Impl& batches);

}  // namespace livy
