# Shared by bench/run_*.sh (sourced, not run): find livyd, its benchmark
# binary and Spark; start livyd on a free port with a temporary data dir;
# create pyspark sessions and wait until they are idle; stop it all on exit.
# The caller sets `bench_name` (for messages) and `bench_binary` (the file
# name in bench/ of livyd's build dir) before sourcing, and `set -euo pipefail`.
# Environment: LIVYD_BIN, BENCH_BIN, SPARK_HOME, SESSION_JSON, as the scripts say.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
livyd=${LIVYD_BIN:-$here/build/apps/livyd/livyd}
build=$(cd "$(dirname "$livyd")/../.." 2>/dev/null && pwd || true)
bench=${BENCH_BIN:-$build/bench/$bench_binary}
session_json=${SESSION_JSON:-'{"kind":"pyspark"}'}
idle_timeout_s=300

die() { echo "$bench_name: $*" >&2; exit 1; }
[ -x "$livyd" ] || die "no livyd at $livyd (build it, or set LIVYD_BIN)"
[ -x "$bench" ] || die "no benchmark at $bench (build $bench_binary, or set BENCH_BIN)"
command -v curl >/dev/null || die "curl is needed"
command -v python3 >/dev/null || die "python3 is needed"
if [ -z "${SPARK_HOME:-}" ]; then
  SPARK_HOME=$("$here/.venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null) ||
    die "set SPARK_HOME, or run scripts/bootstrap to get pyspark in .venv"
fi
export SPARK_HOME SPARK_LOCAL_IP=127.0.0.1

work=$(mktemp -d)
pid=
url=
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

# start_livyd [livyd options...]: livyd with spark.master=local[1] and the
# given options, in the background; sets pid and url.
start_livyd() {
  "$livyd" --port 0 --port-file "$work/port" --data-dir "$work/data" --set spark.master='local[1]' "$@" \
    >"$work/livyd.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  [ -s "$work/port" ] || { cat "$work/livyd.log" >&2; die "livyd did not start"; }
  url="http://127.0.0.1:$(cat "$work/port")"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
field() { python3 -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])" 2>/dev/null; }
api() { curl -sS --fail-with-body -H 'Content-Type: application/json' -H 'X-Requested-By: bench' "$@"; }

# create_session: POSTs SESSION_JSON and prints the new session's id.
create_session() { api -X POST -d "$session_json" "$url/sessions" | field id || die "cannot create a session"; }

# wait_idle ID...: waits until each session is idle (all within idle_timeout_s);
# dies, with the session's log, if one ends or is still starting by then.
wait_idle() {
  local deadline=$((SECONDS + idle_timeout_s)) id state
  for id in "$@"; do
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
}

# delete_sessions ID...: deletes them, saying which could not be.
delete_sessions() {
  local id
  for id in "$@"; do api -X DELETE "$url/sessions/$id" >/dev/null || echo "cannot delete session $id" >&2; done
}
