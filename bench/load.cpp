// Load benchmark: many clients poll a session and its statements while
// writers run statements in it, against a running livyd or Livy.
//   bench_load BASE_URL --session ID [--clients 200] [--duration 30] [--pid PID] ...
// The clients' time is cut in phases: a warm-up, then `--runs` measured runs
// of `--duration` seconds each; livyd's RSS is read between phases, so a
// leak shows as growth from one run to the next.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <livy/client.h>

#include "bench_util.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const char* const kUsage =
    "usage: bench_load BASE_URL --session ID [options]\n"
    "  --session ID        the (idle) session to load; required\n"
    "  --clients N         polling clients, one thread and one kept-alive connection each (default 200)\n"
    "  --writers N         clients running statements in a loop (default 1)\n"
    "  --warmup S          seconds of load before the first measured run (default 5)\n"
    "  --duration S        seconds of each measured run (default 30)\n"
    "  --runs N            measured runs (default 2)\n"
    "  --think MS          pause of a polling client between two requests (default 100; 0 saturates)\n"
    "  --timeout S         a request unanswered after this long counts as a timeout (default 10)\n"
    "  --pid PID           read VmRSS and Threads of process PID (livyd) between phases\n"
    "  --max-rss-growth KB fail if RSS grows by more than this, plus --rss-per-statement for each\n"
    "                      statement run meanwhile, from the end of the first run to the end of\n"
    "                      the last (default 2048; needs --pid and --runs 2 or more)\n"
    "  --rss-per-statement KB  growth allowed per statement, which livyd keeps (default 6)\n"
    "  --help\n";

struct Args {
  std::string base_url;
  long session = -1;
  long clients = 200;
  long writers = 1;
  long warmup_s = 5;
  long duration_s = 30;
  long runs = 2;
  long think_ms = 100;
  long timeout_s = 10;
  std::optional<long> pid;
  long max_rss_growth_kb = 2048;
  long rss_per_statement_kb = 6;
};

// Fills `args`; false (after saying why) when the command line is wrong.
bool parse_args(int argc, char** argv, Args& args) {
  const bench::Options options{
      .numbers = {{"--session", &args.session},
                  {"--clients", &args.clients},
                  {"--writers", &args.writers},
                  {"--warmup", &args.warmup_s},
                  {"--duration", &args.duration_s},
                  {"--runs", &args.runs},
                  {"--think", &args.think_ms},
                  {"--timeout", &args.timeout_s},
                  {"--max-rss-growth", &args.max_rss_growth_kb},
                  {"--rss-per-statement", &args.rss_per_statement_kb}},
      .optional_numbers = {{"--pid", &args.pid}},
      .flags = {},
  };
  std::vector<std::string> positional;
  if (!bench::parse_options(argc, argv, options, positional)) return false;
  if (positional.size() != 1 || args.session < 0) return std::fputs(kUsage, stderr), false;
  if (args.clients == 0 || args.duration_s == 0 || args.runs == 0 || args.timeout_s == 0) {
    return std::fputs("--clients, --duration, --runs and --timeout must be positive\n", stderr), false;
  }
  args.base_url = positional[0];
  return true;
}

// What one phase (warm-up or a run) saw from one thread; merged at the end.
struct Tally {
  std::vector<float> ms;                // latency of each answered 2xx request
  std::map<int, long> non_2xx;          // by HTTP status
  long connection_errors = 0;           // could not connect
  long timeouts = 0;                    // no answer within --timeout
  long other_errors = 0;                // read or write failed early (connection reset, closed)
  long statements = 0;                  // writers: statements completed with the expected result
  std::vector<float> statement_ms;      // writers: POST to available
  float longest_ms = 0;                 // longest request, answered or not

