#!/usr/bin/env python3
"""Speed-up of statements in parallel in one session (livy.statements.parallel).

Starts livyd (spark.master local[N]) on a free port with a temporary data directory, creates
two pyspark sessions, one with livy.statements.parallel=N and one without (Livy's one at a
time), and in each posts N SQL statements that take about 1 s each (one task sleeping on an
executor thread), all at once, then waits for the last. Prints the wall time of both, the
speed-up, and stops it all. The exit status is 0 only if every statement returned its row.

    bench/parallel_speedup.py [N] [--rounds R] [--sleep-ms MS]

Environment: LIVYD_BIN (default build/apps/livyd/livyd), SPARK_HOME (default: the pyspark
package of .venv). Standard library only.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def spark_home():
    if os.environ.get("SPARK_HOME"):
        return os.environ["SPARK_HOME"]
    python = os.path.join(HERE, ".venv", "bin", "python")
    return subprocess.check_output([python, "-c", "import os, pyspark; print(os.path.dirname(pyspark.__file__))"],
                                   text=True).strip()


class Api:
    def __init__(self, url):
        self.url = url

    def call(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "X-Requested-By": "bench"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read() or b"null")

    def wait_idle(self, sid, timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.call("GET", "/sessions/%d/state" % sid)["state"]
            if state == "idle":
                return
            if state in ("dead", "error", "killed", "success"):
                raise SystemExit("session %d ended %s" % (sid, state))
            time.sleep(0.25)
        raise SystemExit("session %d not idle after %d s" % (sid, timeout))

    def wait_final(self, sid, stid):
        while True:
            st = self.call("GET", "/sessions/%d/statements/%d?wait=20" % (sid, stid), timeout=40)
            if st["state"] in ("available", "error", "cancelled"):
                return st


def sql(ms, value):
    # One partition: one Spark job of one task, which sleeps.
    return ("SELECT %d AS n, reflect('java.lang.Thread', 'sleep', CAST(%d AS BIGINT)) AS slept "
            "FROM range(0, 1, 1, 1)" % (value, ms))


def run_batch(api, sid, n, ms):
    """Posts n statements at once and waits for all; the wall time and whether all returned their row."""
    began = time.monotonic()
    ids = [api.call("POST", "/sessions/%d/statements" % sid, {"code": sql(ms, i), "kind": "sql"})["id"]
           for i in range(n)]
    with ThreadPoolExecutor(n) as pool:
        done = list(pool.map(lambda i: api.wait_final(sid, i), ids))
    took = time.monotonic() - began
    ok = all(st["state"] == "available" and st["output"]["data"]["application/json"]["data"][0][0] == i
             for i, st in enumerate(done))
    return took, ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=4, help="statements per batch (and local[N] cores)")
    parser.add_argument("--rounds", type=int, default=3, help="measured batches per session")
    parser.add_argument("--sleep-ms", type=int, default=1000, help="how long each statement takes")
    args = parser.parse_args()
    livyd = os.environ.get("LIVYD_BIN", os.path.join(HERE, "build", "apps", "livyd", "livyd"))
    if not os.access(livyd, os.X_OK):
        raise SystemExit("no livyd at %s (build it, or set LIVYD_BIN)" % livyd)
    work = tempfile.mkdtemp(prefix="bench-parallel-")
    env = dict(os.environ, SPARK_HOME=spark_home(), SPARK_LOCAL_IP="127.0.0.1")
    log = open(os.path.join(work, "livyd.log"), "w")
    proc = subprocess.Popen([livyd, "--port", "0", "--port-file", os.path.join(work, "port"), "--data-dir",
                             os.path.join(work, "data"), "--set", "spark.master=local[%d]" % args.n,
                             "--set", "statements.max-parallel=%d" % max(args.n, 1)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        port_file = os.path.join(work, "port")
        for _ in range(100):
            if os.path.exists(port_file) and os.path.getsize(port_file):
                break
            time.sleep(0.1)
        api = Api("http://127.0.0.1:%s" % open(port_file).read().strip())
        sessions = {
            "serial": api.call("POST", "/sessions", {"kind": "pyspark"})["id"],
            "parallel": api.call("POST", "/sessions", {"kind": "pyspark",
                                                       "conf": {"livy.statements.parallel": str(args.n)}})["id"],
        }
        for sid in sessions.values():
            api.wait_idle(sid)
        print("livyd at %s, local[%d]: %d statements of %d ms, %d rounds" % (api.url, args.n, args.n, args.sleep_ms,
                                                                            args.rounds))
        times, all_ok = {}, True
        for name, sid in sessions.items():
            run_batch(api, sid, args.n, 10)  # warm-up: the SQL planner's first run
            runs = []
            for _ in range(args.rounds):
                took, ok = run_batch(api, sid, args.n, args.sleep_ms)
                runs.append(took)
                all_ok = all_ok and ok
            times[name] = sorted(runs)[len(runs) // 2]
            print("%-8s  median %.2f s  (runs: %s)" % (name, times[name], ", ".join("%.2f" % t for t in runs)))
        print("speed-up: %.2fx (ideal %dx)" % (times["serial"] / times["parallel"], args.n))
        for sid in sessions.values():
            api.call("DELETE", "/sessions/%d" % sid)
        return 0 if all_ok else 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
