"""Statements in parallel in one session (the opt-in conf key livy.statements.parallel), on
real Spark: four SQL statements of ~2 s each finish together, a cancel stops only its own
statement, named REPLs (`%repl NAME`) keep their variables while the default namespaces are
separate, output is captured per statement; and a session without the opt-in still runs
one statement at a time, as Livy does.

This module runs its own livyd with local[4]: four statements' tasks must find a core each.
"""
from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from livyd_testlib import RESTART_SETTINGS, running_livyd, start_livyd, stop_livyd

START_TIMEOUT = 180.0
MAX_PARALLEL = 6  # statements.max-parallel of this module's livyd


def sleeping_sql(ms: int, value: int) -> str:
    """A SQL statement whose one Spark job of one task (one partition) sleeps `ms` on an
    executor thread (interruptible), then returns `value`."""
    return (f"SELECT {value} AS n, reflect('java.lang.Thread', 'sleep', CAST({ms} AS BIGINT)) AS slept "
            f"FROM range(0, 1, 1, 1)")


def rows(st: dict) -> list:
    out = st["output"]
    assert st["state"] == "available" and out["status"] == "ok", st
    return out["data"]["application/json"]["data"]


@pytest.fixture(scope="module")
def livyd4(livyd_bin, spark_home, tmp_path_factory):
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd-parallel")))
    settings = {"spark.master": "local[4]", "statements.max-parallel": str(MAX_PARALLEL)}
    with running_livyd(livyd_bin, spark_home, work, settings) as client:
        yield client


def start_session(client, conf: dict | None = None) -> int:
    body = {"kind": "pyspark", "conf": dict(conf or {})}
    sid = client.post_json("/sessions", body)["id"]
    client.wait_session_state(sid, {"idle"}, timeout=START_TIMEOUT)
    return sid


@pytest.fixture(scope="module")
def parallel_session(livyd4):
    sid = start_session(livyd4, {"livy.statements.parallel": "4"})
    # The first SQL statement pays for the planner's warm-up: not part of what is measured.
    rows(livyd4.run(sid, sleeping_sql(10, 0), kind="sql", timeout=120))
    yield sid
    livyd4.delete(f"/sessions/{sid}")


def timeline(statements) -> str:
    """When each statement started and completed, in ms from the first start."""
    t0 = min(st["started"] for st in statements)
    return ", ".join(f"#{st['id']} {st['started'] - t0}..{st['completed'] - t0}" for st in statements)


def post_all(client, sid, statements) -> list[int]:
    """Posts (code, kind) pairs at once; their ids in order."""
    return [client.post_statement(sid, code, kind)["id"] for code, kind in statements]


def wait_all(client, sid, ids, timeout=60.0) -> list[dict]:
    with ThreadPoolExecutor(len(ids)) as pool:
        return list(pool.map(lambda i: client.wait_statement(sid, i, timeout=timeout), ids))


def test_the_opt_in_is_checked(livyd4):
    for bad in ("0", "-1", "two", "2.5", str(MAX_PARALLEL + 1), ""):
        resp = livyd4.post("/sessions", {"kind": "pyspark", "conf": {"livy.statements.parallel": bad}})
        assert resp.status_code == 400, (bad, resp.text)
        assert "livy.statements.parallel" in resp.json()["msg"] and "statements.max-parallel" in resp.json()["msg"]


def test_four_sql_statements_of_2s_finish_together(livyd4, parallel_session):
    sid = parallel_session
    assert livyd4.session(sid)["conf"].get("livy.statements.parallel") == "4"
    began = time.monotonic()
    ids = post_all(livyd4, sid, [(sleeping_sql(2000, i), "sql") for i in range(1, 5)])
    done = wait_all(livyd4, sid, ids)
    took = time.monotonic() - began
    assert [rows(st)[0][0] for st in done] == [1, 2, 3, 4]
    # Serially they take 8 s; together about 2 s, plus the round trips of a loaded machine.
    # Each started before any of them completed: they ran at the same time.
    assert max(st["started"] for st in done) < min(st["completed"] for st in done), timeline(done)
    assert took < 5.0, f"four 2 s statements took {took:.1f} s: {timeline(done)}"


def test_cancel_stops_only_its_own_statement(livyd4, parallel_session):
    sid = parallel_session
    ids = post_all(livyd4, sid, [(sleeping_sql(4000, i), "sql") for i in range(11, 15)])
    for i in ids:
        livyd4.wait_statement(sid, i, states={"running"}, timeout=30)
    assert livyd4.session_state(sid) == "busy"
    began = time.monotonic()
    livyd4.post_json(f"/sessions/{sid}/statements/{ids[1]}/cancel", {}, expect=200)
    cancelled = livyd4.wait_statement(sid, ids[1], timeout=30)
    cancel_took = time.monotonic() - began
    assert cancelled["state"] == "cancelled", cancelled
    others = wait_all(livyd4, sid, [ids[0], ids[2], ids[3]])
    assert [rows(st)[0][0] for st in others] == [11, 13, 14]
    # The cancelled one ended well before the others' 4 s sleeps.
    assert cancelled["completed"] < min(st["completed"] for st in others), (cancelled, others)
    assert cancel_took < 3.5, f"the cancel took {cancel_took:.1f} s"
    livyd4.wait_session_state(sid, {"idle"}, timeout=30)


