"""Real-Spark integration tests of Scala statements (kind `spark`, alias `scala`).

One Scala session is shared by the whole module. Being a `spark` session, it compiles the
driver's Scala REPL (unless livyd's driver cache has it) and starts the interpreter before it
becomes idle, which takes tens of seconds on a busy 2-core machine; its statements then take
about a second, the first one included. The tests run in file order and build on each
other's variables where they say so. The last one starts a second `spark` session and
deletes it while it warms up.
"""
from __future__ import annotations

import json
import re
import time

import pytest

from livyd_testlib import (LivydClient, descendants, new_marker, process_table, procs_with_marker, still_alive,
                           wait_until)

START_TIMEOUT = 300.0       # seconds to idle: Spark, then the REPL's compile and start, on a loaded machine
STATEMENT_TIMEOUT = 90.0
CANCEL_DEADLINE = 20.0       # seconds from cancel to `cancelled`


WARMED_UP = "livy_driver: the Scala interpreter started in"
COMPILED = "livy_driver: compiled the Scala interpreter"


def session_log(livyd, sid) -> list[str]:
    return livyd.get_json(f"/sessions/{sid}/log", params={"from": 0, "size": 100000})["log"]


@pytest.fixture(scope="module")
def scala(livyd: LivydClient, hello_jar):
    """The id of an idle session created with kind `scala` (Livy's alias of `spark`), with
    the test jar of conftest.py in `jars`. Its log as it was when the session became idle is
    kept in the module's IDLE_LOG."""
    body = {"kind": "scala", "name": new_marker("scala"), "conf": {"spark.ui.showConsoleProgress": "false"},
            "jars": [str(hello_jar)]}
    livyd.markers.append(body["name"])
    t0 = time.monotonic()
    created = livyd.post_json("/sessions", body)
    sid = created["id"]
    try:
        assert created["kind"] == "spark", f"the alias must be echoed as the canonical kind: {created}"
        livyd.wait_session_state(sid, "idle", timeout=START_TIMEOUT)
        print(f"spark session idle after {time.monotonic() - t0:.1f} s (Spark, compile if not cached, REPL start)")
        # The driver logs the REPL's start before it says `ready`, but livyd reads the log
        # every monitor.interval: the line may reach /log a poll after the state is idle.
        # No statement has been sent yet, so the warm-up still came before the first one.
        wait_until(lambda: any(WARMED_UP in l for l in session_log(livyd, sid)), timeout=10, interval=0.2,
                   what="the REPL start in the session log")
        IDLE_LOG[:] = session_log(livyd, sid)
        yield sid
    finally:
        livyd.delete(f"/sessions/{sid}")


IDLE_LOG: list[str] = []


def text_of(livyd, sid, code, kind=None, timeout=STATEMENT_TIMEOUT) -> str:
    data = livyd.run_ok(sid, code, kind, timeout)
    assert set(data) == {"text/plain"}, data
    return data["text/plain"]


def error_of(livyd, sid, code, kind=None) -> dict:
    st = livyd.run(sid, code, kind, timeout=STATEMENT_TIMEOUT)
    out = st["output"]
    assert st["state"] == "available" and out["status"] == "error", st
    assert isinstance(out["ename"], str) and isinstance(out["evalue"], str), out
    assert isinstance(out["traceback"], list) and all(isinstance(l, str) for l in out["traceback"]), out
    return out


def cancel(livyd, sid, stid):
    resp = livyd.post(f"/sessions/{sid}/statements/{stid}/cancel")
    assert livyd.json_of(resp, expect=200) == {"msg": "canceled"}


def test_the_repl_is_warm_once_the_session_is_idle(livyd, scala):
    # The warm-up happened while the session was `starting`: by `idle`, livyd had noted it, the
    # helper was compiled (the module's livyd starts with an empty driver cache) and the REPL
    # had started.
    assert any("livyd: the driver's SparkSession is up; it warms up the interpreter" in l for l in IDLE_LOG), IDLE_LOG[-30:]
    assert any("livy_driver: warming up the Scala interpreter" in l for l in IDLE_LOG), IDLE_LOG[-30:]
    assert sum(COMPILED in l for l in IDLE_LOG) == 1, IDLE_LOG[-30:]
    assert sum(WARMED_UP in l for l in IDLE_LOG) == 1, IDLE_LOG[-30:]
    print("warm-up: " + " | ".join(l for l in IDLE_LOG if COMPILED in l or WARMED_UP in l))