  long errors() const {
    long n = connection_errors + timeouts + other_errors;
    for (const auto& [status, count] : non_2xx) n += count;
    return n;
  }
  void merge(const Tally& t) {
    ms.insert(ms.end(), t.ms.begin(), t.ms.end());
    for (const auto& [status, count] : t.non_2xx) non_2xx[status] += count;
    connection_errors += t.connection_errors;
    timeouts += t.timeouts;
    other_errors += t.other_errors;
    statements += t.statements;
    statement_ms.insert(statement_ms.end(), t.statement_ms.begin(), t.statement_ms.end());
    longest_ms = std::max(longest_ms, t.longest_ms);
  }
};

// Phase 0 is the warm-up, 1..runs the measured runs; a request counts in the
// phase in which it started.
struct Schedule {
  Clock::time_point start;
  std::chrono::seconds warmup;
  std::chrono::seconds duration;
  long runs;

  Clock::time_point end_of(long phase) const { return start + warmup + duration * phase; }
  // The phase at `t`, or -1 once the last run is over.
  long phase_at(Clock::time_point t) const {
    if (t < start + warmup) return 0;
    const long phase = 1 + static_cast<long>((t - start - warmup) / duration);
    return phase > runs ? -1 : phase;
  }
};

// First few error messages, for the report.
class ErrorSamples {
 public:
  void add(const std::string& what) {
    const std::lock_guard lock(mutex_);
    if (samples_.size() < 5) samples_.push_back(what);
  }
  void print() {
    const std::lock_guard lock(mutex_);
    for (const auto& s : samples_) std::fprintf(stderr, "  e.g. %s\n", s.c_str());
  }

 private:
  std::mutex mutex_;  // guards samples_
  std::vector<std::string> samples_;
};

// A polling client: GETs the session, its statements, the newest statement a
// writer ran (the session's state before there is one) and the session list
// in turn, on one kept-alive connection, until the last run is over.
void run_poller(const Args& args, const Schedule& schedule, const std::atomic<long>& newest_statement,
                std::vector<Tally>& phases, ErrorSamples& samples, long index) {
  httplib::Client http(args.base_url);
  http.set_keep_alive(true);
  http.set_tcp_nodelay(true);
  http.set_connection_timeout(std::chrono::seconds(args.timeout_s));
  http.set_read_timeout(std::chrono::seconds(args.timeout_s));
  http.set_write_timeout(std::chrono::seconds(args.timeout_s));
  const std::string session = "/sessions/" + std::to_string(args.session);
  for (long i = index;; ++i) {
    const auto t0 = Clock::now();
    const long phase = schedule.phase_at(t0);
    if (phase < 0) return;
    std::string path;
    switch (i % 4) {
      case 0: path = session; break;
      case 1: path = session + "/statements"; break;
      case 2: {
        const long newest = newest_statement.load();
        path = newest < 0 ? session + "/state" : session + "/statements/" + std::to_string(newest);
        break;
      }
      default: path = "/sessions"; break;
    }
    const auto result = http.Get(path);
    const auto elapsed = Clock::now() - t0;
    Tally& tally = phases[static_cast<std::size_t>(phase)];
    tally.longest_ms = std::max(tally.longest_ms, std::chrono::duration<float, std::milli>(elapsed).count());
    if (result) {
      if (result->status / 100 == 2) {
        tally.ms.push_back(std::chrono::duration<float, std::milli>(elapsed).count());
      } else {
        ++tally.non_2xx[result->status];
        samples.add("GET " + path + ": HTTP " + std::to_string(result->status) + " " + result->body.substr(0, 200));
      }
    } else {
      const auto error = result.error();
      if (error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout) {
        ++tally.connection_errors;
      } else if (elapsed >= std::chrono::seconds(args.timeout_s)) {
        ++tally.timeouts;
      } else {
        ++tally.other_errors;
      }
      samples.add("GET " + path + ": " + httplib::to_string(error) + " after " +
                  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()) + " ms");
    }
    if (args.think_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(args.think_ms));
  }
}