def test_named_repls_persist_and_default_namespaces_are_separate(livyd4, parallel_session):
    sid = parallel_session
    assert livyd4.run_ok(sid, "%repl etl\nx = 41\nx")["text/plain"] == "41"
    assert livyd4.run_ok(sid, "%repl etl\nx += 1\nx")["text/plain"] == "42"
    # Another REPL, and the default namespaces, do not see it.
    other = livyd4.run(sid, "%repl other\nx")
    assert other["output"]["status"] == "error" and other["output"]["ename"] == "NameError", other
    livyd4.run_ok(sid, "y = 5")
    alone = livyd4.run(sid, "y")
    assert alone["output"]["status"] == "error" and alone["output"]["ename"] == "NameError", alone
    # Each namespace has the session's SparkSession.
    assert livyd4.run_ok(sid, "spark.range(7).count()")["text/plain"] == "7"
    # Statements of one REPL run in order, one at a time, even when posted together.
    ids = post_all(livyd4, sid, [("%repl seq\nimport time\nlog = []\ntime.sleep(1)\nlog.append('a')", "pyspark"),
                                 ("%repl seq\nlog.append('b')\n','.join(log)", "pyspark")])
    first, second = wait_all(livyd4, sid, ids)
    assert second["output"]["data"]["text/plain"] == "'a,b'", second
    assert second["started"] >= first["completed"], (first, second)
    # A bad name is refused at submit.
    resp = livyd4.post(f"/sessions/{sid}/statements", {"code": "%repl no/slash\n1"})
    assert resp.status_code == 400 and "%repl" in resp.json()["msg"], resp.text


def test_output_is_captured_per_statement(livyd4, parallel_session):
    sid = parallel_session
    code = ("import time\nfor i in range(20):\n    print('{tag}', i)\n    time.sleep(0.05)")
    ids = post_all(livyd4, sid, [(code.format(tag=tag), "pyspark") for tag in ("alpha", "beta", "gamma")])
    done = wait_all(livyd4, sid, ids)
    for tag, st in zip(("alpha", "beta", "gamma"), done):
        text = st["output"]["data"]["text/plain"]
        assert text.splitlines() == [f"{tag} {i}" for i in range(20)], text
    assert max(st["started"] for st in done) < min(st["completed"] for st in done), done


def test_a_session_without_the_opt_in_runs_one_statement_at_a_time(livyd4):
    sid = start_session(livyd4)
    try:
        rows(livyd4.run(sid, sleeping_sql(10, 0), kind="sql", timeout=120))
        ids = post_all(livyd4, sid, [(sleeping_sql(1500, i), "sql") for i in (1, 2)])
        second = livyd4.statement(sid, ids[1])
        assert second["state"] == "waiting", second
        first, second = wait_all(livyd4, sid, ids)
        assert [rows(first)[0][0], rows(second)[0][0]] == [1, 2]
        assert second["started"] >= first["completed"], (first, second)
        # One namespace, as in Livy: a %repl line changes nothing there.
        livyd4.run_ok(sid, "z = 3")
        assert livyd4.run_ok(sid, "%repl any\nz")["text/plain"] == "3"
    finally:
        livyd4.delete(f"/sessions/{sid}")


def test_statements_in_parallel_survive_a_sigkill_of_livyd(livyd_bin, spark_home, tmp_path_factory):
    """Three statements in flight (two running, one about to finish while livyd is down) and
    one waiting: after the restart each finishes once, with its own result, and the named
    REPL keeps its variables."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("parallel-recovery")))
    settings = dict(RESTART_SETTINGS, **{"spark.master": "local[2]"})
    client = start_livyd(livyd_bin, spark_home, work, settings)
    try:
        sid = client.post_json("/sessions", {"kind": "pyspark", "conf": {"livy.statements.parallel": "3",
                                                                         "spark.ui.enabled": "false"}})["id"]
        client.wait_session_state(sid, {"idle"}, START_TIMEOUT)
        assert client.run_ok(sid, "%repl r\nx = 40\nx")["text/plain"] == "40"
        ids = post_all(client, sid, [("%repl r\nimport time\ntime.sleep(6)\nx += 1\nx", "pyspark"),
                                     ("import time\ntime.sleep(6)\n'b'", "pyspark"),
                                     ("import time\ntime.sleep(1)\n'c'", "pyspark"),
                                     ("%repl r\nx + 1", "pyspark")])  # waits behind the first in REPL r
        for i in ids[:3]:
            client.wait_statement(sid, i, {"running"}, 30)
        client.process.send_signal(signal.SIGKILL)
        client.process.wait(timeout=30)
        time.sleep(1.5)  # 'c' finishes while livyd is down: its result is replayed
        client = start_livyd(livyd_bin, spark_home, work, settings)
        done = wait_all(client, sid, ids, timeout=90)
        texts = [st["output"]["data"]["text/plain"] for st in done]
        assert [st["state"] for st in done] == ["available"] * 4, done
        assert texts == ["41", "'b'", "'c'", "42"], texts
        counts = [st["output"]["execution_count"] for st in done]
        assert len(set(counts)) == 4, counts  # each ran once
        client.wait_session_state(sid, {"idle"}, 60)
    finally:
        problems = stop_livyd(client)
        assert not problems, problems
