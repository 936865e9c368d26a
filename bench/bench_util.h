// What the benchmarks in bench/ share: reading their command line, reading a
// process's memory from /proc, and percentiles. Header-only, standard library only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bench {

// `text` as a non-negative decimal number; false if it is anything else.
inline bool parse_number(const char* text, long& out) {
  char* end = nullptr;
  out = std::strtol(text, &end, 10);
  return end != text && *end == '\0' && out >= 0;
}

// The options of a benchmark: `--name N` fills a number (or an optional one,
// set only when given), `--name` alone sets a flag.
struct Options {
  std::map<std::string, long*> numbers;
  std::map<std::string, std::optional<long>*> optional_numbers;
  std::map<std::string, bool*> flags;
};

// True if `--help` or `-h` is among the arguments.
inline bool wants_help(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) return true;
  }
  return false;
}

// Reads argv[1..] into `options`, the other arguments into `positional`;
// false (after saying why on stderr) on an unknown option or a bad number.
inline bool parse_options(int argc, char** argv, const Options& options, std::vector<std::string>& positional) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (const auto flag = options.flags.find(arg); flag != options.flags.end()) {
      *flag->second = true;
      continue;
    }
    const auto number = options.numbers.find(arg);
    const auto optional = options.optional_numbers.find(arg);
    if (number == options.numbers.end() && optional == options.optional_numbers.end()) {
      if (arg.rfind("--", 0) == 0) return std::fprintf(stderr, "unknown option %s\n", arg.c_str()), false;
      positional.push_back(arg);
      continue;
    }
    if (i + 1 >= argc) return std::fprintf(stderr, "missing value after %s\n", arg.c_str()), false;
    long value = 0;
    if (!parse_number(argv[++i], value)) {
      return std::fprintf(stderr, "%s wants a number, not '%s'\n", arg.c_str(), argv[i]), false;
    }
    if (number != options.numbers.end())
      *number->second = value;
    else
      *optional->second = value;
  }
  return true;
}

// VmRSS (kB) and Threads of a process, from /proc/PID/status; -1 when unreadable.
struct ProcStatus {
  long rss_kb = -1;
  long threads = -1;
};

inline ProcStatus proc_status(long pid) {
  ProcStatus out;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) out.rss_kb = std::strtol(line.c_str() + 6, nullptr, 10);
    if (line.rfind("Threads:", 0) == 0) out.threads = std::strtol(line.c_str() + 8, nullptr, 10);
  }
  return out;
}

// Nearest-rank percentile `p` (0..100] of ascending `sorted`, which is not empty.
template <typename T>
double percentile(const std::vector<T>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1]);
}

}  // namespace bench
