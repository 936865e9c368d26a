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
#   LOAD_CPU    run the fake drivers and bench_scale's statement clients on this core only, so
#               that livyd and the prober have the other cores to themselves, e.g. LOAD_CPU=1
#   HOGS        start this many CPU-bound shell loops for the run (default 0): what waiting for
#               a core alone does to the latencies, e.g. HOGS=4 --busy 1 --writers 2
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
launch=()
if [ "${LOAD_NICE:-0}" -gt 0 ]; then
  launch+=(nice -n "$LOAD_NICE")
  set -- --load-nice "$LOAD_NICE" "$@"
fi
if [ -n "${LOAD_CPU:-}" ]; then
  launch+=(taskset -c "$LOAD_CPU")
  set -- --load-cpu "$LOAD_CPU" "$@"
fi
printf '#!/bin/sh\nexec %s\n' "$(printf '%q ' "${launch[@]}" "$fake_driver") \"\$@\"" >"$SPARK_HOME/bin/spark-submit"
chmod +x "$SPARK_HOME/bin/spark-submit"

limit=$((sessions + 10))
sets=(--set "sessions.max-sessions=$limit" --set "sessions.max-creation=$limit"
      --set "sessions.driver-script=$fake_driver" --set server.stop-on-shutdown=true)
for kv in ${LIVYD_SET:-}; do sets+=(--set "$kv"); done
hogs=()
stop_hogs() { [ ${#hogs[@]} -eq 0 ] || kill "${hogs[@]}" 2>/dev/null || true; }
trap 'stop_hogs; cleanup' EXIT
for _ in $(seq "${HOGS:-0}"); do sh -c 'while :; do :; done' & hogs+=($!); done
start_livyd "${sets[@]}"
echo "livyd $("$livyd" --version | head -1) at $url, pid $pid, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "settings: ${sets[*]}${HOGS:+, $HOGS CPU-bound loops beside}"
status=0
"$bench" "$url" --sessions "$sessions" --pid "$pid" "$@" || status=$?
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
stop_livyd
# The idle-session prober's GETs while the others run statements carry X-Request-Id
# busy-probe-N: livyd's own time for them, from its request log, beside the client's time
# above: queued_ms (from the front end having the request to its routing: the hand-off to a
# worker, and that worker getting a core) and latency_ms (from routing to the reply written).
# What the client sees beyond their sum is the kernel's loopback, and the client's thread and
# livyd's event loop waiting for a core.
python3 - "$work/livyd.log" <<'EOF'
import re, sys
rows = []
for line in open(sys.argv[1], errors="replace"):
    if "request_id=busy-probe-" in line:
        q = re.search(r"queued_ms=([0-9.]+)", line)
        l = re.search(r"latency_ms=([0-9.]+)", line)
        if q and l:
            rows.append((float(q.group(1)), float(l.group(1))))
def show(what, ms):
    ms = sorted(ms)
    at = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]
    print(f"  the same prober's GETs in livyd's request log, {what}: "
          f"p50 {at(0.5):.2f} p99 {at(0.99):.2f} max {ms[-1]:.2f} ms, {len(ms)} requests")
if rows:
    show("queued (request read to routing)", [q for q, _ in rows])
    show("routing to reply written", [l for _, l in rows])
    show("request read to reply written", [q + l for q, l in rows])
EOF
exit "$status"
