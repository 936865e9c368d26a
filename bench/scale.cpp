// Scale benchmark: many sessions on one livyd, whose drivers answer at once
// (bench_fake_driver, started by bench/run_scale.sh), so that what is measured
// is livyd's own cost. It creates N sessions, then measures in turn:
//   1. livyd's RSS, threads and descriptors with N idle sessions;
//   2. GET /sessions/{id} of an idle session by one client on an idle server;
//   3. GET /sessions/{random id} by many polling clients at once;
//   4. the statement round trip (POST, long-poll until available) of one client;
//   5. statements per second with W sessions running statements at once;
//   6. GET of an idle session by one client while B other sessions run statements.
//   bench_scale BASE_URL [--sessions 1000] [--pid PID] [options]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <httplib.h>
#include <livy/client.h>

#include "bench_util.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const char* const kUsage =
    "usage: bench_scale BASE_URL [options]\n"
    "  --sessions N        sessions to create and keep idle (default 1000)\n"
    "  --pid PID           livyd's process: read its RSS, threads and descriptors\n"
    "  --creators N        clients creating the sessions at once (default 8)\n"
    "  --pollers N         clients polling GET /sessions/{id} at once, no pause (default 200)\n"
    "  --writers N         sessions running statements at once, one client each (default 100)\n"
    "  --busy N            sessions running statements while one client reads an idle one (default 50)\n"
    "  --roundtrips N      statements of the one-client round trip (default 1000)\n"
    "  --probes N          GETs of the idle-server probe (default 2000)\n"
    "  --probe-pause MS    pause of the idle-session prober between two GETs (default 5)\n"
    "  --poll-pause MS     pause of each paced poller between two GETs, as a notebook polls (default 100)\n"
    "  --load-nice N       the statement clients run at nice N, below livyd and the prober (default 0)\n"
    "  --load-cpu N        the statement clients run only on core N (default: on any)\n"
    "  --warmup S          seconds of each load phase before it is measured (default 2)\n"
    "  --duration S        measured seconds of each load phase (default 15)\n"
    "  --keep              leave the sessions (default: delete them at the end)\n"
    "  --help\n";

struct Args {
  std::string base_url;
  long sessions = 1000;
  std::optional<long> pid;
  long creators = 8;
  long pollers = 200;
  long writers = 100;
  long busy = 50;
  long roundtrips = 1000;
  long probes = 2000;
  long probe_pause_ms = 5;
  long poll_pause_ms = 100;
  long load_nice = 0;
  std::optional<long> load_cpu;
  long warmup_s = 2;
  long duration_s = 15;
  bool keep = false;
};

