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
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
livyd=${LIVYD_BIN:-$here/build/apps/livyd/livyd}
build=$(cd "$(dirname "$livyd")/../.." 2>/dev/null && pwd || true)
bench=${BENCH_BIN:-$build/bench/bench_load}
session_json=${SESSION_JSON:-'{"kind":"pyspark"}'}
idle_timeout_s=300

die() { echo "run_load: $*" >&2; exit 1; }
[ -x "$livyd" ] || die "no livyd at $livyd (build it, or set LIVYD_BIN)"
[ -x "$bench" ] || die "no benchmark at $bench (build bench_load, or set BENCH_BIN)"
command -v curl >/dev/null || die "curl is needed"
if [ -z "${SPARK_HOME:-}" ]; then
  SPARK_HOME=$("$here/.venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null) ||
    die "set SPARK_HOME, or run scripts/bootstrap to get pyspark in .venv"
fi
export SPARK_HOME SPARK_LOCAL_IP=127.0.0.1

work=$(mktemp -d)
pid=
stop_livyd() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && { echo "livyd did not stop in 20 s; killing it" >&2; kill -KILL "$pid"; }
  wait "$pid" 2>/dev/null || true
  pid=
}
cleanup() { stop_livyd; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

sets=(--set spark.master='local[1]')
for kv in ${LIVYD_SET:-}; do sets+=(--set "$kv"); done
"$livyd" --port 0 --port-file "$work/port" --data-dir "$work/data" "${sets[@]}" >"$work/livyd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
[ -s "$work/port" ] || { cat "$work/livyd.log" >&2; die "livyd did not start"; }
url="http://127.0.0.1:$(cat "$work/port")"

field() { python3 -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])" 2>/dev/null; }
api() { curl -sS --fail-with-body -H 'Content-Type: application/json' -H 'X-Requested-By: bench' "$@"; }

echo "livyd $("$livyd" --version | head -1) at $url, pid $pid, settings: ${sets[*]}"
id=$(api -X POST -d "$session_json" "$url/sessions" | field id) || die "cannot create a session"
deadline=$((SECONDS + idle_timeout_s))
while :; do
  state=$(api "$url/sessions/$id/state" | field state) || die "cannot read the state of session $id"
  [ "$state" = idle ] && break
  case $state in error|dead|killed|success)
    api "$url/sessions/$id/log?size=30" >&2 || true
    die "session $id ended $state";;
  esac
  [ "$SECONDS" -lt "$deadline" ] || die "session $id still $state after ${idle_timeout_s} s"
  sleep 1
done
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
api -X DELETE "$url/sessions/$id" >/dev/null || echo "cannot delete session $id" >&2
stop_livyd
exit "$status"
