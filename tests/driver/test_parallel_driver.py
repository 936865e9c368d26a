"""lib/drivers/python/livy_parallel.py through a real spark-submit of the driver with
spark.livy.driver.parallel=3: this file plays livyd, sending several `execute`s before their
results (as livyd does for a session with livy.statements.parallel). Statements overlap,
each captures its own output, a cancel stops only its own statement (Python code, a Spark
job), `%repl NAME` namespaces persist while the others are fresh, and job groups and
fair-scheduler pools are per statement.
"""
from __future__ import annotations

import time

import pytest

from test_python_driver import RESULT_TIMEOUT, start_driver, stop_driver


@pytest.fixture(scope="module")
def pdriver(tmp_path_factory):
    session = start_driver(tmp_path_factory.mktemp("parallel"), "parallel", parallel=3)
    yield session
    stop_driver(session)


def send(d, code, kind="pyspark") -> int:
    return d.submit(code, kind)


def wait(d, kind, statement_id, timeout):
    """The `kind` message of the statement; the messages of other statements read meanwhile
    are kept for their own wait (statements in parallel interleave theirs)."""
    kept = d.__dict__.setdefault("kept", [])
    for m in kept:
        if m.get("type") == kind and m.get("id") == statement_id:
            kept.remove(m)
            return m
    msg, seen = d.channel.wait_for(lambda m: m.get("type") == kind and m.get("id") == statement_id, timeout,
                                   "%s of statement %d" % (kind, statement_id))
    kept.extend(seen)
    return msg


def result(d, statement_id, timeout=RESULT_TIMEOUT) -> dict:
    return wait(d, "result", statement_id, timeout)


def started(d, statement_id, timeout=30.0):
    wait(d, "started", statement_id, timeout)


def text(d, code) -> str:
    msg = result(d, send(d, code))
    assert msg["output"]["status"] == "ok" and not msg["cancelled"], msg
    return msg["output"]["data"]["text/plain"]


def test_statements_overlap_and_capture_their_own_output(pdriver):
    code = "import time\nfor i in range(10):\n    print('%s', i)\n    time.sleep(0.1)\n'%s done'"
    began = time.monotonic()
    ids = [send(pdriver, code % (tag, tag)) for tag in ("a", "b", "c")]
    outs = [result(pdriver, i) for i in ids]
    took = time.monotonic() - began
    for tag, msg in zip("abc", outs):
        assert msg["output"]["status"] == "ok", msg
        lines = msg["output"]["data"]["text/plain"].splitlines()
        assert lines == ["%s %d" % (tag, i) for i in range(10)] + ["'%s done'" % tag], lines
    assert took < 2.5, "three 1 s statements took %.1f s" % took  # one at a time: 3 s
    counts = sorted(m["output"]["execution_count"] for m in outs)
    assert len(set(counts)) == 3, counts


def test_named_repls_keep_variables_and_default_namespaces_are_fresh(pdriver):
    assert text(pdriver, "%repl one\nx = 1\nx") == "1"
    assert text(pdriver, "%repl one\nx + 1") == "2"
    assert text(pdriver, "%repl two\n'x' in dir()") == "False"
    assert text(pdriver, "y = 3\ny") == "3"
    assert text(pdriver, "'y' in dir(), spark.range(4).count()") == "(False, 4)"


def test_cancel_stops_only_its_own_statement(pdriver):
    loop = send(pdriver, "n = 0\nwhile True:\n    n += 1")
    job = send(pdriver, 'spark.range(10**11).selectExpr("sum(id)").collect()')
    other = send(pdriver, "import time\ntime.sleep(2)\n'other done'")
    for i in (loop, job, other):
        started(pdriver, i)
    wait(pdriver, "progress", job, 30)
    pdriver.channel.send({"type": "cancel", "id": loop})
    pdriver.channel.send({"type": "cancel", "id": job})
    for i in (loop, job):
        msg = result(pdriver, i, timeout=15)
        assert msg["cancelled"] is True and msg["output"]["status"] == "error", msg
    assert result(pdriver, other)["output"]["data"]["text/plain"] == "'other done'"
    assert text(pdriver, "1 + 1") == "2"