bool parse_args(int argc, char** argv, Args& args) {
  const bench::Options options{
      .numbers = {{"--sessions", &args.sessions},
                  {"--creators", &args.creators},
                  {"--pollers", &args.pollers},
                  {"--writers", &args.writers},
                  {"--busy", &args.busy},
                  {"--roundtrips", &args.roundtrips},
                  {"--probes", &args.probes},
                  {"--probe-pause", &args.probe_pause_ms},
                  {"--poll-pause", &args.poll_pause_ms},
                  {"--load-nice", &args.load_nice},
                  {"--warmup", &args.warmup_s},
                  {"--duration", &args.duration_s}},
      .optional_numbers = {{"--pid", &args.pid}, {"--load-cpu", &args.load_cpu}},
      .flags = {{"--keep", &args.keep}},
  };
  std::vector<std::string> positional;
  if (!bench::parse_options(argc, argv, options, positional)) return false;
  if (positional.size() != 1) return std::fputs(kUsage, stderr), false;
  args.base_url = positional[0];
  if (args.creators == 0 || args.pollers == 0 || args.writers == 0 || args.busy == 0 || args.duration_s == 0 ||
      args.roundtrips == 0 || args.probes == 0) {
    return std::fputs("--creators, --pollers, --writers, --busy, --roundtrips, --probes and --duration must be "
                      "positive\n",
                      stderr),
           false;
  }
  if (args.sessions <= std::max(args.writers, args.busy)) {
    return std::fputs("--sessions must be more than --writers and --busy (one session stays idle)\n", stderr), false;
  }
  return true;
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Latencies and failures of one measure, merged from its threads.
struct Tally {
  std::vector<float> ms;
  long errors = 0;
  std::string first_error;

  void fail(const std::string& what) {
    if (errors++ == 0) first_error = what;
  }
  void merge(const Tally& t) {
    ms.insert(ms.end(), t.ms.begin(), t.ms.end());
    if (errors == 0 && t.errors > 0) first_error = t.first_error;
    errors += t.errors;
  }
  // "p50 X p99 Y max Z ms, E errors", sorting ms.
  std::string summary() {
    std::sort(ms.begin(), ms.end());
    char line[256];
    if (ms.empty()) {
      std::snprintf(line, sizeof line, "no answer, %ld errors", errors);
    } else {
      std::snprintf(line, sizeof line, "p50 %.2f p99 %.2f max %.1f ms, %ld errors", bench::percentile(ms, 50),
                    bench::percentile(ms, 99), static_cast<double>(ms.back()), errors);
    }
    std::string out = line;
    if (errors > 0) out += " (first: " + first_error + ")";
    return out;
  }
};

struct Usage {
  bench::ProcStatus status;
  long fds = -1;
};

Usage usage_of(const std::optional<long>& pid) {
  Usage u;
  if (!pid) return u;
  u.status = bench::proc_status(*pid);
  std::error_code ec;
  long n = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(*pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  u.fds = ec ? -1 : n;
  return u;
}

// CPU time and context switches of livyd's threads, summed by thread name (livyd-worker, ...).
struct ThreadCost {
  double cpu_s = 0;
  long voluntary = 0;
  long involuntary = 0;
};
using ThreadCosts = std::map<std::string, ThreadCost>;

ThreadCosts thread_costs(const std::optional<long>& pid) {
  ThreadCosts out;
  if (!pid) return out;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(*pid) + "/task", ec), end; !ec && it != end;
       it.increment(ec)) {
    std::ifstream comm_file(it->path() / "comm");
    std::ifstream stat_file(it->path() / "stat");
    std::ifstream status_file(it->path() / "status");
    std::string name;
    std::string stat;
    if (!std::getline(comm_file, name) || !std::getline(stat_file, stat)) continue;  // the thread ended
    ThreadCost& c = out[name];
    // After the command's closing parenthesis: state is field 3, utime and stime fields 14 and 15.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i >= 14) c.cpu_s += std::stod(field) / tick;
    }
    for (std::string line; std::getline(status_file, line);) {
      if (line.starts_with("voluntary_ctxt_switches:")) c.voluntary += std::stol(line.substr(24));
      if (line.starts_with("nonvoluntary_ctxt_switches:")) c.involuntary += std::stol(line.substr(27));
    }
  }
  return out;
}

// What each of livyd's threads cost per statement between two snapshots.
void print_costs(const ThreadCosts& before, const ThreadCosts& after, double statements) {
  if (after.empty() || statements <= 0) return;
  std::printf("  livyd per statement, by thread: CPU us, voluntary + involuntary context switches\n");
  ThreadCost total;
  for (const auto& [name, a] : after) {
    const auto b = before.find(name);
    const ThreadCost d{a.cpu_s - (b == before.end() ? 0 : b->second.cpu_s),
                       a.voluntary - (b == before.end() ? 0 : b->second.voluntary),
                       a.involuntary - (b == before.end() ? 0 : b->second.involuntary)};
    total.cpu_s += d.cpu_s;
    total.voluntary += d.voluntary;
    total.involuntary += d.involuntary;
    if (d.cpu_s == 0 && d.voluntary == 0) continue;
    std::printf("    %-16s %6.0f us  %5.2f + %4.2f\n", name.c_str(), d.cpu_s * 1e6 / statements,
                static_cast<double>(d.voluntary) / statements, static_cast<double>(d.involuntary) / statements);
  }
  std::printf("    %-16s %6.0f us  %5.2f + %4.2f\n", "all", total.cpu_s * 1e6 / statements,
              static_cast<double>(total.voluntary) / statements, static_cast<double>(total.involuntary) / statements);
}

