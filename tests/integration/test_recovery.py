"""Recovery on real Spark: livyd is killed with SIGKILL, then stopped with SIGTERM, while a
batch runs and a session holds Python variables and runs a statement, and each time
started again on the same data directory. The batch keeps its state, log and real exit
status; the session comes back (`recovering`, then `idle`) with its variables, its
statement history and ids, and the statement that ran across the restart finishes. Jobs of
the job API survive too: a finished one keeps its result, one queued across the SIGKILL
runs after it, and one running across the SIGTERM finishes.

This module runs its own livyd (the shared one must not be killed).
"""
from __future__ import annotations

import base64
import os
import signal
import sys
import time
from pathlib import Path

import cloudpickle

from livyd_testlib import (
    BATCH_FIXTURES,
    RESTART_SETTINGS,
    new_marker,
    start_livyd,
    stop_livyd,
    wait_until,
)

START_TIMEOUT = 120.0

# The jobs below are defined in this module, which the driver cannot import: pickle them by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def text_of(data: dict) -> str:
    return data.get("text/plain", "")


def submit_job(client, sid: int, fn) -> int:
    body = {"job": base64.b64encode(cloudpickle.dumps(fn)).decode("ascii"), "jobType": "pyspark"}
    return client.post_json(f"/sessions/{sid}/submit-job", body)["id"]


def wait_job(client, sid: int, job_id: int, states=("CANCELLED", "FAILED", "SUCCEEDED"), timeout=60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get_json(f"/sessions/{sid}/jobs/{job_id}")
        if job["state"] in states:
            return job
        assert time.monotonic() < deadline, f"job {job_id} not in {states} after {timeout} s: {job}"
        time.sleep(0.2)


def job_value(job: dict):
    """A SUCCEEDED job's value, as Livy's Python client reads it: base64 twice, then unpickle."""
    assert job["state"] == "SUCCEEDED", job
    return cloudpickle.loads(base64.b64decode(base64.b64decode(job["result"])))


def summing_job(ctx):
    return ctx.sc.parallelize(range(5), 2).sum()


def napping_job(ctx):
    import time as t
    t.sleep(5)
    return "woke up"


def restart(livyd_bin, spark_home, work, old, how: signal.Signals):
    """Stops livyd `old` with `how` (its children live on) and starts it again on the same data."""
    old.process.send_signal(how)
    rc = old.process.wait(timeout=30)
    if how == signal.SIGTERM:
        assert rc == 0, f"livyd exited {rc} on SIGTERM"
    new = start_livyd(livyd_bin, spark_home, work, RESTART_SETTINGS)
    new.markers.extend(old.markers)
    return new


def test_a_session_and_a_batch_survive_sigkill_and_sigterm_of_livyd(livyd_bin, spark_home, tmp_path_factory):
    work = Path(os.path.realpath(tmp_path_factory.mktemp("recovery")))
    marker = new_marker("recovery")
    client = start_livyd(livyd_bin, spark_home, work, RESTART_SETTINGS)
    client.markers.append(marker)
    try:
        sid = client.post_json("/sessions", {"kind": "pyspark", "name": marker,
                                             "conf": {"spark.ui.enabled": "false"}})["id"]
        client.wait_session_state(sid, "idle", START_TIMEOUT)
        assert text_of(client.run_ok(sid, "x = 41\nx")) == "41"
        finished_job = submit_job(client, sid, summing_job)
        assert job_value(wait_job(client, sid, finished_job)) == 10

        batch = client.post_json("/batches", {"file": str(BATCH_FIXTURES / "nap.py"),
                                              "args": ["12", "3", marker]})
        wait_until(lambda: any("napping" in line for line in client.full_log(batch["id"])), 60,
                   what="the batch to start napping")
        running = client.post_statement(sid, "import time\ntime.sleep(6)\ny = x + 1\ny")
        client.wait_statement(sid, running["id"], "running", 30)
        queued_job = submit_job(client, sid, summing_job)  # waits behind the statement, across the kill

        # 1. SIGKILL: nothing is written on the way out.
        client = restart(livyd_bin, spark_home, work, client, signal.SIGKILL)
        assert client.session_state(sid) in {"recovering", "busy", "idle"}
        assert client.state(batch["id"]) == "running"
        done = client.wait_statement(sid, running["id"], timeout=60)
        assert done["state"] == "available", done
        assert text_of(done["output"]["data"]) == "42"
        assert job_value(wait_job(client, sid, finished_job)) == 10
        assert job_value(wait_job(client, sid, queued_job)) == 10
        client.wait_session_state(sid, "idle", 60)
        # The variables live on, and the ids go on after the stored ones.
        after = client.post_statement(sid, "x + y")
        assert after["id"] == running["id"] + 1
        data = client.wait_statement(sid, after["id"])["output"]["data"]
        assert text_of(data) == "83"
        log = client.get_json(f"/sessions/{sid}/log", params={"size": 1000})["log"]
        assert any("the driver reconnected" in line for line in log), log[-20:]

        # The batch was adopted: its real exit status (3) makes it `dead`, its log is whole.
        assert client.wait_terminal(batch["id"], 60) == "dead"
        log = client.full_log(batch["id"])
        assert any("napping" in line for line in log) and any("exiting with 3" in line for line in log), log

        # 2. SIGTERM: a clean stop leaves the session running for the next start; a job runs across it.
        client.wait_session_state(sid, "idle", 60)
        napping = submit_job(client, sid, napping_job)
        wait_job(client, sid, napping, states=("STARTED",), timeout=30)
        client = restart(livyd_bin, spark_home, work, client, signal.SIGTERM)
        assert job_value(wait_job(client, sid, napping)) == "woke up"
        client.wait_session_state(sid, "idle", 60)
        assert text_of(client.run_ok(sid, "x * 2")) == "82"
        statements = client.get_json(f"/sessions/{sid}/statements")
        assert statements["total_statements"] == 4
        assert [s["state"] for s in statements["statements"]] == ["available"] * 4
    finally:
        problems = stop_livyd(client)
        assert not problems, problems
