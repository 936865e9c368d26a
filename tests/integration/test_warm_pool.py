"""The warm pool on real Spark (docs/warm-pool.md): a session that fits a profile claims a
warm driver and is idle at once, runs statements with its runtime SQL conf applied, and the
pool refills; a request that fits no profile starts cold; a SIGKILL of livyd and a restart
leave no warm driver behind (the new livyd stops the old ones and starts its own), and a
claimed session survives the restart like any session.

This module runs its own livyds (pool size 1, local[1]): the shared one has no pool.
"""
from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

from livyd_testlib import (
    RESTART_SETTINGS,
    new_marker,
    procs_with_marker,
    start_livyd,
    stop_livyd,
    wait_until,
)

READY_TIMEOUT = 180.0  # a warm driver's start: a JVM and a SparkSession on a loaded machine
PROFILES = {"small": {"kinds": ["pyspark", "sql", "shared"], "conf": {"spark.ui.enabled": "false"}}}
SETTINGS = dict(RESTART_SETTINGS, **{
    "sessions.warm-pool.profiles": json.dumps(PROFILES),
    "sessions.warm-pool.size": "1",
})


def text_of(data: dict) -> str:
    return data.get("text/plain", "")


def session_log(client, sid) -> list[str]:
    return client.get_json(f"/sessions/{sid}/log", params={"from": 0, "size": 100000})["log"]


def warm_gauge(client, state: str) -> int:
    """livyd_warm_drivers{profile="small",state=...} from /metrics."""
    text = client.get("/metrics").text
    m = re.search(r'^livyd_warm_drivers\{profile="small",state="%s"\} (\d+)' % state, text, re.M)
    return int(m.group(1)) if m else -1


def warm_tokens(client) -> set[str]:
    """The tokens of this livyd's warm drivers whose spark-submit runs (by their properties file's path)."""
    marker = str(client.data_dir / "sessions" / "warm-")
    tokens = set()
    for p in procs_with_marker(marker):
        m = re.search(re.escape(marker) + r"([0-9a-f]+)/", p.cmdline)
        if m:
            tokens.add(m.group(1))
    return tokens


def wait_pool_ready(client):
    wait_until(lambda: warm_gauge(client, "ready") == 1, READY_TIMEOUT, what="a ready warm driver")


def stop_checked(client):
    problems = stop_livyd(client)
    assert not problems, problems
    # No warm driver outlives a clean stop either.
    assert not procs_with_marker(str(client.data_dir / "sessions" / "warm-")), "warm drivers left after SIGTERM"


def test_a_fitting_request_claims_a_warm_driver_and_the_pool_refills(livyd_bin, spark_home, tmp_path_factory):
    work = Path(os.path.realpath(tmp_path_factory.mktemp("warm")))
    client = start_livyd(livyd_bin, spark_home, work, SETTINGS)
    try:
        wait_pool_ready(client)
        first = warm_tokens(client)
        assert len(first) == 1, first
        name = new_marker("warm")
        started = time.monotonic()
        session = client.post_json("/sessions", {"kind": "pyspark", "name": name,
                                                 "conf": {"spark.sql.shuffle.partitions": "3"}})
        elapsed = time.monotonic() - started
        assert session["state"] == "idle", session
        assert elapsed < 0.5, f"POST /sessions of a warm claim took {elapsed:.3f} s"
        sid = session["id"]
        assert session["name"] == name
        assert text_of(client.run_ok(sid, "1 + 1")) == "2"
        # The request's runtime SQL conf was applied at the claim.
        assert text_of(client.run_ok(sid, "spark.conf.get('spark.sql.shuffle.partitions')")) == "'3'"
        assert "claimed warm driver" in "\n".join(session_log(client, sid))
        # The pool refills with a new driver; the claimed one is the session's.
        wait_pool_ready(client)
        refilled = warm_tokens(client) - first
        assert len(refilled) == 1, refilled

        # A conf that cannot change once Spark runs: the session starts cold, and says why.
        cold = client.post_json("/sessions", {"kind": "pyspark", "conf": {"spark.executor.memory": "700m"}})
        assert cold["state"] == "starting", cold
        assert any("starting cold" in line for line in session_log(client, cold["id"]))
        client.delete_json(f"/sessions/{cold['id']}")
        assert warm_gauge(client, "ready") == 1  # the cold start took nothing from the pool

        client.delete_json(f"/sessions/{sid}")
    finally:
        stop_checked(client)


def test_sigkill_and_restart_leave_no_warm_driver_and_keep_a_claimed_session(livyd_bin, spark_home,
                                                                             tmp_path_factory):
    work = Path(os.path.realpath(tmp_path_factory.mktemp("warm-restart")))
    client = start_livyd(livyd_bin, spark_home, work, SETTINGS)
    try:
        wait_pool_ready(client)
        sid = client.post_json("/sessions", {"kind": "pyspark"})["id"]
        client.wait_session_state(sid, "idle", 10)
        assert text_of(client.run_ok(sid, "x = 20\nx")) == "20"
        wait_pool_ready(client)  # the refill: one warm driver besides the claimed one
        before = warm_tokens(client)
        assert len(before) == 2, before  # the claimed session's driver, and the new warm one

        client.process.send_signal(signal.SIGKILL)
        client.process.wait(timeout=30)
        client = start_livyd(livyd_bin, spark_home, work, SETTINGS)
        # The claimed session reconnects and keeps its variables.
        client.wait_session_state(sid, "idle", 120)
        assert text_of(client.run_ok(sid, "x + 1")) == "21"
        # The old warm driver is gone (stopped by the new livyd, or exited when its livyd went),
        # and the new livyd has a warm driver of its own.
        wait_pool_ready(client)
        after = warm_tokens(client)
        survivors = before & after
        assert len(survivors) == 1, (before, after)  # only the claimed session's driver
        assert len(after - before) == 1, (before, after)
        markers = {m.name for m in (client.data_dir / "warm-pool").iterdir()}
        assert markers == after - before, markers  # the new warm driver's marker alone
        client.delete_json(f"/sessions/{sid}")
    finally:
        stop_checked(client)