void print_usage(const char* when, const Usage& u) {
  if (u.status.rss_kb < 0) return;
  std::printf("livyd %s: RSS %.1f MB, %ld threads, %ld descriptors\n", when, u.status.rss_kb / 1024.0,
              u.status.threads, u.fds);
}

httplib::Client http_client(const std::string& base_url) {
  httplib::Client http(base_url);
  http.set_keep_alive(true);
  http.set_tcp_nodelay(true);
  http.set_connection_timeout(10s);
  http.set_read_timeout(30s);
  http.set_write_timeout(30s);
  return http;
}

// One GET; its latency into `tally`, or why it failed. With `request_id`, a measured GET sends it
// as X-Request-Id, so that livyd's request log tells livyd's own time for it (run_scale.sh).
void timed_get(httplib::Client& http, const std::string& path, Tally& tally, bool measured,
               const std::string& request_id = "") {
  httplib::Headers headers;
  if (measured && !request_id.empty()) headers.emplace("X-Request-Id", request_id);
  const auto t0 = Clock::now();
  const auto result = http.Get(path, headers);
  const double ms = ms_since(t0);
  if (!result) {
    tally.fail("GET " + path + ": " + httplib::to_string(result.error()));
  } else if (result->status != 200) {
    tally.fail("GET " + path + ": HTTP " + std::to_string(result->status));
  } else if (measured) {
    tally.ms.push_back(static_cast<float>(ms));
  }
}

// One statement, submitted and long-polled until final: its round trip in ms, or why it failed.
std::optional<double> round_trip(livy::Client& client, std::int64_t session, long n, Tally& tally) {
  const std::string code = "1 + " + std::to_string(n);
  const auto t0 = Clock::now();
  const auto statement = client.run(session, code, std::nullopt, 1min);
  const double ms = ms_since(t0);
  if (!statement) {
    tally.fail("statement in session " + std::to_string(session) + ": " + statement.status().message());
    return std::nullopt;
  }
  if (statement->state != livy::StatementState::kAvailable || !statement->output || !statement->output->ok ||
      statement->output->text() != code) {
    tally.fail("statement " + std::to_string(statement->id) + " of session " + std::to_string(session) + " ended " +
               std::string(livy::to_string(statement->state)));
    return std::nullopt;
  }
  return ms;
}

