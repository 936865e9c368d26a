#!/usr/bin/env bash
# The scale benchmark, all in one: makes a fake SPARK_HOME whose bin/spark-submit
# execs bench_fake_driver (a driver that answers at once, a small C++ process),
# starts livyd on it with a temporary data dir and limits raised for SESSIONS
# sessions, runs bench_scale (which creates them, measures and deletes them),
# prints every number and stops it all. Exits with bench_scale's status.
#   bench/run_scale.sh [bench_scale options...]   (e.g. --duration 10)
# Environment:
#   SESSIONS    sessions to create (default 1000)
#   LIVYD_BIN   livyd binary (default build/apps/livyd/livyd; build it Release)
#   BENCH_BIN   bench_scale binary (default: bench/bench_scale in LIVYD_BIN's build dir)
#   FAKE_DRIVER bench_fake_driver binary (default: beside BENCH_BIN)
#   LIVYD_SET   extra livyd settings, space-separated KEY=VALUE
#   LOAD_NICE   run the fake drivers and bench_scale's statement clients at this nice value,
#               below livyd and the prober (clients and drivers on other hosts, as deployed)
set -euo pipefail
bench_name=run_scale bench_binary=bench_scale
SPARK_HOME=unused-until-the-fake-one-is-made  # lib.sh would look for pyspark otherwise
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sessions=${SESSIONS:-1000}
fake_driver=${FAKE_DRIVER:-$(dirname "$bench")/bench_fake_driver}
[ -x "$fake_driver" ] || die "no fake driver at $fake_driver (build bench_fake_driver, or set FAKE_DRIVER)"
fake_driver=$(cd "$(dirname "$fake_driver")" && pwd)/$(basename "$fake_driver")
# Each session holds a descriptor in livyd and is one process.
[ "$(ulimit -n)" -gt $((sessions + 1000)) ] || die "ulimit -n is $(ulimit -n): too few descriptors for $sessions sessions"

export SPARK_HOME=$work/spark
mkdir -p "$SPARK_HOME/bin"
if [ "${LOAD_NICE:-0}" -gt 0 ]; then
  printf '#!/bin/sh\nexec nice -n %d %q "$@"\n' "$LOAD_NICE" "$fake_driver" >"$SPARK_HOME/bin/spark-submit"
  set -- --load-nice "$LOAD_NICE" "$@"
else
  printf '#!/bin/sh\nexec %q "$@"\n' "$fake_driver" >"$SPARK_HOME/bin/spark-submit"
fi
chmod +x "$SPARK_HOME/bin/spark-submit"

limit=$((sessions + 10))
sets=(--set "sessions.max-sessions=$limit" --set "sessions.max-creation=$limit"
      --set "sessions.driver-script=$fake_driver" --set server.stop-on-shutdown=true)
for kv in ${LIVYD_SET:-}; do sets+=(--set "$kv"); done
start_livyd "${sets[@]}"
echo "livyd $("$livyd" --version | head -1) at $url, pid $pid, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "settings: ${sets[*]}"
status=0
"$bench" "$url" --sessions "$sessions" --pid "$pid" "$@" || status=$?
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
stop_livyd
exit "$status"
