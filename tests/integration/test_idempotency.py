"""Idempotent create on real Spark (docs/rest-api.md, "Idempotent create"): POST /batches with
an Idempotency-Key is 201 once, then 200 with the same batch (one spark-submit, one
application), 409 with a different body, and the same after livyd is killed with SIGKILL and
started again, and after a clean SIGTERM restart. Concurrent retries create one batch.
POST /sessions likewise creates one real pyspark session under a key; once it is deleted,
its key is a 409.

The batch test runs its own livyd (the shared one must not be killed).
"""
from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from livyd_testlib import (
    BATCH_FIXTURES,
    RESTART_SETTINGS,
    new_marker,
    start_livyd,
    stop_livyd,
)


def restart(livyd_bin, spark_home, work, old, how: signal.Signals):
    """Stops livyd `old` with `how` (its children live on) and starts it again on the same data."""
    old.process.send_signal(how)
    rc = old.process.wait(timeout=30)
    if how == signal.SIGTERM:
        assert rc == 0, f"livyd exited {rc} on SIGTERM"
    new = start_livyd(livyd_bin, spark_home, work, RESTART_SETTINGS)
    new.markers.extend(old.markers)
    return new


def batch_ids(client) -> list[int]:
    return [b["id"] for b in client.get_json("/batches", params={"size": 1000})["sessions"]]


def test_a_retried_batch_create_starts_one_application_across_restarts(livyd_bin, spark_home,
                                                                       tmp_path_factory):
    work = Path(os.path.realpath(tmp_path_factory.mktemp("idempotency")))
    marker = new_marker("idempotency")
    client = start_livyd(livyd_bin, spark_home, work, RESTART_SETTINGS)
    client.markers.append(marker)
    try:
        body = {"file": str(BATCH_FIXTURES / "nap.py"), "args": ["1", "0", marker],
                "conf": {"spark.ui.enabled": "false"}}
        key = {"Idempotency-Key": f"airflow-{marker}"}
        first = client.post("/batches", body, headers=key)
        created = client.json_of(first, 201)
        assert first.headers["Location"] == f"/batches/{created['id']}"

        # A retry, with the same request written differently (field order, spacing).
        raw = ('{"conf":{"spark.ui.enabled":"false"}, "args": ["1", "0", "%s"],\n "file": "%s"}'
               % (marker, BATCH_FIXTURES / "nap.py"))
        retry = client.request("POST", "/batches", data=raw,
                               headers={**key, "Content-Type": "application/json"})
        assert client.json_of(retry, 200)["id"] == created["id"]
        assert retry.headers["Location"] == f"/batches/{created['id']}"

        other = client.post("/batches", {**body, "args": ["2", "0", marker]}, headers=key)
        assert "different request" in client.json_of(other, 409)["msg"]
        bad = client.post("/batches", body, headers={"Idempotency-Key": "x" * 256})
        assert "requests.idempotency-max-key-bytes" in client.json_of(bad, 400)["msg"]

        # SIGKILL: the key was synced before the 201.
        client = restart(livyd_bin, spark_home, work, client, signal.SIGKILL)
        again = client.post("/batches", body, headers=key)
        assert client.json_of(again, 200)["id"] == created["id"]
        assert client.json_of(client.post("/batches", {**body, "name": "x"}, headers=key), 409)
        assert client.wait_terminal(created["id"], 120) == "success"
        assert any("awake, exiting with 0" in line for line in client.full_log(created["id"]))

        # SIGTERM: the same, and the finished batch is what a retry gets.
        client = restart(livyd_bin, spark_home, work, client, signal.SIGTERM)
        done = client.post("/batches", body, headers=key)
        reply = client.json_of(done, 200)
        assert reply["id"] == created["id"]
        assert reply["state"] == "success"
        assert batch_ids(client) == [created["id"]]  # one batch in all: one spark-submit

        # Eight concurrent POSTs with a new key: one batch, seven replays.
        key2 = {"Idempotency-Key": f"burst-{marker}"}
        statuses: list[tuple[int, int]] = []
        lock = threading.Lock()

        def post_once():
            resp = client.post("/batches", body, headers=key2)
            with lock:
                statuses.append((resp.status_code, resp.json()["id"]))

        threads = [threading.Thread(target=post_once) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(s for s, _ in statuses) == [200] * 7 + [201], statuses
        assert len({i for _, i in statuses}) == 1, statuses
        assert len(batch_ids(client)) == 2
        assert client.wait_terminal(statuses[0][1], 120) == "success"
    finally:
        problems = stop_livyd(client)
        assert not problems, problems


def test_a_retried_session_create_gets_the_same_session(livyd):
    """On the shared livyd: a real pyspark session, created once under a key."""
    marker = new_marker("idem-session")
    key = {"Idempotency-Key": marker}
    body = {"kind": "pyspark", "name": marker, "conf": {"spark.ui.enabled": "false"}}
    first = livyd.json_of(livyd.post("/sessions", body, headers=key), 201)
    sid = first["id"]
    try:
        retry = livyd.post("/sessions", {"conf": {"spark.ui.enabled": "false"}, "name": marker,
                                         "kind": "python"}, headers=key)
        assert livyd.json_of(retry, 200)["id"] == sid
        assert retry.headers["Location"] == f"/sessions/{sid}"
        other = livyd.post("/sessions", {**body, "driverMemory": "1g"}, headers=key)
        assert "different request" in livyd.json_of(other, 409)["msg"]
        livyd.wait_session_state(sid, "idle", 120)
        assert livyd.run_ok(sid, "1 + 1")["text/plain"] == "2"
        assert livyd.json_of(livyd.post("/sessions", body, headers=key), 200)["state"] == "idle"
        named = [s for s in livyd.get_json("/sessions", params={"size": 1000})["sessions"] if s["name"] == marker]
        assert [s["id"] for s in named] == [sid]
    finally:
        livyd.delete(f"/sessions/{sid}")
    gone = livyd.post("/sessions", body, headers=key)
    assert "no longer exists" in livyd.json_of(gone, 409)["msg"]