// Creates the sessions with `creators` clients at once; their ids, or nullopt after saying why.
std::optional<std::vector<std::int64_t>> create_sessions(const Args& args) {
  std::vector<std::int64_t> ids(static_cast<std::size_t>(args.sessions), -1);
  std::atomic<long> next{0};
  Tally failures;
  std::mutex mu;  // guards failures
  std::vector<std::thread> threads;
  for (long c = 0; c < args.creators; ++c) {
    threads.emplace_back([&] {
      livy::Client client(args.base_url);
      for (long i; (i = next++) < args.sessions;) {
        const auto session = client.create_session({.kind = livy::SessionKind::kPySpark});
        if (session) {
          ids[static_cast<std::size_t>(i)] = session->id;
          continue;
        }
        std::lock_guard lock(mu);
        failures.fail(session.status().message());
        next = args.sessions;  // stop every creator
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failures.errors > 0) {
    std::fprintf(stderr, "cannot create the sessions: %s\n", failures.first_error.c_str());
    return std::nullopt;
  }
  return ids;
}

// Waits until every session is idle; false (after saying why) if one ends or 10 minutes pass.
bool wait_idle(const Args& args, const std::vector<std::int64_t>& ids) {
  livy::Client client(args.base_url);
  std::vector<std::int64_t> waiting = ids;
  const auto deadline = Clock::now() + 10min;
  while (!waiting.empty()) {
    std::vector<std::int64_t> still;
    for (const auto id : waiting) {
      const auto state = client.session_state(id);
      if (!state) return std::fprintf(stderr, "session %lld: %s\n", static_cast<long long>(id),
                                      state.status().message().c_str()), false;
      if (*state == livy::SessionState::kIdle) continue;
      if (*state != livy::SessionState::kStarting && *state != livy::SessionState::kNotStarted) {
        const std::string name(livy::to_string(*state));
        return std::fprintf(stderr, "session %lld is %s\n", static_cast<long long>(id), name.c_str()), false;
      }
      still.push_back(id);
    }
    waiting.swap(still);
    if (waiting.empty()) break;
    if (Clock::now() > deadline) return std::fprintf(stderr, "%zu sessions still starting\n", waiting.size()), false;
    std::this_thread::sleep_for(200ms);
  }
  return true;
}

// A statement client's thread lowers its own priority to --load-nice: on a machine where the
// clients share livyd's cores, livyd and the prober then come first, as they would with the
// clients on other hosts.
// With --load-cpu, it also keeps to that core: the others are livyd's and the prober's alone,
// as if the clients ran on other hosts.
void nice_load_thread(const Args& args) {
  if (args.load_nice > 0) (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), static_cast<int>(args.load_nice));
  if (args.load_cpu.has_value()) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(static_cast<int>(*args.load_cpu), &one);
    (void)::sched_setaffinity(0, sizeof one, &one);
  }
}

// A load phase: `threads` run `body(index, measured_until, warm_until)` side by side for
// warm-up + duration; returns the measured seconds.
template <typename Body>
double run_phase(const Args& args, long threads, Body body) {
  const auto start = Clock::now();
  const auto warm_until = start + std::chrono::seconds(args.warmup_s);
  const auto until = warm_until + std::chrono::seconds(args.duration_s);
  std::vector<std::thread> pool;
  for (long i = 0; i < threads; ++i) pool.emplace_back([&, i] { body(i, warm_until, until); });
  for (auto& t : pool) t.join();
  return static_cast<double>(args.duration_s);
}

}  // namespace

