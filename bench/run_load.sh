#!/usr/bin/env bash
# Starts livyd on a free port with a temporary data dir, creates one pyspark
# session, runs the load benchmark on it (CLIENTS pollers, writers running
# statements, a warm-up and two measured runs, livyd's RSS between them),
# prints every number and stops it all. Exits with the benchmark's status.
#   bench/run_load.sh [bench_load options...]   (e.g. --clients 200 --duration 30)
# Environment:
#   LIVYD_BIN   livyd binary (default build/apps/livyd/livyd)
#   BENCH_BIN   benchmark binary (default: bench/bench_load in LIVYD_BIN's build dir)
#   SPARK_HOME  Spark distribution (default: the pyspark package of .venv)
#   LIVYD_SET   extra livyd settings, space-separated KEY=VALUE (e.g. "server.threads=16")
#   SESSION_JSON  body of POST /sessions (default {"kind":"pyspark"})
set -euo pipefail
bench_name=run_load bench_binary=bench_load
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sets=()
for kv in ${LIVYD_SET:-}; do sets+=(--set "$kv"); done
start_livyd "${sets[@]}"
echo "livyd $("$livyd" --version | head -1) at $url, pid $pid, settings: spark.master=local[1] ${LIVYD_SET:-}"
id=$(create_session)
wait_idle "$id"
echo "session $id idle"

# The kernel's count of connections dropped because a listen queue was full
# (for every listening socket of this network namespace, not only livyd's).
listen_overflows() {
  awk '/^TcpExt:/ { if (!names) { names = $0 } else { n = split(names, k); split($0, v)
         for (i = 2; i <= n; i++) if (k[i] == "ListenOverflows") print v[i] } }' /proc/net/netstat 2>/dev/null
}
overflows0=$(listen_overflows)
status=0
"$bench" "$url" --session "$id" --pid "$pid" "$@" || status=$?
[ -n "$overflows0" ] &&
  echo "listen queue overflows during the benchmark (whole host): $(( $(listen_overflows) - overflows0 ))"
delete_sessions "$id"
stop_livyd
exit "$status"
