// ProcessStats: what /proc/self says of this process, for the standard process_* metrics.
#pragma once

#include <optional>
#include <vector>

#include "metrics/snapshot.h"

namespace livy::metrics {

// Read from /proc/self at each scrape (a few small files); a value that cannot be read is
// left out rather than reported as 0.
struct ProcessStats {
  std::optional<double> resident_memory_bytes;  // /proc/self/statm
  std::optional<double> virtual_memory_bytes;   // /proc/self/statm
  std::optional<double> open_fds;               // entries of /proc/self/fd
  std::optional<double> max_fds;                // RLIMIT_NOFILE's soft limit
  std::optional<double> threads;                // /proc/self/stat
  std::optional<double> cpu_seconds;            // /proc/self/stat: user + system
  std::optional<double> start_time_seconds;     // /proc/self/stat and /proc/stat's btime: Unix time

  static ProcessStats read();
};

// The families of `stats`: process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_cpu_seconds_total, process_start_time_seconds
// (Prometheus' standard names) and livyd_process_threads.
void append_process_families(const ProcessStats& stats, std::vector<FamilySnapshot>& out);

}  // namespace livy::metrics