def test_first_statement_defines_a_variable_then_it_persists(livyd, scala):
    t0 = time.monotonic()
    first = text_of(livyd, scala, "val x = 40")
    print(f"first Scala statement after idle: {time.monotonic() - t0:.2f} s")
    assert "x: Int = 40" in first, first
    # It used the warm REPL: no compile and no second start since the session became idle.
    log = session_log(livyd, scala)
    assert sum(COMPILED in l for l in log) == 1 and sum(WARMED_UP in l for l in log) == 1, log[-30:]
    t0 = time.monotonic()
    assert "Int = 42" in text_of(livyd, scala, "x + 2")
    print(f"second Scala statement: {time.monotonic() - t0:.2f} s")


def test_spark_is_predefined(livyd, scala):
    assert "Long = 10" in text_of(livyd, scala, "spark.range(10).count()")
    assert "String = local" in text_of(livyd, scala, "sc.master")


def test_the_session_jars_are_visible(livyd, scala):
    assert "String = livyd.test.HelloJob" in text_of(livyd, scala, "classOf[livyd.test.HelloJob].getName")


def test_long_values_are_not_cut(livyd, scala):
    text = text_of(livyd, scala, '"x" * 3000')
    assert "x" * 3000 in text, text[-100:]


def test_text_keeps_its_trailing_newline_as_in_livy(livyd, scala):
    # Livy trims Python's and R's text/plain, not Scala's (pylivy's tests against Livy expect "foo\n").
    assert text_of(livyd, scala, 'println("foo")') == "foo\n"
    text = text_of(livyd, scala, "20 + 22")
    assert re.fullmatch(r"(val )?res\d+: Int = 42\n", text), repr(text)  # "val " on Scala 2.13


def test_println_and_multiple_lines(livyd, scala):
    text = text_of(livyd, scala, 'println("hello")\nval y = "hi"\ny.length')
    assert text.startswith("hello\n"), text
    assert 'y: String = hi' in text and "Int = 2" in text, text


def test_compile_error(livyd, scala):
    out = error_of(livyd, scala, "undefinedName + 1")
    assert out["ename"] == "Error", out
    assert "not found: value undefinedName" in out["evalue"], out
    assert any("undefinedName" in line for line in out["traceback"]), out
    # The failed statement defined nothing and broke nothing.
    assert "Int = 41" in text_of(livyd, scala, "x + 1")


def test_runtime_exception(livyd, scala):
    out = error_of(livyd, scala, "1 / (x - 40)")
    assert out["ename"] == "java.lang.ArithmeticException", out
    assert out["evalue"] == "/ by zero", out
    assert out["traceback"] and out["traceback"][0].startswith("java.lang.ArithmeticException"), out


def test_incomplete_statement(livyd, scala):
    out = error_of(livyd, scala, "def f(a: Int) = {")
    assert out["ename"] == "Error" and "incomplete" in out["evalue"], out


def test_temp_views_are_shared_with_python(livyd, scala):
    livyd.run_ok(scala, "spark.range(5).createOrReplaceTempView('from_python')", kind="pyspark")
    assert "Long = 5" in text_of(livyd, scala, 'spark.table("from_python").count()', kind="spark")
    text_of(livyd, scala, 'Seq(("a", 1), ("b", 2)).toDF("k", "v").createOrReplaceTempView("from_scala")')
    data = livyd.run_ok(scala, "sorted(r.k for r in spark.table('from_scala').collect())", kind="pyspark")
    assert data == {"text/plain": "['a', 'b']"}, data
    sql = livyd.run_ok(scala, "SELECT sum(v) AS s FROM from_scala", kind="sql")
    assert sql["application/json"]["data"] == [[3]], sql


def test_closures_run_on_executors(livyd, scala):
    # The closure captures the REPL's x: executors load the REPL's classes from the driver.
    assert "Double = 455.0" in text_of(livyd, scala, "sc.parallelize(1 to 10).map(_ + x).sum")
    text_of(livyd, scala, "case class Point(a: Int, b: String)")
    text = text_of(livyd, scala, "sc.parallelize(1 to 3, 3).map(i => Point(i, i.toString)).collect().toList")
    assert "List(Point(1,1), Point(2,2), Point(3,3))" in text, text
    text = text_of(livyd, scala, "Seq(Point(1, \"a\"), Point(2, \"b\")).toDS().map(_.a * 10).collect().sum")
    assert "Int = 30" in text, text