int main(int argc, char** argv) {
  if (bench::wants_help(argc, argv)) return std::fputs(kUsage, stdout), 0;
  Args args;
  if (!parse_args(argc, argv, args)) return 2;
  {
    livy::Client client(args.base_url);
    const auto version = client.version();
    if (!version) return std::fprintf(stderr, "%s: %s\n", args.base_url.c_str(), version.status().message().c_str()), 1;
  }
  const Usage before = usage_of(args.pid);
  print_usage("with no session", before);

  // 1. N idle sessions.
  const auto t0 = Clock::now();
  const auto created = create_sessions(args);
  if (!created) return 1;
  const std::vector<std::int64_t>& ids = *created;
  const double create_s = ms_since(t0) / 1000;
  if (!wait_idle(args, ids)) return 1;
  std::printf("%ld sessions created in %.1f s, all idle after %.1f s\n", args.sessions, create_s, ms_since(t0) / 1000);
  std::this_thread::sleep_for(2s);  // let what starting left behind settle
  const Usage idle = usage_of(args.pid);
  print_usage(("with " + std::to_string(args.sessions) + " idle sessions").c_str(), idle);
  if (idle.status.rss_kb >= 0 && before.status.rss_kb >= 0) {
    std::printf("  per session: %.1f kB RSS, %.2f threads, %.2f descriptors\n",
                static_cast<double>(idle.status.rss_kb - before.status.rss_kb) / static_cast<double>(args.sessions),
                static_cast<double>(idle.status.threads - before.status.threads) / static_cast<double>(args.sessions),
                static_cast<double>(idle.fds - before.fds) / static_cast<double>(args.sessions));
  }
  const std::int64_t idle_session = ids.back();  // never runs a statement
  const std::string idle_path = "/sessions/" + std::to_string(idle_session);
  long errors = 0;

  // 2. One client reads an idle session on an otherwise idle server.
  {
    auto http = http_client(args.base_url);
    Tally t;
    for (long i = 0; i < args.probes; ++i) timed_get(http, idle_path, t, true);
    std::printf("GET %s, one client, idle server: %s\n", idle_path.c_str(), t.summary().c_str());
    errors += t.errors;
  }

  // 3. Pollers: GET /sessions/{random id} back to back.
  {
    std::vector<Tally> tallies(static_cast<std::size_t>(args.pollers));
    const double seconds = run_phase(args, args.pollers, [&](long i, Clock::time_point warm, Clock::time_point until) {
      auto http = http_client(args.base_url);
      std::minstd_rand random(static_cast<unsigned>(i + 1));
      Tally& t = tallies[static_cast<std::size_t>(i)];
      for (auto now = Clock::now(); now < until; now = Clock::now()) {
        const auto id = ids[random() % ids.size()];
        timed_get(http, "/sessions/" + std::to_string(id), t, now >= warm);
      }
    });
    Tally all;
    for (const auto& t : tallies) all.merge(t);
    const double rate = static_cast<double>(all.ms.size()) / seconds;
    std::printf("GET /sessions/{id}, %ld pollers, no pause: %.0f requests/s, %s\n", args.pollers, rate,
                all.summary().c_str());
    errors += all.errors;
    print_usage("after the pollers", usage_of(args.pid));
  }

  // 3b. The same pollers, each pausing between two GETs as a notebook or a scheduler polls: the
  // latency of a poll at a steady load, not at the most the two cores can answer (back to back,
  // a poll waits behind the other 199 by Little's law).
  {
    std::vector<Tally> tallies(static_cast<std::size_t>(args.pollers));
    const double seconds = run_phase(args, args.pollers, [&](long i, Clock::time_point warm, Clock::time_point until) {
      auto http = http_client(args.base_url);
      std::minstd_rand random(static_cast<unsigned>(i + 1));
      Tally& t = tallies[static_cast<std::size_t>(i)];
      // Spread the pollers' first requests over one pause, so they do not come in step.
      std::this_thread::sleep_for(std::chrono::milliseconds(random() % (args.poll_pause_ms + 1)));
      for (auto now = Clock::now(); now < until; now = Clock::now()) {
        const auto id = ids[random() % ids.size()];
        timed_get(http, "/sessions/" + std::to_string(id), t, now >= warm);
        std::this_thread::sleep_for(std::chrono::milliseconds(args.poll_pause_ms));
      }
    });
    Tally all;
    for (const auto& t : tallies) all.merge(t);
    const double rate = static_cast<double>(all.ms.size()) / seconds;
    std::printf("GET /sessions/{id}, %ld pollers, each pausing %ld ms: %.0f requests/s, %s\n", args.pollers,
                args.poll_pause_ms, rate, all.summary().c_str());
    errors += all.errors;
  }

  // 4. One client's statement round trip.
  {
    livy::ClientOptions options;
    options.poll_interval = 2ms;
    livy::Client client(args.base_url, options);
    Tally t;
    const auto start = Clock::now();
    for (long i = 0; i < args.roundtrips; ++i) {
      if (const auto ms = round_trip(client, ids[0], i, t)) t.ms.push_back(static_cast<float>(*ms));
    }
    const double rate = static_cast<double>(t.ms.size()) / (ms_since(start) / 1000);
    std::printf("statement round trip, one client: %.0f statements/s, %s\n", rate, t.summary().c_str());
    errors += t.errors;
  }

  // 5. W sessions run statements at once, each its own client.
  {
    std::vector<Tally> tallies(static_cast<std::size_t>(args.writers));
    ThreadCosts costs_before;
    ThreadCosts costs_after;
    std::thread cost_watch([&] {  // livyd's threads over the measured seconds
      std::this_thread::sleep_for(std::chrono::seconds(args.warmup_s));
      costs_before = thread_costs(args.pid);
      std::this_thread::sleep_for(std::chrono::seconds(args.duration_s));
      costs_after = thread_costs(args.pid);
    });
    const double seconds = run_phase(args, args.writers, [&](long i, Clock::time_point warm, Clock::time_point until) {
      nice_load_thread(args);
      livy::Client client(args.base_url);
      Tally& t = tallies[static_cast<std::size_t>(i)];
      for (long n = 0; Clock::now() < until; ++n) {
        const bool measured = Clock::now() >= warm;
        const auto ms = round_trip(client, ids[static_cast<std::size_t>(i)], n, t);
        if (ms && measured) t.ms.push_back(static_cast<float>(*ms));
      }
    });
    Tally all;
    for (const auto& t : tallies) all.merge(t);
    const double rate = static_cast<double>(all.ms.size()) / seconds;
    cost_watch.join();
    std::printf("statements, %ld sessions at once: %.0f statements/s, round trip %s\n", args.writers, rate,
                all.summary().c_str());
    print_costs(costs_before, costs_after, static_cast<double>(all.ms.size()));
    errors += all.errors;
    print_usage("after the writers", usage_of(args.pid));
  }

  // 6. One client reads an idle session while B others run statements.
  {
    std::vector<Tally> tallies(static_cast<std::size_t>(args.busy + 1));
    const double seconds = run_phase(args, args.busy + 1, [&](long i, Clock::time_point warm, Clock::time_point until) {
      Tally& t = tallies[static_cast<std::size_t>(i)];
      if (i == args.busy) {  // the prober
        auto http = http_client(args.base_url);
        long n = 0;
        for (auto now = Clock::now(); now < until; now = Clock::now()) {
          timed_get(http, idle_path, t, now >= warm, "busy-probe-" + std::to_string(n++));
          std::this_thread::sleep_for(std::chrono::milliseconds(args.probe_pause_ms));
        }
        return;
      }
      nice_load_thread(args);
      livy::Client client(args.base_url);
      for (long n = 0; Clock::now() < until; ++n) {
        const bool measured = Clock::now() >= warm;
        const auto ms = round_trip(client, ids[static_cast<std::size_t>(i)], n, t);
        if (ms && measured) t.ms.push_back(static_cast<float>(*ms));
      }
    });
    Tally writers;
    for (long i = 0; i < args.busy; ++i) writers.merge(tallies[static_cast<std::size_t>(i)]);
    Tally& probe = tallies.back();
    std::printf("GET %s, one client (pause %ld ms), while %ld sessions run statements: %s\n", idle_path.c_str(),
                args.probe_pause_ms, args.busy, probe.summary().c_str());
    std::printf("  meanwhile %.0f statements/s, round trip %s\n", static_cast<double>(writers.ms.size()) / seconds,
                writers.summary().c_str());
    errors += probe.errors + writers.errors;
  }
  print_usage("at the end", usage_of(args.pid));

  if (!args.keep) {
    std::atomic<std::size_t> next{0};
    std::atomic<long> failed{0};
    std::vector<std::thread> threads;
    for (long c = 0; c < args.creators; ++c) {
      threads.emplace_back([&] {
        livy::Client client(args.base_url);
        for (std::size_t i; (i = next++) < ids.size();) {
          if (!client.delete_session(ids[i])) ++failed;
        }
      });
    }
    for (auto& t : threads) t.join();
    if (failed > 0) std::fprintf(stderr, "%ld sessions could not be deleted\n", failed.load());
  }
  if (errors > 0) std::fprintf(stderr, "%ld errors in all\n", errors);
  return errors == 0 ? 0 : 1;
}
