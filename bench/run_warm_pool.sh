#!/usr/bin/env bash
# Starts livyd with a warm pool (one profile, POOL_SIZE drivers, local[1]), measures livyd's
# RSS with no pool and with the pool full (and the warm drivers' own RSS), then times N
# claims (bench/warm_pool_claims.py: POST /sessions to idle, each session deleted after,
# while the pool refills) and stops it all.
#   bench/run_warm_pool.sh [N]          (N claims, default 50)
# Environment:
#   LIVYD_BIN   livyd binary (default build/apps/livyd/livyd)
#   SPARK_HOME  Spark distribution (default: the pyspark package of .venv)
#   POOL_SIZE   warm drivers kept ready (default 2)
#   MAX_STARTING  warm drivers starting at once (default 2)
#   BUDGET      stop the claims after this many seconds and report those made (default: none)
#   START_TIMEOUT  sessions.start-timeout, which a warm driver's start also has (default 10m:
#               on a loaded machine a JVM's start takes minutes)
set -euo pipefail
bench_name=run_warm_pool bench_binary=
BENCH_BIN=${BENCH_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/warm_pool_claims.py}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n=${1:-50}
size=${POOL_SIZE:-2}
max_starting=${MAX_STARTING:-2}

start_livyd
rss_nopool=$(rss_kb)
echo "livyd without a pool: rss $rss_nopool kB"
stop_livyd
rm -rf "$work/data" "$work/port"

profiles='{"bench":{"kinds":["pyspark","sql","shared"],"conf":{"spark.ui.enabled":"false"}}}'
start_livyd --set "sessions.warm-pool.profiles=$profiles" --set "sessions.warm-pool.size=$size" \
  --set "sessions.warm-pool.max-starting=$max_starting" --set "sessions.start-timeout=${START_TIMEOUT:-10m}"
echo "livyd $("$livyd" --version | head -1) at $url, pid $pid, pool size $size, max-starting $max_starting"
t0=$SECONDS
until curl -sS "$url/metrics" | grep -q "^livyd_warm_drivers{profile=\"bench\",state=\"ready\"} $size\$"; do
  [ $((SECONDS - t0)) -lt 600 ] || die "the pool was not full within 600 s"
  sleep 0.5
done
echo "pool full after $((SECONDS - t0)) s"
rss_full=$(rss_kb)
drivers_kb=$(ps -eo rss=,args= | grep -F "$work/data/sessions/warm-" | grep -v grep | awk '{s += $1} END {print s + 0}')
echo "livyd with a full pool of $size: rss $rss_full kB; the warm spark-submit JVMs: $drivers_kb kB"

budget=()
[ -z "${BUDGET:-}" ] || budget=(--budget "$BUDGET")
"$bench" "$url" "$n" --pid "$pid" --profile bench "${budget[@]}" || echo "not all $n claims were made warm (see above)"
stop_livyd
echo "summary: pool_size=$size rss_no_pool_kb=$rss_nopool rss_full_pool_kb=$rss_full warm_jvms_kb=$drivers_kb"