def test_statements_carry_their_job_group(livyd, scala):
    st = livyd.post_statement(scala, 'sc.getLocalProperty("spark.jobGroup.id")')
    done = livyd.wait_statement(scala, st["id"], timeout=STATEMENT_TIMEOUT)
    assert f'String = livy-statement-{st["id"]}' in done["output"]["data"]["text/plain"], done


def test_cancel_a_running_spark_job(livyd, scala):
    # 1000 one-second tasks on local[2]: minutes of work, with progress visible early.
    st = livyd.post_statement(scala, "sc.parallelize(1 to 1000, 1000).map { i => Thread.sleep(1000); i }.count")
    livyd.wait_statement(scala, st["id"], {"running"}, timeout=STATEMENT_TIMEOUT)
    seen = []

    def progressing():
        cur = livyd.statement(scala, st["id"])
        seen.append(cur["progress"])
        return cur["state"] != "running" or 0.0 < cur["progress"] < 1.0

    wait_until(progressing, timeout=30, interval=0.5, what="progress of the Scala statement's job")
    t0 = time.monotonic()
    cancel(livyd, scala, st["id"])
    livyd.wait_statement(scala, st["id"], {"cancelled"}, timeout=CANCEL_DEADLINE)
    print(f"Spark job cancelled in {time.monotonic() - t0:.1f} s")
    assert 0.0 < seen[-1] < 1.0, seen
    livyd.wait_session_state(scala, "idle", timeout=10)
    assert "Int = 42" in text_of(livyd, scala, "x + 2"), "the REPL must survive a cancel"
    assert "Long = 3" in text_of(livyd, scala, "spark.range(3).count()")


def test_cancel_scala_code_without_a_job(livyd, scala):
    # No Spark job to cancel: the REPL's thread is interrupted in its sleep.
    st = livyd.post_statement(scala, "Thread.sleep(600000)")
    livyd.wait_statement(scala, st["id"], {"running"}, timeout=STATEMENT_TIMEOUT)
    t0 = time.monotonic()
    cancel(livyd, scala, st["id"])
    done = livyd.wait_statement(scala, st["id"], {"cancelled"}, timeout=CANCEL_DEADLINE)
    assert done["output"]["ename"] == "java.lang.InterruptedException", json.dumps(done)
    print(f"sleeping Scala statement cancelled in {time.monotonic() - t0:.1f} s")
    livyd.wait_session_state(scala, "idle", timeout=10)
    assert "Int = 42" in text_of(livyd, scala, "x + 2")


def test_completion(livyd, scala):
    resp = livyd.post(f"/sessions/{scala}/completion", {"code": "spark.rang", "kind": "spark", "cursor": 10})
    body = livyd.json_of(resp, expect=200)
    assert set(body) == {"candidates"} and "range" in body["candidates"], body
    assert body["candidates"] == sorted(set(body["candidates"])), body
    # The session's kind is the default; the cursor cuts the code.
    resp = livyd.post(f"/sessions/{scala}/completion", {"code": "x.toStr + 1", "cursor": 7})
    assert "toString" in livyd.json_of(resp, expect=200)["candidates"]


def test_deleting_a_spark_session_while_it_warms_up_leaves_no_process(livyd, scala):
    # A second `spark` session; the helper jar is cached by now, so its warm-up is the REPL's start.
    name = new_marker("scala-warming")
    livyd.markers.append(name)
    sid = livyd.post_json("/sessions", {"kind": "spark", "name": name,
                                        "conf": {"spark.ui.enabled": "false"}})["id"]
    wait_until(lambda: any("warming up the Scala interpreter" in l for l in session_log(livyd, sid)),
               timeout=START_TIMEOUT, interval=0.2, what="the second session's warm-up")
    assert livyd.session_state(sid) == "starting", "a spark session is not idle before its REPL is up"
    table = process_table()
    procs = [table[pid] for pid in descendants({p.pid for p in procs_with_marker(name, table)}, table)]
    assert len(procs) >= 2, procs  # spark-submit's JVM and the Python driver at least
    t0 = time.monotonic()
    livyd.delete(f"/sessions/{sid}")
    wait_until(lambda: not still_alive(procs), timeout=30, what="the warming session's processes to end")
    print(f"warming session's {len(procs)} processes gone {time.monotonic() - t0:.1f} s after DELETE")
    assert livyd.get(f"/sessions/{sid}").status_code == 404
    # The first session did not notice.
    assert "Int = 42" in text_of(livyd, scala, "x + 2")