// A writer: runs `spark.range(1000).count()` and `1 + 1` in turn (POST, then
// long-poll until available) and publishes each new statement's id.
void run_writer(const Args& args, const Schedule& schedule, std::atomic<long>& newest_statement,
                std::vector<Tally>& phases, ErrorSamples& samples) {
  livy::ClientOptions options;
  options.request_timeout = std::chrono::seconds(args.timeout_s);
  livy::Client client(args.base_url, options);
  for (long i = 0;; ++i) {
    const auto t0 = Clock::now();
    const long phase = schedule.phase_at(t0);
    if (phase < 0) return;
    const bool count = i % 2 == 0;
    const auto statement = client.run(args.session, count ? "spark.range(1000).count()" : "1 + 1", std::nullopt,
                                      std::chrono::minutes(1));
    Tally& tally = phases[static_cast<std::size_t>(phase)];
    if (!statement) {
      ++tally.other_errors;
      samples.add("statement: " + statement.status().message());
      continue;
    }
    newest_statement.store(statement->id);
    const std::string expected = count ? "1000" : "2";
    if (statement->state != livy::StatementState::kAvailable || !statement->output || !statement->output->ok ||
        statement->output->text() != expected) {
      ++tally.other_errors;
      samples.add("statement " + std::to_string(statement->id) + " ended " +
                  std::string(livy::to_string(statement->state)));
      continue;
    }
    ++tally.statements;
    tally.statement_ms.push_back(std::chrono::duration<float, std::milli>(Clock::now() - t0).count());
  }
}

// How evenly the polling clients were served in one phase: a server that
// serves a few connections and leaves the others queued has a fine p99 over
// the answered requests, and a bad spread here.
void report_fairness(const std::vector<std::vector<Tally>>& tallies, long clients, std::size_t phase) {
  std::vector<float> answered;
  long waited_1s = 0;
  for (long i = 0; i < clients; ++i) {
    const Tally& t = tallies[static_cast<std::size_t>(i)][phase];
    answered.push_back(static_cast<float>(t.ms.size()));
    if (t.longest_ms > 1000) ++waited_1s;
  }
  std::sort(answered.begin(), answered.end());
  std::printf("  requests per client min %.0f p50 %.0f max %.0f; clients that waited > 1 s at least once: %ld of %ld\n",
              answered.front(), bench::percentile(answered, 50), answered.back(), waited_1s, clients);
}

