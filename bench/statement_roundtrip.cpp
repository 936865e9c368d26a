// Statement round-trip benchmark: N statements `1 + 1`, each a POST and
// long-poll GETs until available, against a running livyd or Livy.
//   bench_statement_roundtrip BASE_URL [N] [--session ID] [--pid PID] [--warmup W] [--keep]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <livy/client.h>

#include "bench_util.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const char* const kUsage =
    "usage: bench_statement_roundtrip BASE_URL [N] [options]\n"
    "  N               statements to time (default 1000)\n"
    "  --session ID    use this existing session instead of creating a pyspark one\n"
    "  --pid PID       print the VmRSS of process PID (livyd) before and after\n"
    "  --warmup W      untimed statements first (default 5)\n"
    "  --keep          do not delete the session this run created\n"
    "  --help\n";

struct Args {
  std::string base_url;
  long n = 1000;
  std::optional<long> session;
  std::optional<long> pid;
  long warmup = 5;
  bool keep = false;
};

// Fills `args`; false (after saying why) when the command line is wrong.
bool parse_args(int argc, char** argv, Args& args) {
  const bench::Options options{
      .numbers = {{"--warmup", &args.warmup}},
      .optional_numbers = {{"--session", &args.session}, {"--pid", &args.pid}},
      .flags = {{"--keep", &args.keep}},
  };
  std::vector<std::string> positional;
  if (!bench::parse_options(argc, argv, options, positional)) return false;
  if (positional.empty() || positional.size() > 2) return std::fputs(kUsage, stderr), false;
  args.base_url = positional[0];
  if (positional.size() == 2 && (!bench::parse_number(positional[1].c_str(), args.n) || args.n == 0)) {
    return std::fprintf(stderr, "N must be a positive number, not '%s'\n", positional[1].c_str()), false;
  }
  return true;
}

void print_rss(const Args& args, const char* when) {
  if (!args.pid) return;
  const long kb = bench::proc_status(*args.pid).rss_kb;
  if (kb >= 0) std::printf("rss %-6s %ld kB (%.1f MiB)\n", when, kb, kb / 1024.0);
  else std::printf("rss %-6s unknown (cannot read /proc/%ld/status)\n", when, *args.pid);
}

// One statement, submitted and long-polled until final: what went wrong, or nullopt.
std::optional<std::string> round_trip(livy::Client& client, std::int64_t session) {
  auto statement = client.run(session, "1 + 1", std::nullopt, 5min);
  if (!statement) return statement.status().message();
  if (statement->state != livy::StatementState::kAvailable || !statement->output || !statement->output->ok) {
    return "statement " + std::to_string(statement->id) + " ended " + std::string(livy::to_string(statement->state));
  }
  if (statement->output->text() != "2") return "unexpected result '" + statement->output->text() + "'";
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  if (bench::wants_help(argc, argv)) return std::fputs(kUsage, stdout), 0;
  Args args;
  if (!parse_args(argc, argv, args)) return 2;

  livy::ClientOptions options;
  options.poll_interval = 2ms;  // only used if the server does not long-poll
  livy::Client client(args.base_url, options);
  const auto version = client.version();
  if (!version) return std::fprintf(stderr, "%s: %s\n", args.base_url.c_str(), version.status().message().c_str()), 1;
  std::printf("server %s: Livy API %s%s%s\n", args.base_url.c_str(), version->version.c_str(),
              version->livyd_version ? ", livyd " : "", version->livyd_version.value_or("").c_str());
  print_rss(args, "before");

  std::int64_t session = 0;
  if (args.session) {
    session = *args.session;
  } else {
    const auto start = Clock::now();
    auto created = client.create_session({.kind = livy::SessionKind::kPySpark});
    if (!created) return std::fprintf(stderr, "create session: %s\n", created.status().message().c_str()), 1;
    session = created->id;
    const auto idle = client.wait_session_idle(session, 5min);
    if (!idle) {
      std::fprintf(stderr, "session %lld: %s\n", static_cast<long long>(session), idle.status().message().c_str());
      return 1;
    }
    std::printf("session %lld idle after %.1f s\n", static_cast<long long>(session),
                std::chrono::duration<double>(Clock::now() - start).count());
  }

  for (long i = 0; i < args.warmup; ++i) {
    if (const auto error = round_trip(client, session)) {
      std::fprintf(stderr, "warm-up: %s\n", error->c_str());
      return 1;
    }
  }
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(args.n));
  long failed = 0;
  const auto start = Clock::now();
  for (long i = 0; i < args.n; ++i) {
    const auto t0 = Clock::now();
    if (const auto error = round_trip(client, session)) {
      if (++failed <= 5) std::fprintf(stderr, "statement %ld: %s\n", i, error->c_str());
    } else {
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::printf("statements %ld ok, %ld failed in %.2f s: %.1f statements/s\n", static_cast<long>(ms.size()), failed,
              seconds, static_cast<double>(ms.size()) / seconds);
  if (!ms.empty()) {
    std::sort(ms.begin(), ms.end());
    std::printf("latency ms p50 %.2f p90 %.2f p99 %.2f max %.2f\n", bench::percentile(ms, 50),
                bench::percentile(ms, 90), bench::percentile(ms, 99), ms.back());
  }
  print_rss(args, "after");

  if (!args.session && !args.keep) {
    if (const auto deleted = client.delete_session(session); !deleted) {
      std::fprintf(stderr, "delete session %lld: %s\n", static_cast<long long>(session), deleted.message().c_str());
    }
  }
  return failed == 0 ? 0 : 1;
}
