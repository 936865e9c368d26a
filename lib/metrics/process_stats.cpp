#include "metrics/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace livy::metrics {
namespace {

std::optional<std::string> read_small_file(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<double> number(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return v;
}

// The whitespace-separated fields of /proc/self/stat after the command name, which is in
// parentheses and may itself hold spaces and parentheses: fields from the third (state) on.
std::vector<std::string_view> stat_fields(std::string_view stat) {
  std::vector<std::string_view> fields;
  const std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return fields;
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty()) {
    const std::size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const std::size_t end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  return fields;
}

void add(std::vector<FamilySnapshot>& out, const char* name, const char* help, MetricType type,
         const std::optional<double>& value) {
  if (!value) return;
  FamilySnapshot f{name, help, type, {}};
  f.series.push_back(Series{{}, *value, {}});
  out.push_back(std::move(f));
}

}  // namespace

ProcessStats ProcessStats::read() {
  ProcessStats s;
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  if (const auto statm = read_small_file("/proc/self/statm")) {
    std::istringstream in(*statm);
    double size = 0, resident = 0;
    if (in >> size >> resident) {
      s.virtual_memory_bytes = size * page;
      s.resident_memory_bytes = resident * page;
    }
  }
  std::error_code ec;
  double fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
  if (!ec) s.open_fds = fds - 1;  // the iterator's own descriptor of /proc/self/fd is not livyd's
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    s.max_fds = static_cast<double>(limit.rlim_cur);
  }
  if (const auto stat = read_small_file("/proc/self/stat")) {
    // proc(5): fields counted from 1 (pid); stat_fields starts at field 3 (state).
    const auto f = stat_fields(*stat);
    const auto field = [&](std::size_t n) { return n - 3 < f.size() ? number(f[n - 3]) : std::nullopt; };
    const auto utime = field(14), stime = field(15);
    if (utime && stime && ticks > 0) s.cpu_seconds = (*utime + *stime) / ticks;
    s.threads = field(20);
    const auto started = field(22);  // clock ticks after boot
    std::optional<double> btime;
    if (const auto proc_stat = read_small_file("/proc/stat")) {
      const std::size_t at = proc_stat->find("\nbtime ");
      if (at != std::string::npos) {
        const std::size_t from = at + 7;
        btime = number(std::string_view(*proc_stat).substr(from, proc_stat->find('\n', from) - from));
      }
    }
    if (started && btime && ticks > 0) s.start_time_seconds = *btime + *started / ticks;
  }
  return s;
}

void append_process_families(const ProcessStats& s, std::vector<FamilySnapshot>& out) {
  add(out, "process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::kGauge,
      s.resident_memory_bytes);
  add(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::kGauge, s.virtual_memory_bytes);
  add(out, "process_open_fds", "Number of open file descriptors.", MetricType::kGauge, s.open_fds);
  add(out, "process_max_fds", "Maximum number of open file descriptors (the soft RLIMIT_NOFILE).", MetricType::kGauge,
      s.max_fds);
  add(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", MetricType::kCounter,
      s.cpu_seconds);
  add(out, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", MetricType::kGauge,
      s.start_time_seconds);
  add(out, "livyd_process_threads", "Threads of the livyd process.", MetricType::kGauge, s.threads);
}

}  // namespace livy::metrics
