// bench_store_writes: statement writes per second through livyd's Store, with 1, 10 and 50
// writer threads, each its own session. Every statement is written as the session engine
// writes it: created (synced, as with store.sync-statements=true), then running, then
// available with a small output (both written). See bench/README.md.
//
// Built in-tree only: it uses the library's private store header.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int statements = 200;  // per thread
  std::vector<int> threads = {1, 10, 50};
  std::string dir = ".";  // where the scratch stores go: put it on the disk livyd uses
  bool synced = true;     // the create synced (store.sync-statements=true)
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: bench_store_writes [--statements N] [--threads 1,10,50] [--dir DIR] [--unsynced]\n"
               "  --statements N  statements per thread (default 200)\n"
               "  --threads LIST  writer thread counts to run, each on a fresh store (default 1,10,50)\n"
               "  --dir DIR       where the scratch stores are made and removed (default .)\n"
               "  --unsynced      creates written, not synced (store.sync-statements=false)\n");
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--statements")
      o.statements = std::atoi(value().c_str());
    else if (a == "--dir")
      o.dir = value();
    else if (a == "--unsynced")
      o.synced = false;
    else if (a == "--threads") {
      o.threads.clear();
      const std::string list = value();
      for (std::size_t at = 0; at <= list.size();) {
        const std::size_t comma = std::min(list.find(',', at), list.size());
        o.threads.push_back(std::atoi(list.substr(at, comma - at).c_str()));
        at = comma + 1;
      }
    } else
      usage();
  }
  for (int t : o.threads) {
    if (t <= 0) usage();
  }
  if (o.statements <= 0) usage();
  return o;
}

livy::SessionRecord session(std::int64_t id) {
  livy::SessionRecord r;
  r.id = id;
  r.kind = livy::SessionKind::kPySpark;
  r.owner = "bench";
#ifdef BENCH_STORE_OLD_API
  r.request_json = R"({"kind":"pyspark","heartbeatTimeoutInSecond":0})";
#else
  r.request.kind = livy::SessionKind::kPySpark;
#endif
  r.state = livy::SessionState::kIdle;
  r.log_path = "/nowhere/driver.log";
  r.status_path = "/nowhere/exit-status";
  r.secret = "0123456789abcdef0123456789abcdef";
  return r;
}

livy::Status create(livy::Store& store, std::int64_t session_id, const livy::Statement& st, livy::Durability d) {
#ifdef BENCH_STORE_OLD_API
  return store.put_statement(session_id, st, d);
#else
  return store.insert_statement(session_id, st, d);
#endif
}

livy::Status change(livy::Store& store, std::int64_t session_id, const livy::Statement& st) {
#ifdef BENCH_STORE_OLD_API
  return store.put_statement(session_id, st, livy::Durability::kWritten);
#else
  return store.update_statement(session_id, st);
#endif
}

// One writer: its session's statements, one after the other, as a notebook sends them.
bool run_writer(livy::Store& store, std::int64_t session_id, int statements, livy::Durability create_durability) {
  for (int i = 0; i < statements; ++i) {
    livy::Statement st;
    st.id = i;
    st.code = "spark.range(1000).selectExpr('sum(id)').collect()  # statement " + std::to_string(i);
    st.kind = livy::SessionKind::kPySpark;
    if (!create(store, session_id, st, create_durability)) return false;
    st.state = livy::StatementState::kRunning;
    st.started_ms = 1'765'000'000'000 + i;
    if (!change(store, session_id, st)) return false;
    st.state = livy::StatementState::kAvailable;
    st.progress = 1.0;
    st.completed_ms = st.started_ms + 3;
    livy::StatementOutput out;
    out.execution_count = i;
    out.data["text/plain"] = "\"[Row(sum(id)=499500)]\"";
    st.output = out;
    if (!change(store, session_id, st)) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::printf("%-8s %-11s %-9s %-13s %-10s %s\n", "threads", "statements", "seconds", "statements/s", "writes/s",
              "writes/commit");
  for (const int threads : o.threads) {
    std::string scratch = (std::filesystem::path(o.dir) / "bench-store-XXXXXX").string();
    if (::mkdtemp(scratch.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    bool ok = true;
    {
      auto opened = livy::Store::open(scratch + "/livyd.db");
      if (!opened) {
        std::fprintf(stderr, "%s\n", opened.status().message().c_str());
        return 1;
      }
      livy::Store& store = **opened;
      for (int t = 0; t < threads; ++t) {
        if (!store.insert_session(session(t))) return 1;
      }
#ifndef BENCH_STORE_OLD_API
      const auto before = store.stats();
#endif
      std::atomic<int> failed{0};
      const auto d = o.synced ? livy::Durability::kSynced : livy::Durability::kWritten;
      const auto start = Clock::now();
      std::vector<std::thread> writers;
      for (int t = 0; t < threads; ++t) {
        writers.emplace_back([&, t] {
          if (!run_writer(store, t, o.statements, d)) ++failed;
        });
      }
      for (auto& w : writers) w.join();
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      const double total = static_cast<double>(threads) * o.statements;
      ok = failed == 0;
#ifdef BENCH_STORE_OLD_API
      const std::string per_commit = "1";  // one transaction per write
#else
      const auto after = store.stats();
      char per_commit[32];
      std::snprintf(per_commit, sizeof per_commit, "%.1f",
                    static_cast<double>(after.writes - before.writes) /
                        static_cast<double>(std::max<std::uint64_t>(1, after.commits - before.commits)));
#endif
      std::printf("%-8d %-11.0f %-9.2f %-13.0f %-10.0f %s%s\n", threads, total, seconds, total / seconds,
                  3 * total / seconds, std::string(per_commit).c_str(), ok ? "" : "  (a write failed)");
      std::fflush(stdout);
    }
    std::filesystem::remove_all(scratch);
    if (!ok) return 1;
  }
  return 0;
}
