#!/usr/bin/env bash
# Starts livyd on a free port with a temporary data dir, measures its RSS with
# no session and with SESSIONS idle pyspark sessions, runs the statement
# round-trip benchmark on one of them, prints every number and stops it all.
#   bench/run_roundtrip.sh [N]          (N statements, default 1000)
# Environment:
#   LIVYD_BIN   livyd binary (default build/apps/livyd/livyd)
#   BENCH_BIN   benchmark binary (default: bench/bench_statement_roundtrip in LIVYD_BIN's build dir)
#   SPARK_HOME  Spark distribution (default: the pyspark package of .venv)
#   SESSIONS    idle sessions to create (default 5)
#   SESSION_JSON  body of each POST /sessions (default {"kind":"pyspark"})
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-1000}
livyd=${LIVYD_BIN:-$here/build/apps/livyd/livyd}
build=$(cd "$(dirname "$livyd")/../.." 2>/dev/null && pwd || true)
bench=${BENCH_BIN:-$build/bench/bench_statement_roundtrip}
sessions=${SESSIONS:-5}
session_json=${SESSION_JSON:-'{"kind":"pyspark"}'}
idle_timeout_s=300

die() { echo "run_roundtrip: $*" >&2; exit 1; }
[ -x "$livyd" ] || die "no livyd at $livyd (build it, or set LIVYD_BIN)"
[ -x "$bench" ] || die "no benchmark at $bench (build bench_statement_roundtrip, or set BENCH_BIN)"
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

"$livyd" --port 0 --port-file "$work/port" --data-dir "$work/data" \
  --set spark.master='local[1]' >"$work/livyd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
[ -s "$work/port" ] || { cat "$work/livyd.log" >&2; die "livyd did not start"; }
url="http://127.0.0.1:$(cat "$work/port")"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
field() { python3 -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])" 2>/dev/null; }
api() { curl -sS --fail-with-body -H 'Content-Type: application/json' -H 'X-Requested-By: bench' "$@"; }

echo "livyd $("$livyd" --version | head -1) at $url, pid $pid"
curl -sS "$url/version" >/dev/null || die "$url/version does not answer"
rss0=$(rss_kb)
echo "rss with 0 sessions: $rss0 kB"

ids=()
for _ in $(seq "$sessions"); do
  id=$(api -X POST -d "$session_json" "$url/sessions" | field id) || die "cannot create a session"
  ids+=("$id")
done
echo "created sessions ${ids[*]}; waiting until they are idle (up to ${idle_timeout_s} s)"
deadline=$((SECONDS + idle_timeout_s))
for id in "${ids[@]}"; do
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
done
rss_idle=$(rss_kb)
echo "rss with $sessions idle sessions: $rss_idle kB ($(( (rss_idle - rss0) / sessions )) kB per session)"

"$bench" "$url" "$n" --session "${ids[0]}" --pid "$pid"

for id in "${ids[@]}"; do api -X DELETE "$url/sessions/$id" >/dev/null || echo "cannot delete session $id" >&2; done
stop_livyd
echo "summary: rss_0_sessions_kb=$rss0 rss_${sessions}_idle_sessions_kb=$rss_idle"
