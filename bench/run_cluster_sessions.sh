#!/usr/bin/env bash
# Idle cluster-mode sessions on a real mini YARN cluster: livyd's own cost per session
# (RSS, threads, descriptors, child processes). Needs scripts/bootstrap's Hadoop jars.
#   SESSIONS=8 bench/run_cluster_sessions.sh
# Environment: LIVYD_BIN (default build/apps/livyd/livyd), SPARK_HOME (default: .venv's pyspark),
# LIVYD_YARN_NM_MEMORY_MB (default here 16384: room for the sessions' drivers).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export LIVYD_BIN=${LIVYD_BIN:-$repo/build/apps/livyd/livyd}
export LIVYD_YARN_NM_MEMORY_MB=${LIVYD_YARN_NM_MEMORY_MB:-16384}
if [[ -z "${SPARK_HOME:-}" ]]; then
  SPARK_HOME=$("$repo/.venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
  export SPARK_HOME
fi
exec "$repo/.venv/bin/python" -m pytest -q -s -p no:cacheprovider "$repo/bench/cluster_sessions.py"
