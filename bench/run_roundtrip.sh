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
bench_name=run_roundtrip bench_binary=bench_statement_roundtrip
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n=${1:-1000}
sessions=${SESSIONS:-5}

start_livyd
echo "livyd $("$livyd" --version | head -1) at $url, pid $pid"
curl -sS "$url/version" >/dev/null || die "$url/version does not answer"
rss0=$(rss_kb)
echo "rss with 0 sessions: $rss0 kB"

ids=()
for _ in $(seq "$sessions"); do ids+=("$(create_session)"); done
echo "created sessions ${ids[*]}; waiting until they are idle (up to ${idle_timeout_s} s)"
wait_idle "${ids[@]}"
rss_idle=$(rss_kb)
echo "rss with $sessions idle sessions: $rss_idle kB ($(( (rss_idle - rss0) / sessions )) kB per session)"

"$bench" "$url" "$n" --session "${ids[0]}" --pid "$pid"

delete_sessions "${ids[@]}"
stop_livyd
echo "summary: rss_0_sessions_kb=$rss0 rss_${sessions}_idle_sessions_kb=$rss_idle"