def test_a_cancel_never_lands_inside_a_py4j_call(pdriver):
    """A statement that does nothing but py4j calls is cancelled while another statement makes
    py4j calls and collects. The cancelled thread is inside a call nearly all the time, so its
    interrupt is nearly always delivered by livy_parallel.JavaCalls when a call returns (an
    interrupt that only waited for the thread to be outside the JVM never landed here), and the
    other statement's calls and every worker's JVM connection are unharmed."""
    looping = "i = 0\nwhile True:\n    i += 1\n    assert sc._jvm.java.lang.Math.abs(-i) == i"
    checking = ("good = 0\nfor r in range(30):\n"
                "    good += len(spark.range(3000).collect()) == 3000\n"
                "    good += all(sc._jvm.java.lang.Math.abs(-k) == k for k in range(40))\n"
                "good")
    for _ in range(4):
        loop, check = send(pdriver, looping), send(pdriver, checking)
        for i in (loop, check):
            started(pdriver, i)
        time.sleep(0.3)
        pdriver.channel.send({"type": "cancel", "id": loop})
        msg = result(pdriver, loop, timeout=15)
        assert msg["cancelled"] is True and msg["output"]["ename"] == "KeyboardInterrupt", msg
        checked = result(pdriver, check)
        assert checked["output"]["status"] == "ok", checked
        assert checked["output"]["data"]["text/plain"] == "60", checked
    # Every worker still reaches the JVM.
    outs = [result(pdriver, i) for i in [send(pdriver, "sc._jvm.java.lang.Math.abs(-7)") for _ in range(3)]]
    assert [m["output"]["data"]["text/plain"] for m in outs] == ["7"] * 3, outs


def test_a_cancelled_sleep_ends_when_the_sleep_returns(pdriver):
    statement_id = send(pdriver, "import time\ntime.sleep(1.5)\nwhile True:\n    pass")
    started(pdriver, statement_id)
    pdriver.channel.send({"type": "cancel", "id": statement_id})
    msg = result(pdriver, statement_id, timeout=10)
    assert msg["cancelled"] is True and msg["output"]["ename"] == "KeyboardInterrupt", msg


def test_job_groups_and_pools_are_per_statement(pdriver):
    code = ("import time\ntime.sleep(0.5)\n"
            "(sc.getLocalProperty('spark.jobGroup.id'), sc.getLocalProperty('spark.scheduler.pool'))")
    ids = [send(pdriver, code) for _ in range(3)]
    outs = [result(pdriver, i)["output"]["data"]["text/plain"] for i in ids]
    groups = [eval(o)[0] for o in outs]
    pools = {eval(o)[1] for o in outs}
    assert groups == ["livy-statement-%d" % i for i in ids], outs
    assert pools == {"livy-parallel-0", "livy-parallel-1", "livy-parallel-2"}, outs
    assert text(pdriver, "sc.getConf().get('spark.livy.driver.parallel')") == "'3'"


def test_sql_statements_run_beside_python(pdriver):
    sql = send(pdriver, "SELECT 42 AS n, reflect('java.lang.Thread', 'sleep', CAST(1000 AS BIGINT)) FROM range(1)",
               "sql")
    py = send(pdriver, "%repl one\nx * 10")
    assert result(pdriver, py)["output"]["data"]["text/plain"] == "10"
    # The Python statement did not wait for the SQL one's second.
    assert not any(m.get("type") == "result" and m.get("id") == sql for m in pdriver.kept), pdriver.kept
    msg = result(pdriver, sql)
    assert msg["output"]["data"]["application/json"]["data"][0][0] == 42, msg


def test_an_r_statement_is_cancelled_in_r_and_r_keeps_its_variables(pdriver):
    first = result(pdriver, send(pdriver, "kept <- 5\nkept", "sparkr"), timeout=120)  # starts R
    assert first["output"]["status"] == "ok" and first["output"]["data"]["text/plain"] == "[1] 5", first
    sleeping = send(pdriver, "Sys.sleep(30)", "sparkr")
    python = send(pdriver, "import time\ntime.sleep(1)\n'python done'")
    started(pdriver, sleeping)
    time.sleep(0.5)
    sent = time.monotonic()
    pdriver.channel.send({"type": "cancel", "id": sleeping})
    msg = result(pdriver, sleeping, timeout=15)
    assert time.monotonic() - sent < 5, "the R statement took %.1f s to stop" % (time.monotonic() - sent)
    assert msg["cancelled"] is True and msg["output"]["ename"] == "KeyboardInterrupt", msg
    assert result(pdriver, python)["output"]["data"]["text/plain"] == "'python done'"
    again = result(pdriver, send(pdriver, "kept", "sparkr"))
    assert again["output"]["data"]["text/plain"] == "[1] 5", again  # the same R process