void report(const char* name, Tally& t, double seconds) {
  std::sort(t.ms.begin(), t.ms.end());
  const auto answered = static_cast<long>(t.ms.size());
  std::printf("%s: %.1f s, %ld requests answered 2xx, %.0f requests/s\n", name, seconds, answered,
              static_cast<double>(answered) / seconds);
  if (!t.ms.empty()) {
    std::printf("  latency ms p50 %.2f p90 %.2f p99 %.2f max %.1f\n", bench::percentile(t.ms, 50),
                bench::percentile(t.ms, 90), bench::percentile(t.ms, 99), t.ms.back());
  }
  std::string non_2xx;
  for (const auto& [status, count] : t.non_2xx) non_2xx += " " + std::to_string(status) + ":" + std::to_string(count);
  std::printf("  errors %ld: non-2xx %ld%s%s, connection %ld, timeout %ld, other %ld\n", t.errors(),
              t.errors() - t.connection_errors - t.timeouts - t.other_errors, non_2xx.empty() ? "" : " (",
              non_2xx.empty() ? "" : (non_2xx.substr(1) + ")").c_str(), t.connection_errors, t.timeouts,
              t.other_errors);
  std::sort(t.statement_ms.begin(), t.statement_ms.end());
  std::printf("  statements completed %ld (%.1f/s)", t.statements, static_cast<double>(t.statements) / seconds);
  if (!t.statement_ms.empty()) {
    std::printf(", POST to result ms p50 %.1f p99 %.1f max %.1f", bench::percentile(t.statement_ms, 50),
                bench::percentile(t.statement_ms, 99), t.statement_ms.back());
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (bench::wants_help(argc, argv)) return std::fputs(kUsage, stdout), 0;
  Args args;
  if (!parse_args(argc, argv, args)) return 2;

  {
    livy::Client client(args.base_url);
    const auto state = client.session_state(args.session);
    if (!state) return std::fprintf(stderr, "session %ld: %s\n", args.session, state.status().message().c_str()), 1;
    if (*state != livy::SessionState::kIdle) {
      const std::string name(livy::to_string(*state));
      return std::fprintf(stderr, "session %ld is %s, not idle\n", args.session, name.c_str()), 1;
    }
  }
  std::printf("%ld polling clients (think %ld ms), %ld writer(s), session %ld: %ld s warm-up, %ld x %ld s\n",
              args.clients, args.think_ms, args.writers, args.session, args.warmup_s, args.runs, args.duration_s);

  const auto phases = static_cast<std::size_t>(args.runs + 1);
  std::vector<std::vector<Tally>> tallies(static_cast<std::size_t>(args.clients + args.writers),
                                          std::vector<Tally>(phases));
  std::atomic<long> newest_statement{-1};  // none yet
  ErrorSamples samples;
  std::vector<bench::ProcStatus> proc;  // before, then at the end of each phase
  if (args.pid) proc.push_back(bench::proc_status(*args.pid));

  const Schedule schedule{Clock::now(), std::chrono::seconds(args.warmup_s), std::chrono::seconds(args.duration_s),
                          args.runs};
  std::vector<std::thread> threads;
  for (long i = 0; i < args.writers; ++i) {
    threads.emplace_back(run_writer, std::cref(args), std::cref(schedule), std::ref(newest_statement),
                         std::ref(tallies[static_cast<std::size_t>(args.clients + i)]), std::ref(samples));
  }
  for (long i = 0; i < args.clients; ++i) {
    threads.emplace_back(run_poller, std::cref(args), std::cref(schedule), std::cref(newest_statement),
                         std::ref(tallies[static_cast<std::size_t>(i)]), std::ref(samples), i);
  }
  for (long phase = 0; phase <= args.runs; ++phase) {
    std::this_thread::sleep_until(schedule.end_of(phase));
    if (args.pid) proc.push_back(bench::proc_status(*args.pid));
  }
  for (auto& t : threads) t.join();

  long errors = 0;
  long later_statements = 0;  // completed after the first run, whose memory livyd keeps
  for (std::size_t phase = 0; phase < phases; ++phase) {
    Tally total;
    for (const auto& per_thread : tallies) total.merge(per_thread[phase]);
    errors += total.errors();
    if (phase >= 2) later_statements += total.statements;
    const std::string name = phase == 0 ? "warm-up" : "run " + std::to_string(phase);
    report(name.c_str(), total, phase == 0 ? args.warmup_s : args.duration_s);
    report_fairness(tallies, args.clients, phase);
  }
  if (errors > 0) {
    std::fprintf(stderr, "%ld errors\n", errors);
    samples.print();
  }

  bool rss_ok = true;
  if (args.pid) {
    std::printf("livyd rss kB (threads): before %ld (%ld)", proc[0].rss_kb, proc[0].threads);
    for (std::size_t i = 1; i < proc.size(); ++i) {
      std::printf(", after %s %ld (%ld)", i == 1 ? "warm-up" : ("run " + std::to_string(i - 1)).c_str(),
                  proc[i].rss_kb, proc[i].threads);
    }
    std::printf("\n");
    if (args.runs >= 2) {
      const long growth = proc.back().rss_kb - proc[2].rss_kb;
      const long bound = args.max_rss_growth_kb + args.rss_per_statement_kb * later_statements;
      rss_ok = proc.back().rss_kb >= 0 && growth <= bound;
      std::printf("rss growth from the end of run 1 to the end of run %ld: %ld kB with %ld statements run meanwhile "
                  "(bound %ld + %ld per statement = %ld kB)%s\n",
                  args.runs, growth, later_statements, args.max_rss_growth_kb, args.rss_per_statement_kb, bound,
                  rss_ok ? "" : ": TOO MUCH");
    }
  }
  return errors == 0 && rss_ok ? 0 : 1;
}
