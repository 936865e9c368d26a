"""How many idle cluster-mode sessions one livyd holds: livyd on a real mini YARN cluster
(tests/clusters/yarn_cluster.py), SESSIONS pyspark sessions in cluster deploy mode (their
drivers run in YARN containers, on this machine here, but not in livyd's process tree), and
what livyd itself costs per session once they are idle: RSS, threads, descriptors and child
processes. Then two sessions that keep their spark-submit (waitAppCompletion=true, what
livyd did before) for the cost that saves. Prints numbers; asserts only that the sessions
came up. Run it with bench/run_cluster_sessions.sh."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests/clusters"), str(REPO / "tests/integration")]

from test_yarn_livyd import _livyd_on_yarn  # noqa: E402
from yarn_cluster import yarn_cluster  # noqa: E402,F401  (fixture)

SESSIONS = int(os.environ.get("SESSIONS", "8"))
# Only the driver, in the application master's container: no executors while idle.
IDLE_CONF = {"spark.driver.memory": "512m", "spark.dynamicAllocation.enabled": "true",
             "spark.dynamicAllocation.shuffleTracking.enabled": "true",
             "spark.dynamicAllocation.minExecutors": "0", "spark.dynamicAllocation.initialExecutors": "0"}


def _status(pid: int) -> dict[str, str]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def _tree(pid: int) -> list[int]:
    """pid's descendants (not pid)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(_status(int(entry.name)).get("PPid", "0"))
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _measure(pid: int) -> dict[str, float]:
    s = _status(pid)
    tree = _tree(pid)
    tree_rss = 0
    for child in tree:
        try:
            tree_rss += int(_status(child)["VmRSS"].split()[0])
        except (OSError, KeyError):
            pass
    return {"rss_kb": int(s["VmRSS"].split()[0]), "threads": int(s["Threads"]),
            "fds": len(os.listdir(f"/proc/{pid}/fd")), "children": len(tree), "children_rss_kb": tree_rss}


def _start_sessions(livyd, n: int, conf: dict) -> tuple[list[int], float]:
    started = time.monotonic()
    ids = [livyd.post_json("/sessions", {"kind": "pyspark", "name": f"bench-cluster-{conf.get('tag', 'idle')}-{i}",
                                         "conf": {k: v for k, v in conf.items() if k != "tag"}})["id"]
           for i in range(n)]
    for sid in ids:
        livyd.wait_session_state(sid, {"idle"}, timeout=900)
    return ids, time.monotonic() - started


def test_idle_cluster_mode_sessions(yarn_cluster, tmp_path_factory):
    jobs = Path(os.path.realpath(tmp_path_factory.mktemp("bench-jobs")))
    work = Path(os.path.realpath(tmp_path_factory.mktemp("bench-livyd")))
    livyd_ctx, livyd = _livyd_on_yarn(yarn_cluster, jobs, work, "cluster")
    try:
        pid = livyd.process.pid
        time.sleep(2)
        before = _measure(pid)
        ids, seconds = _start_sessions(livyd, SESSIONS, IDLE_CONF)
        # Each answers a statement, then rests: spark-submit has ended by now.
        for sid in ids:
            assert livyd.run_ok(sid, "1+1", timeout=300)["text/plain"].strip() == "2"
        time.sleep(5)
        idle = _measure(pid)
        n = len(ids)
        print(f"\n{n} idle cluster-mode pyspark sessions on the mini YARN cluster, all idle after {seconds:.0f} s")
        print(f"livyd before: rss {before['rss_kb']} kB, threads {before['threads']}, fds {before['fds']}, "
              f"child processes {before['children']}")
        print(f"livyd with {n} idle: rss {idle['rss_kb']} kB, threads {idle['threads']}, fds {idle['fds']}, "
              f"child processes {idle['children']} ({idle['children_rss_kb']} kB)")
        print(f"per idle cluster-mode session: rss {(idle['rss_kb'] - before['rss_kb']) / n:.0f} kB, "
              f"threads {(idle['threads'] - before['threads']) / n:.2f}, fds {(idle['fds'] - before['fds']) / n:.2f}, "
              f"child processes {(idle['children'] - before['children']) / n:.2f}")
        # What a session costs on livyd's host when spark-submit stays (the old way).
        waiting = dict(IDLE_CONF, tag="waiting")
        waiting["spark.yarn.submit.waitAppCompletion"] = "true"
        kept, _ = _start_sessions(livyd, 2, waiting)
        time.sleep(5)
        with_submit = _measure(pid)
        print(f"with 2 more sessions that keep spark-submit (waitAppCompletion=true): child processes "
              f"{with_submit['children']}, their rss {with_submit['children_rss_kb']} kB: "
              f"{(with_submit['children_rss_kb'] - idle['children_rss_kb']) / 2:.0f} kB per session on livyd's host")
        print(f"summary: sessions={n} livyd_rss_per_session_kb={(idle['rss_kb'] - before['rss_kb']) / n:.0f} "
              f"threads_per_session={(idle['threads'] - before['threads']) / n:.2f} "
              f"spark_submit_kb_saved_per_session={(with_submit['children_rss_kb'] - idle['children_rss_kb']) / 2:.0f}")
        for sid in ids + kept:
            livyd.delete(f"/sessions/{sid}")
    finally:
        livyd_ctx.__exit__(None, None, None)
