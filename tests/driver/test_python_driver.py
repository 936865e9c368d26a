"""lib/drivers/python/livy_driver.py on its own: this file plays livyd's side of the
driver channel (docs/driver-protocol.md) against a real spark-submit of the driver.

The driver gets its settings as livyd gives them, as Spark configuration
(spark.livy.driver.*, the secret in a properties file). One driver (local[2]) serves the
whole module, over TLS with a pinned certificate; a second one, over plain TCP, started with
spark.livy.sql.max-result=3 and a reconnect timeout, for a `spark` session whose Scala
warm-up fails at once, checks the row limit and the failed warm-up, then reconnecting to a
livyd that comes back, then the loss of the connection for good. The handshake failures end
before a SparkContext starts: the driver connects to livyd first.

Tests run in file order and share the first driver: test_shutdown must stay last.
"""
from __future__ import annotations

import re
import socket
import ssl
import time
from pathlib import Path

import pytest

from fake_livyd import (EOF, FakeLivyd, driver_conf, driver_env, group_members, kill_group, launch_driver,
                        log_tail, make_certificate)

SECRET = "driver-test-secret-0123456789"
SESSION_ID = 7
READY_TIMEOUT = 90.0
RESULT_TIMEOUT = 60.0
RECONNECT_TIMEOUT = 6.0  # the limited driver's spark.livy.driver.reconnect-timeout
DRIVER_FILE = "livy_driver.py"


class DriverSession:
    """One connected, ready driver and the statements sent to it."""

    def __init__(self, proc, channel, log_path: Path, hello: dict, ready: dict, server=None):
        self.proc, self.channel, self.log_path = proc, channel, log_path
        self.server = server  # the FakeLivyd, kept listening for a driver that reconnects
        self.hello, self.ready = hello, ready
        self.next_id = 0
        self.executed = 0  # statements that ran, i.e. the next expected execution_count
        self.consumed: dict[int, list] = {}  # messages about a statement read by expect() before its result

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def submit(self, code: str, kind: str = "pyspark") -> int:
        statement_id = self.new_id()
        self.channel.send({"type": "execute", "id": statement_id, "code": code, "kind": kind})
        return statement_id

    def expect(self, statement_id: int, kind: str, timeout: float = 30.0) -> dict:
        """Waits for a message of type kind about the statement (before its result)."""
        msg, seen = self.channel.wait_for(
            lambda m: m.get("type") in (kind, "result") and m.get("id") == statement_id, timeout,
            "%s of statement %d" % (kind, statement_id))
        assert msg["type"] == kind, "result came before any %s: %r" % (kind, msg)
        self.consumed.setdefault(statement_id, []).extend(seen + [msg])
        return msg

    def result(self, statement_id: int, timeout: float = RESULT_TIMEOUT):
        """Waits for the statement's result; returns (result message, messages before it)."""
        msg, seen = self.channel.wait_for(
            lambda m: m.get("type") == "result" and m.get("id") == statement_id, timeout,
            "result of statement %d" % statement_id)
        seen = self.consumed.pop(statement_id, []) + seen
        assert set(msg) == {"type", "id", "output", "cancelled"}, msg
        others = [m for m in seen if m.get("type") not in ("started", "progress")]
        assert not others, "unexpected messages while statement %d ran: %r" % (statement_id, others)
        for m in seen:
            assert m.get("id") == statement_id, "message for another statement: %r" % (m,)
        output = msg["output"]
        assert isinstance(output, dict), msg
        if seen:
            assert seen[0]["type"] == "started", "started must come first: %r" % (seen,)
            assert [m["type"] for m in seen].count("started") == 1, seen
        else:  # only a statement cancelled before it started, or one the driver could not read, sends no started
            assert ((msg["cancelled"] is True and output["evalue"] == "cancelled before it started")
                    or (msg["cancelled"] is False and output.get("ename") == "DriverProtocolError")), msg
        expected, self.executed = self.executed, output["execution_count"] + 1
        assert output["execution_count"] == expected, (output, expected)
        if output["status"] == "ok":
            assert set(output) == {"status", "execution_count", "data"}, output
        else:
            assert output["status"] == "error", output
            assert set(output) == {"status", "execution_count", "ename", "evalue", "traceback"}, output
            assert isinstance(output["traceback"], list), output
        return msg, seen

    def run(self, code: str, kind: str = "pyspark", timeout: float = RESULT_TIMEOUT) -> dict:
        """Runs one statement to completion; returns its output."""
        msg, _ = self.result(self.submit(code, kind), timeout)
        assert msg["cancelled"] is False, msg
        return msg["output"]

    def ok(self, code: str, kind: str = "pyspark") -> dict:
        """Runs a statement that must succeed; returns its data dict."""
        output = self.run(code, kind)
        assert output["status"] == "ok", "%r failed: %r\n%s" % (code, output, log_tail(self.log_path))
        return output["data"]

    def text(self, code: str) -> str:
        data = self.ok(code)
        assert set(data) == {"text/plain"}, data
        return data["text/plain"]

    def error(self, code: str, kind: str = "pyspark") -> dict:
        output = self.run(code, kind)
        assert output["status"] == "error", "%r should have failed: %r" % (code, output)
        return output


def start_driver(tmp_dir: Path, name: str, spark_conf: dict | None = None,
                 reconnect_timeout: float = 0, tls: bool = False, **settings) -> DriverSession:
    """spark-submits the driver against a fresh FakeLivyd and completes the handshake. With a
    reconnect timeout the FakeLivyd keeps listening (the session's `server`); with tls, it
    serves TLS with a certificate of its own, whose fingerprint the driver is given. A `spark`
    session (session_kind in settings) must say `warming` before `ready`."""
    if tls:
        cert, key, fingerprint = make_certificate(tmp_dir)
        server = FakeLivyd(tls=(cert, key))
        settings["tls_fingerprint"] = fingerprint
    else:
        server = FakeLivyd()
    log_path = tmp_dir / ("%s.log" % name)
    conf = dict(spark_conf or {})
    conf.update(driver_conf(server.address, SECRET, SESSION_ID, reconnect_timeout=reconnect_timeout, **settings))
    proc = launch_driver(driver_env(), log_path, conf)
    try:
        channel = server.accept(READY_TIMEOUT, proc)
        hello = channel.next(30)
        assert hello is not EOF
        assert hello == {"type": "hello", "version": 1, "session": SESSION_ID, "secret": SECRET,
                         "pid": hello.get("pid")}, hello
        assert isinstance(hello["pid"], int) and hello["pid"] > 0, hello
        channel.send({"type": "welcome"})
        if settings.get("session_kind") in ("spark", "scala"):
            warming = channel.next(READY_TIMEOUT)
            assert warming == {"type": "warming"}, warming
        ready = channel.next(READY_TIMEOUT)
        assert ready is not EOF and ready.get("type") == "ready", ready
        return DriverSession(proc, channel, log_path, hello, ready, server if reconnect_timeout else None)
    except BaseException as e:
        leftover = kill_group(proc)
        server.close()
        raise AssertionError("driver did not start: %s (left alive: %r)\n%s"
                             % (e, leftover, log_tail(log_path))) from e
    finally:
        if not reconnect_timeout:
            server.close()


def stop_driver(session: DriverSession):
    """Teardown: shuts the driver down if a test has not, kills its group, checks nothing is left."""
    if session.proc.poll() is None:
        try:
            session.channel.send({"type": "shutdown"})
            session.proc.wait(timeout=15)
        except Exception:
            pass
    session.channel.close()
    if session.server is not None:
        session.server.close()
    leftover = kill_group(session.proc)
    assert not leftover, "processes of the driver's group still alive: %r" % leftover


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    session = start_driver(tmp_path_factory.mktemp("driver"), "driver", tls=True)
    yield session
    stop_driver(session)


@pytest.fixture(scope="module")
def limited_driver(tmp_path_factory):
    # Also a `spark` session whose Scala warm-up fails at once: its cache directory cannot be
    # made (a file is in the way), so no compile runs.
    tmp = tmp_path_factory.mktemp("limited")
    (tmp / "a-file").write_text("")
    session = start_driver(tmp, "limited",
                           {"spark.livy.sql.max-result": "3", "spark.ui.enabled": "false"},
                           reconnect_timeout=RECONNECT_TIMEOUT, session_kind="spark",
                           cache_dir=tmp / "a-file" / "cache")
    yield session
    stop_driver(session)


# ---------------------------------------------------------------- handshake, basics

def test_ready_reports_the_application(driver):
    import pyspark
    assert re.fullmatch(r"local-\d+", driver.ready["appId"]), driver.ready
    assert driver.ready["sparkVersion"] == pyspark.__version__, driver.ready
    assert re.fullmatch(r"http://[^/]+:\d+", driver.ready["sparkUiUrl"]), driver.ready
    assert set(driver.ready) == {"type", "appId", "sparkUiUrl", "sparkVersion"}, driver.ready
    assert driver.hello["pid"] != driver.proc.pid  # the Python process, not spark-submit's JVM
    # A session of no kind (or pyspark) starts no Scala REPL: it pays nothing for Scala.
    log = driver.log_path.read_text(errors="replace")
    assert "warming up the Scala" not in log and "Scala interpreter started" not in log, log_tail(driver.log_path)


def test_state_persists_between_statements(driver):
    first = driver.executed
    output = driver.run("x = 40")
    assert output == {"status": "ok", "execution_count": first, "data": {"text/plain": ""}}
    output = driver.run("x + 2")
    assert output == {"status": "ok", "execution_count": first + 1, "data": {"text/plain": "42"}}
    assert driver.text("def add(a, b):\n    return a + b + x\n\nadd(1, 1)") == "42"
    assert driver.text("add(0, 0)") == "40"


def test_spark_objects_are_predefined(driver):
    assert driver.text("spark.range(1000).count()") == "1000"
    assert driver.text("type(sc).__name__") == "'SparkContext'"
    assert driver.text("sc.parallelize(range(10), 2).sum()") == "45"
    assert driver.text("sqlContext.sql('SELECT 6 * 7 AS v').collect()[0].v") == "42"


def test_the_driver_read_its_settings_from_spark_conf_and_hid_the_secret(driver):
    # It connected with them; the ones that are no secret stay in the conf, as Spark shows it.
    assert driver.text("spark.conf.get('spark.livy.driver.session-id')") == "'%d'" % SESSION_ID
    assert driver.text("spark.conf.get('spark.livy.driver.secret', 'absent')") == "'absent'"
    assert driver.text("sc.getConf().get('spark.livy.driver.secret', 'absent')") == "'absent'"
    assert driver.text("sc._jvm.java.lang.System.getProperty('spark.livy.driver.secret') is None") == "True"
    assert driver.text("import os\nsorted(k for k in os.environ if k.startswith('LIVY_'))") == "[]"


def test_the_channel_is_tls_with_the_pinned_certificate(driver):
    assert isinstance(driver.channel.sock, ssl.SSLSocket)
    assert driver.channel.sock.version() in ("TLSv1.2", "TLSv1.3"), driver.channel.sock.version()
    # A result far larger than one TLS record (16 KiB), and code as large, cross intact.
    assert driver.text("len('y' * 300000)") == "300000"
    assert len(driver.text("'z' * 100000")) == 100002
    code = "v = 0\n" + "v += 1\n" * 20000 + "v"
    assert driver.text(code) == "20000"


def test_stdout_is_captured(driver):
    assert driver.text('print("hello")') == "hello"
    assert driver.text('print("hello")\nprint("world")\n6 * 7') == "hello\nworld\n42"
    assert driver.text('print("trailing   \\n\\n")') == "trailing"
    assert driver.text("None") == ""
    assert driver.text("'a' * 3") == "'aaa'"


def test_name_error(driver):
    output = driver.error("y")
    assert output["ename"] == "NameError"
    assert output["evalue"] == "name 'y' is not defined"
    tb = "".join(output["traceback"])
    assert "<stdin>" in tb, output
    assert DRIVER_FILE not in tb, output
    assert output["traceback"][-1].startswith("NameError"), output


def test_error_raised_in_user_function_keeps_user_frames_only(driver):
    driver.ok("def inner():\n    raise ValueError('boom')\n\ndef outer():\n    inner()")
    output = driver.error("outer()")
    assert (output["ename"], output["evalue"]) == ("ValueError", "boom")
    tb = "".join(output["traceback"])
    assert tb.count('File "<stdin>"') == 3, tb  # <module>, outer, inner
    assert "in inner" in tb and DRIVER_FILE not in tb, tb


def test_syntax_error(driver):
    output = driver.error("def broken(:\n    pass")
    assert output["ename"] == "SyntaxError"
    assert "<stdin>" in output["evalue"] or "<stdin>" in "".join(output["traceback"]), output
    assert DRIVER_FILE not in "".join(output["traceback"]), output


def test_system_exit_does_not_stop_the_driver(driver):
    output = driver.error("import sys\nsys.exit(3)")
    assert output["ename"] == "SystemExit", output
    assert driver.text("1 + 1") == "2"


# ---------------------------------------------------------------- magics

def test_json_magic(driver):
    driver.ok('d = {"a": 1, "b": [1, 2.5, None], "c": {"nested": True}, "s": "x"}')
    data = driver.ok("%json d")
    assert data == {"application/json": {"a": 1, "b": [1, 2.5, None], "c": {"nested": True}, "s": "x"}}
    data = driver.ok("import datetime\nwhen = datetime.date(2024, 2, 29)\n%json when")
    assert data == {"application/json": "2024-02-29"}


def test_table_magic_with_dicts(driver):
    driver.ok('rows = [{"name": "a", "n": 1, "w": 0.5}, {"name": "b", "n": 2, "w": 1.5}]')
    data = driver.ok("%table rows")
    assert data == {"application/vnd.livy.table.v1+json": {
        "headers": [{"name": "n", "type": "INT_TYPE"}, {"name": "name", "type": "STRING_TYPE"},
                    {"name": "w", "type": "DOUBLE_TYPE"}],
        "data": [[1, "a", 0.5], [2, "b", 1.5]]}}


def test_table_magic_with_tuples(driver):
    driver.ok('pairs = [("x", 1, True), ("y", 2, False)]')
    table = driver.ok("%table pairs")["application/vnd.livy.table.v1+json"]
    assert table == {"headers": [{"name": "0", "type": "STRING_TYPE"}, {"name": "1", "type": "INT_TYPE"},
                                 {"name": "2", "type": "BOOLEAN_TYPE"}],
                     "data": [["x", 1, True], ["y", 2, False]]}


def test_table_magic_with_a_dataframe(driver):
    # Spark's values as Python gives them, typed as Livy types them (a long is a Python int:
    # INT_TYPE), in the DataFrame's column order.
    driver.ok("frame = spark.range(3).selectExpr('id', 'cast(id AS string) AS s', 'cast(id AS double) AS d', "
              "'date_add(date\\'2024-02-28\\', cast(id AS int)) AS day', 'array(id) AS a', "
              "'cast(id AS decimal(4,1)) AS dec', 'cast(NULL AS string) AS nothing')")
    table = driver.ok("%table frame")["application/vnd.livy.table.v1+json"]
    assert table == {"headers": [{"name": "id", "type": "INT_TYPE"}, {"name": "s", "type": "STRING_TYPE"},
                                 {"name": "d", "type": "DOUBLE_TYPE"}, {"name": "day", "type": "DATE_TYPE"},
                                 {"name": "a", "type": "ARRAY_TYPE"}, {"name": "dec", "type": "DECIMAL_TYPE"},
                                 {"name": "nothing", "type": "NULL_TYPE"}],
                     "data": [[0, "0", 0.0, "2024-02-28", [0], "0.0", None],
                              [1, "1", 1.0, "2024-02-29", [1], "1.0", None],
                              [2, "2", 2.0, "2024-03-01", [2], "2.0", None]]}
    # a list of its Rows, as a Livy user would pass it: the columns sorted by name
    table = driver.ok("collected = frame.select('s', 'id').collect()\n%table collected")[
        "application/vnd.livy.table.v1+json"]
    assert table["headers"] == [{"name": "id", "type": "INT_TYPE"}, {"name": "s", "type": "STRING_TYPE"}]
    assert table["data"] == [[0, "0"], [1, "1"], [2, "2"]]


def test_magic_errors_are_statement_errors(driver):
    assert driver.error("%json nosuch")["ename"] == "NameError"
    assert driver.error("%nosuchmagic x")["ename"] == "UnknownMagic"
    assert driver.ok("number = 5\n%table number") == {
        "application/vnd.livy.table.v1+json": {"headers": [{"name": "0", "type": "INT_TYPE"}], "data": [[5]]}}
    # values the magics cannot convert must give an error output, not kill the driver
    assert driver.error("loop = []\nloop.append(loop)\n%json loop")["status"] == "error"
    assert driver.error('mixed = [{"a": 1}, (1, 2)]\n%table mixed')["ename"] == "TypeError"
    assert driver.error('mixed = [{"a": 1}, {"a": "x"}]\n%table mixed')["ename"] == "Exception"
    assert driver.text("1 + 1") == "2"


# ---------------------------------------------------------------- sql

def test_sql_select(driver):
    data = driver.ok("SELECT 1 AS a", kind="sql")
    assert set(data) == {"application/json"}, data
    value = data["application/json"]
    assert value["data"] == [[1]]
    assert value["schema"]["type"] == "struct"
    assert [(f["name"], f["type"], f["nullable"]) for f in value["schema"]["fields"]] == [("a", "integer", False)]


def test_sql_sees_python_temp_views(driver):
    driver.ok('spark.range(5).createOrReplaceTempView("t5")')
    value = driver.ok("SELECT id, id * 2 AS twice FROM t5 ORDER BY id", kind="sql")["application/json"]
    assert [f["name"] for f in value["schema"]["fields"]] == ["id", "twice"]
    assert [f["type"] for f in value["schema"]["fields"]] == ["long", "long"]
    assert value["data"] == [[i, 2 * i] for i in range(5)]


def test_sql_ddl_gives_no_rows(driver):
    value = driver.ok("CREATE TEMPORARY VIEW v AS SELECT 1 AS one", kind="sql")["application/json"]
    assert value == {"schema": {"type": "struct", "fields": []}, "data": []}
    assert driver.ok("SELECT * FROM v", kind="sql")["application/json"]["data"] == [[1]]
    assert driver.text("spark.table('v').collect()[0].one") == "1"


def test_sql_error(driver):
    output = driver.error("SELEC 1", kind="sql")
    assert "SELEC" in output["evalue"] or "syntax" in output["evalue"].lower(), output
    output = driver.error("SELECT * FROM no_such_table_here", kind="sql")
    assert "no_such_table_here" in output["evalue"], output


def test_sql_result_limit_defaults_to_1000(driver):
    value = driver.ok("SELECT id FROM range(1500)", kind="sql")["application/json"]
    assert len(value["data"]) == 1000 and value["data"][-1] == [999]


def test_unsupported_kind_is_an_error(driver):
    output = driver.error('PROGRAM-ID. HELLO.', kind="cobol")
    assert output["ename"] == "UnsupportedKind", output
    assert "cobol" in output["evalue"], output


# ---------------------------------------------------------------- cancel

def test_cancel_running_python_loop(driver):
    driver.ok("kept = 'still here'")
    statement_id = driver.submit("while True:\n    pass")
    driver.expect(statement_id, "started")
    time.sleep(0.5)
    sent = time.monotonic()
    driver.channel.send({"type": "cancel", "id": statement_id})
    msg, _ = driver.result(statement_id, timeout=5)
    assert time.monotonic() - sent < 5
    assert msg["cancelled"] is True, msg
    assert msg["output"]["status"] == "error" and msg["output"]["ename"] == "KeyboardInterrupt", msg
    assert driver.text("kept") == "'still here'"


def test_cancel_running_spark_job(driver):
    statement_id = driver.submit('spark.range(10**11).selectExpr("sum(id)").collect()')
    # wait until the job runs: its first progress message
    driver.expect(statement_id, "progress")
    sent = time.monotonic()
    driver.channel.send({"type": "cancel", "id": statement_id})
    msg, _ = driver.result(statement_id, timeout=15)
    took = time.monotonic() - sent
    assert msg["cancelled"] is True, msg
    assert msg["output"]["status"] == "error", msg
    assert took < 10, "cancelled Spark job took %.1f s to finish" % took
    # the job group was cancelled: its jobs end soon (the status tracker lags a little)
    waited = float(driver.text(
        "import time\nt0 = time.time()\n"
        "while sc.statusTracker().getActiveJobsIds() and time.time() - t0 < 10:\n    time.sleep(0.05)\n"
        "assert not sc.statusTracker().getActiveJobsIds()\ntime.time() - t0"))
    print("cancelled job gone %.2f s after the result" % waited)
    assert waited < 10, waited
    assert driver.text("spark.range(10).count()") == "10"


def test_cancel_racing_the_start_always_gets_a_result(driver):
    """execute and cancel in one write: whether the cancel lands before or during the
    statement, a cancelled result must come back and later statements must run normally."""
    outcomes = set()
    for _ in range(5):
        statement_id = driver.new_id()
        both = ('{"type":"execute","id":%d,"code":"import time\\ntime.sleep(30)","kind":"pyspark"}\n'
                '{"type":"cancel","id":%d}\n' % (statement_id, statement_id))
        driver.channel.send_raw(both.encode())
        msg, _ = driver.result(statement_id, timeout=5)
        assert msg["cancelled"] is True, msg
        assert msg["output"]["ename"] == "KeyboardInterrupt", msg
        outcomes.add(msg["output"]["evalue"])
        for _ in range(3):
            assert driver.text("1 + 1") == "2"


def test_cancel_of_a_queued_statement(driver):
    """livyd sends one statement at a time, but the driver queues what it gets: a statement
    cancelled while queued never runs and still gets exactly one result."""
    first = driver.submit("import time\ntime.sleep(1)\nqueued_ran = False")
    second = driver.submit("queued_ran = True")
    driver.channel.send({"type": "cancel", "id": second})
    msg, _ = driver.result(first)
    assert msg["cancelled"] is False and msg["output"]["status"] == "ok", msg
    msg, seen = driver.result(second, timeout=5)
    assert not seen and msg["cancelled"] is True, (msg, seen)
    assert msg["output"]["evalue"] == "cancelled before it started", msg
    assert driver.text("queued_ran") == "False"


def test_cancel_of_finished_or_unknown_statement_changes_nothing(driver):
    statement_id = driver.submit("done = 1")
    driver.result(statement_id)
    driver.channel.send({"type": "cancel", "id": statement_id})
    driver.channel.send({"type": "cancel", "id": 987654})
    assert driver.channel.drain(0.5) == []
    assert driver.text("done") == "1"


# ---------------------------------------------------------------- progress, completion, misc

def test_progress_of_a_multi_task_job(driver):
    statement_id = driver.submit(
        "spark.range(0, 8, 1, 8).selectExpr(\"reflect('java.lang.Thread', 'sleep', cast(400 as bigint))\")"
        ".collect()\nprint('done')")
    msg, seen = driver.result(statement_id)
    assert msg["output"]["data"] == {"text/plain": "done"}, msg
    values = [m["progress"] for m in seen if m["type"] == "progress"]
    assert values, "no progress message for an 8-task job of ~1.6 s: %r" % seen
    assert all(isinstance(v, (int, float)) and 0.0 <= v <= 1.0 for v in values), values
    assert values == sorted(values), values
    assert max(values) > 0.0, values
    # nothing about a statement after its result
    assert driver.channel.drain(0.6) == []


def test_completion(driver):
    driver.ok("x = 40\ncompletion_target = 1")
    driver.channel.send({"type": "complete", "rid": "r1", "code": "spark.rang", "cursor": 10, "kind": "pyspark"})
    msg, seen = driver.channel.wait_for(lambda m: m.get("type") == "completion", 10, "completion")
    assert not seen and msg["rid"] == "r1", (msg, seen)
    assert "spark.range" in msg["candidates"], msg
    assert all(c.startswith("spark.rang") for c in msg["candidates"]), msg

    code = "y = 1\ncompletion_ta + 1"
    driver.channel.send({"type": "complete", "rid": 2, "code": code, "cursor": code.index(" + 1"),
                         "kind": "pyspark"})
    msg, _ = driver.channel.wait_for(lambda m: m.get("type") == "completion", 10, "completion")
    assert msg == {"type": "completion", "rid": 2, "candidates": ["completion_target"]}, msg

    driver.channel.send({"type": "complete", "rid": 3, "code": "x", "cursor": 1, "kind": "pyspark"})
    msg, _ = driver.channel.wait_for(lambda m: m.get("type") == "completion", 10, "completion")
    assert msg["rid"] == 3 and "x" in msg["candidates"], msg

    driver.channel.send({"type": "complete", "rid": 4, "code": "SELECT spark.ra", "cursor": 15, "kind": "sql"})
    msg, _ = driver.channel.wait_for(lambda m: m.get("type") == "completion", 10, "completion")
    assert msg == {"type": "completion", "rid": 4, "candidates": []}, msg

    # Scala completion never starts the Scala REPL: before a Scala statement has, it is empty.
    driver.channel.send({"type": "complete", "rid": 5, "code": "spark.ra", "cursor": 8, "kind": "spark"})
    msg, _ = driver.channel.wait_for(lambda m: m.get("type") == "completion", 10, "completion")
    assert msg == {"type": "completion", "rid": 5, "candidates": []}, msg


def test_completion_of_huge_code_is_linear(driver):
    """A regular expression once searched for the word before the cursor from every start:
    half a MiB of code with no word at its end took the driver minutes (issue 9's review)."""
    code = "a" * 500_000 + "!"
    driver.channel.send({"type": "complete", "rid": "big", "code": code, "cursor": len(code), "kind": "pyspark"})
    msg, _ = driver.channel.wait_for(lambda m: m.get("type") == "completion", 10, "completion of huge code")
    assert msg == {"type": "completion", "rid": "big", "candidates": []}, msg
    driver.ok("huge_target = 1")
    code = "a" * 500_000 + " 1huge_tar"
    driver.channel.send({"type": "complete", "rid": "big2", "code": code, "cursor": len(code), "kind": "pyspark"})
    msg, _ = driver.channel.wait_for(lambda m: m.get("type") == "completion", 10, "completion of huge code")
    assert msg == {"type": "completion", "rid": "big2", "candidates": ["huge_target"]}, msg


def test_ping(driver):
    driver.channel.send({"type": "ping"})
    msg, seen = driver.channel.wait_for(lambda m: True, 10, "pong")
    assert msg == {"type": "pong"}, msg


def test_odd_messages_do_not_break_the_driver(driver):
    driver.channel.send({"type": "no-such-type"})  # a newer livyd's optional message: ignored, no answer
    driver.channel.send({"type": "cancel"})
    driver.channel.send({"type": "cancel", "id": "seven"})
    driver.channel.send({"type": "complete", "rid": 9, "code": "spark.", "cursor": "nope"})
    msg, seen = driver.channel.wait_for(lambda m: m.get("type") == "completion", 10, "completion")
    assert msg == {"type": "completion", "rid": 9, "candidates": []}, (msg, seen)
    assert [(m["type"], m["error"]) for m in seen] == [("protocol-error", "cancel needs an integer id")] * 2, seen
    assert driver.text("'alive'") == "'alive'"


# Issue 9, F2: the driver dropped an execute it could not decode, so the statement never got
# a result and the session stayed busy for good, every later statement queued behind it.
@pytest.mark.parametrize("kind", ["pyspark", "sql"])
def test_code_that_is_not_utf8_gets_an_error_result_and_the_next_statement_runs(driver, kind):
    statement_id = driver.new_id()
    line = b'{"type":"execute","id":%d,"code":"x = \'\xff\xfe\'","kind":"%s"}\n' % (statement_id, kind.encode())
    driver.channel.send_raw(line)
    msg, seen = driver.result(statement_id, timeout=10)
    assert not seen and msg["cancelled"] is False, (msg, seen)
    output = msg["output"]
    assert output["ename"] == "DriverProtocolError", output
    assert output["evalue"] == ("the driver could not read this statement: the line is not valid UTF-8 "
                                "(byte 0xff at offset %d)" % line.index(b"\xff")), output
    assert driver.text("1 + 1") == "2"


def test_an_execute_with_mistyped_fields_gets_an_error_result(driver):
    statement_id = driver.new_id()
    driver.channel.send({"type": "execute", "id": statement_id, "code": ["not", "a", "string"]})
    msg, _ = driver.result(statement_id, timeout=10)
    assert msg["output"]["ename"] == "DriverProtocolError", msg
    assert "execute needs an integer id and a string code" in msg["output"]["evalue"], msg
    assert driver.text("'next'") == "'next'"


def test_unreadable_lines_without_a_statement_get_a_protocol_error(driver):
    cases = [
        (b"this is not JSON\n", "the line is not JSON: "),
        (b"[1, 2]\n", "the line is a JSON list, not an object"),
        (b'{"id": 3}\n', "the message has no string type"),
        (b'{"type":"execute","id":"x","code":"1"}\n', "execute needs an integer id and a string code"),
        (b'{"type":"cancel","id":1,"note":"\xc3\x28"}\n', "the line is not valid UTF-8 (byte 0xc3 at offset 32)"),
        (b"\xff\xfe garbage\n", "the line is not valid UTF-8 (byte 0xff at offset 0)"),
    ]
    for raw, error in cases:
        driver.channel.send_raw(raw)
        msg, seen = driver.channel.wait_for(lambda m: m.get("type") == "protocol-error", 10, "protocol-error")
        assert not seen, seen
        assert set(msg) == {"type", "error", "line"} and msg["error"].startswith(error), (raw, msg)
        assert msg["line"] == raw.rstrip(b"\n").decode("utf-8", "backslashreplace"), (raw, msg)
    # Requests that expect an answer get it, empty or failed, even when unreadable.
    driver.channel.send_raw(b'{"type":"complete","rid":21,"code":"spark.\xff","kind":"pyspark"}\n')
    msg, seen = driver.channel.wait_for(lambda m: m.get("type") == "completion", 10, "completion")
    assert msg == {"type": "completion", "rid": 21, "candidates": []} and not seen, (msg, seen)
    driver.channel.send_raw(b'{"type":"add-resource","rid":22,"kind":"file","uri":"/tmp/\xff"}\n')
    msg, seen = driver.channel.wait_for(lambda m: m.get("type") == "resource-added", 10, "resource-added")
    assert msg["rid"] == 22 and "not valid UTF-8" in msg["error"] and not seen, (msg, seen)
    assert driver.text("'still serving'") == "'still serving'"


def test_output_that_utf8_cannot_carry_still_reaches_livyd(driver):
    """A lone surrogate in a str cannot be UTF-8, and livyd's JSON reader refuses it as an
    escape: the result was unreadable, and the statement stayed running in livyd."""
    assert driver.text("print('a\\ud800b')") == "a\ufffdb"


# ---------------------------------------------------------------- second driver: max-result, lost connection

# ---------------------------------------------------------------- the job API

def send_job(driver, fn, job_type="pyspark") -> int:
    import base64
    import cloudpickle
    job_id = driver.new_id()
    driver.channel.send({"type": "job", "id": job_id, "jobType": job_type,
                         "job": base64.b64encode(cloudpickle.dumps(fn)).decode("ascii")})
    return job_id


def job_result(driver, job_id, timeout=RESULT_TIMEOUT):
    """The job's job-result; returns (message, messages before it about the job)."""
    msg, seen = driver.channel.wait_for(
        lambda m: m.get("type") == "job-result" and m.get("id") == job_id, timeout, "job-result of %d" % job_id)
    assert set(msg) == {"type", "id", "result", "error", "cancelled"}, msg
    assert [m["type"] for m in seen] in ([], ["job-started"]), seen
    return msg, seen


def unpickled(msg):
    import base64
    import cloudpickle
    assert msg["error"] is None and msg["cancelled"] is False, msg
    return cloudpickle.loads(base64.b64decode(msg["result"]))


def test_job_runs_with_a_job_context(driver):
    # Built from code so cloudpickle pickles it by value (this module is not importable in the driver).
    scope = {}
    exec("def job(ctx):\n"
         "    ctx.set_shared_object('k', 41)\n"
         "    return ctx.sc.parallelize(range(5), 2).sum(), ctx.get_shared_object('k') + 1, "
         "type(ctx.spark_session).__name__\n", scope)
    job_id = send_job(driver, scope["job"])
    msg, seen = job_result(driver, job_id)
    assert [m["type"] for m in seen] == ["job-started"], seen
    assert unpickled(msg) == (10, 42, "SparkSession")
    # Jobs do not count as statements: execution_count goes on where it was.
    assert driver.text("1 + 1") == "2"


def test_job_context_streaming_and_tmp_dir(driver):
    scope = {}
    exec("def job(ctx):\n"
         "    import os\n"
         "    ctx.create_streaming_ctx(1)\n"
         "    made = type(ctx.streaming_ctx).__name__\n"
         "    try:\n"
         "        ctx.create_streaming_ctx(1)\n"
         "        twice = 'no error'\n"
         "    except ValueError as e:\n"
         "        twice = 'ValueError'\n"
         "    ctx.stop_streaming_ctx()\n"
         "    return made, twice, os.path.isdir(ctx.local_tmp_dir_path), ctx.sc.parallelize([1]).count()\n",
         scope)
    msg, _ = job_result(driver, send_job(driver, scope["job"]))
    assert unpickled(msg) == ("StreamingContext", "ValueError", True, 1)


def test_job_error_is_its_traceback(driver):
    scope = {}
    exec("def job(ctx):\n    raise ValueError('job boom')\n", scope)
    msg, _ = job_result(driver, send_job(driver, scope["job"]))
    assert msg["result"] is None and msg["cancelled"] is False, msg
    assert msg["error"].startswith("Traceback (most recent call last):"), msg["error"]
    assert msg["error"].endswith("ValueError: job boom"), msg["error"]
    assert "livy_driver" not in msg["error"], msg["error"]


def test_job_that_cannot_be_read_gets_an_error_result(driver):
    job_id = driver.new_id()
    line = b'{"type":"job","id":%d,"jobType":"\xff","job":"eA=="}\n' % job_id
    driver.channel.send_raw(line)
    msg, seen = job_result(driver, job_id, timeout=10)
    assert not seen and msg["result"] is None and msg["cancelled"] is False, (msg, seen)
    assert msg["error"] == ("DriverProtocolError: the driver could not read this job: the line is not valid "
                            "UTF-8 (byte 0xff at offset %d)" % line.index(b"\xff")), msg
    assert driver.text("'after the job'") == "'after the job'"


def test_job_that_cannot_be_unpickled_fails(driver):
    job_id = driver.new_id()
    driver.channel.send({"type": "job", "id": job_id, "jobType": "pyspark", "job": "bm90IGEgcGlja2xl"})
    msg, _ = job_result(driver, job_id)
    assert msg["result"] is None and msg["error"], msg


def test_job_cancelled_before_it_started_never_runs(driver):
    scope = {}
    exec("def job(ctx):\n    import builtins\n    builtins.livy_job_ran = True\n", scope)
    job_id = driver.new_id()
    driver.channel.send({"type": "job-cancel", "id": job_id})
    import base64
    import cloudpickle
    driver.channel.send({"type": "job", "id": job_id, "jobType": "pyspark",
                         "job": base64.b64encode(cloudpickle.dumps(scope["job"])).decode("ascii")})
    msg, seen = job_result(driver, job_id, timeout=10)
    assert not seen and msg["cancelled"] is True and msg["result"] is None and msg["error"] is None, (msg, seen)
    assert driver.text("import builtins\ngetattr(builtins, 'livy_job_ran', False)") == "False"


def test_cancel_of_a_running_job(driver):
    scope = {}
    exec("def job(ctx):\n    import time\n"
         "    return ctx.sc.parallelize([1, 2], 2).map(lambda x: time.sleep(120) or x).collect()\n", scope)
    job_id = send_job(driver, scope["job"])
    driver.channel.wait_for(lambda m: m.get("type") == "job-started" and m.get("id") == job_id, 30, "job-started")
    time.sleep(1.0)
    sent = time.monotonic()
    driver.channel.send({"type": "job-cancel", "id": job_id})
    msg, _ = job_result(driver, job_id, timeout=30)
    assert msg["cancelled"] is True and msg["result"] is None, msg
    assert time.monotonic() - sent < 20
    assert driver.text("spark.range(10).count()") == "10"


def test_add_resource(driver, tmp_path):
    module = tmp_path / "livy_driver_added.py"
    module.write_text("VALUE = 'from an added file'\n")
    driver.channel.send({"type": "add-resource", "rid": 11, "kind": "pyfile", "uri": str(module)})
    msg, _ = driver.channel.wait_for(lambda m: m.get("type") == "resource-added", 30, "resource-added")
    assert msg == {"type": "resource-added", "rid": 11, "error": None}, msg
    assert driver.text("import livy_driver_added\nlivy_driver_added.VALUE") == "'from an added file'"
    driver.channel.send({"type": "add-resource", "rid": 12, "kind": "file", "uri": str(tmp_path / "missing")})
    msg, _ = driver.channel.wait_for(lambda m: m.get("type") == "resource-added", 30, "resource-added")
    assert msg["rid"] == 12 and msg["error"], msg


def test_sql_max_result_from_spark_conf(limited_driver):
    value = limited_driver.ok("SELECT id FROM range(10)", kind="sql")["application/json"]
    assert value["data"] == [[0], [1], [2]]
    assert limited_driver.ready["sparkUiUrl"] is None


def test_a_failed_scala_warm_up_is_logged_and_reported_by_the_first_scala_statement(limited_driver):
    log = limited_driver.log_path.read_text(errors="replace")
    assert "warming up the Scala interpreter" in log, log_tail(limited_driver.log_path)
    assert "the Scala warm-up failed, the first Scala statement will report it: ScalaUnavailable" in log, \
        log_tail(limited_driver.log_path)
    error = limited_driver.error("1 + 1", kind="spark")
    assert error["ename"] == "ScalaUnavailable", error
    assert "cannot keep the compiled Scala interpreter" in error["evalue"], error
    # The session itself is fine: Python and SQL still run, and the kind stays hidden.
    assert limited_driver.text("spark.conf.get('spark.livy.driver.session-kind')") == "'spark'"
    assert limited_driver.ok("SELECT 1 AS one", kind="sql")["application/json"]["data"] == [[1]]


def reconnected(session: DriverSession) -> dict:
    """Drops the connection like a dying livyd, accepts the driver's reconnect, answers its
    hello with welcome and returns the hello. The session's channel is the new one after."""
    session.channel.close()
    channel = session.server.accept(RECONNECT_TIMEOUT, session.proc)
    hello = channel.next(10)
    assert hello is not EOF and hello.get("type") == "hello", hello
    channel.send({"type": "welcome"})
    session.channel = channel
    session.consumed.clear()
    return hello


def test_reconnect_during_a_statement_resumes_it(limited_driver):
    before = limited_driver.ok("before = 1")  # a result the reconnect replays
    assert before == {"text/plain": ""}
    last = limited_driver.next_id - 1
    statement_id = limited_driver.submit("import time\ntime.sleep(3)\nx = 5")
    limited_driver.expect(statement_id, "started")
    hello = reconnected(limited_driver)
    assert hello["resume"] == {"running": statement_id, "last": last, "runningJob": None, "lastJob": None}, hello
    assert {k: hello[k] for k in ("version", "session", "secret")} == {
        "version": 1, "session": SESSION_ID, "secret": SECRET}, hello
    assert limited_driver.channel.next(10) == limited_driver.ready  # ready, again
    replay = limited_driver.channel.next(10)
    assert replay["type"] == "result" and replay["id"] == last, replay
    msg, _ = limited_driver.channel.wait_for(lambda m: m.get("type") == "result", RESULT_TIMEOUT, "result")
    assert msg["id"] == statement_id and msg["output"]["status"] == "ok" and not msg["cancelled"], msg
    limited_driver.executed = msg["output"]["execution_count"] + 1
    assert limited_driver.text("x + before") == "6"  # the namespace survived
    assert "reconnected to livyd" in limited_driver.log_path.read_text(errors="replace")


def test_reconnect_replays_a_result_that_may_have_been_lost(limited_driver):
    statement_id = limited_driver.submit("y = 6\ny")
    msg, _ = limited_driver.result(statement_id)
    hello = reconnected(limited_driver)
    assert hello["resume"] == {"running": None, "last": statement_id, "runningJob": None, "lastJob": None}, hello
    assert limited_driver.channel.next(10)["type"] == "ready"
    assert limited_driver.channel.next(10) == msg
    assert limited_driver.text("y") == "6"


def test_reconnect_during_a_job_names_it_and_replays_its_result(limited_driver):
    last_statement = limited_driver.next_id - 1
    scope = {}
    exec("def job(ctx):\n    import time\n    time.sleep(3)\n    return 7\n", scope)
    job_id = send_job(limited_driver, scope["job"])
    limited_driver.channel.wait_for(lambda m: m.get("type") == "job-started" and m.get("id") == job_id, 30,
                                    "job-started")
    hello = reconnected(limited_driver)
    assert hello["resume"] == {"running": None, "last": last_statement, "runningJob": job_id, "lastJob": None}, hello
    assert limited_driver.channel.next(10)["type"] == "ready"
    assert limited_driver.channel.next(10)["type"] == "result"  # the last statement's, again
    msg, _ = limited_driver.channel.wait_for(lambda m: m.get("type") == "job-result", RESULT_TIMEOUT, "job-result")
    assert msg["id"] == job_id and unpickled(msg) == 7, msg
    # The next reconnect no longer names the job as running, and replays its job-result after the result.
    hello = reconnected(limited_driver)
    assert hello["resume"] == {"running": None, "last": last_statement, "runningJob": None, "lastJob": job_id}, hello
    assert limited_driver.channel.next(10)["type"] == "ready"
    assert limited_driver.channel.next(10)["type"] == "result"
    assert limited_driver.channel.next(10) == msg


def test_lost_connection_stops_a_running_statement_and_exits(limited_driver):
    statement_id = limited_driver.submit("while True:\n    pass")
    limited_driver.expect(statement_id, "started")
    limited_driver.server.close()  # livyd does not come back: reconnecting fails
    limited_driver.channel.close()
    try:
        code = limited_driver.proc.wait(timeout=20 + RECONNECT_TIMEOUT)
    except Exception:
        pytest.fail("driver still running after losing its connection for good\n" +
                    log_tail(limited_driver.log_path))
    assert code != 0, "losing the connection is not a clean shutdown"
    assert "connection to livyd lost" in limited_driver.log_path.read_text(errors="replace")


# ---------------------------------------------------------------- handshake failures (before any SparkContext)

def launch_early(tmp_path, name, server_address, **settings):
    """A driver that will not get as far as its SparkContext (refused, unreachable, bad
    settings): spark-submit starts only its JVM and the driver's Python."""
    settings.setdefault("connect_timeout", 20)
    conf = driver_conf(server_address, SECRET, SESSION_ID, **settings)
    return launch_driver(driver_env(), tmp_path / ("%s.log" % name), conf)


def run_early_driver(tmp_path, server_behaviour):
    """Runs a driver against a server doing server_behaviour(channel) after the hello;
    returns its exit code, its log and how long it took to exit after server_behaviour."""
    server = FakeLivyd()
    proc = launch_early(tmp_path, "early", server.address)
    try:
        channel = server.accept(60, proc)
        hello = channel.next(10)
        assert hello["type"] == "hello" and hello["secret"] == SECRET, hello
        server_behaviour(channel)
        acted = time.monotonic()
        code = proc.wait(timeout=20)
        return code, (tmp_path / "early.log").read_text(errors="replace"), time.monotonic() - acted
    finally:
        server.close()
        kill_group(proc)


def test_driver_exits_when_refused(tmp_path):
    code, log, took = run_early_driver(tmp_path, lambda ch: ch.send({"type": "refused", "error": "bad secret"}))
    assert code != 0 and took < 10, (code, took, log)
    assert "refused" in log and "Traceback" not in log, log
    assert "Running Spark version" not in log, log  # no SparkContext was started


def test_driver_connects_again_when_the_connection_closes_after_hello(tmp_path):
    """livyd refuses with a `refused` line; a bare close is livyd going away, or closing the
    connection among a flood of silent ones (sessions.driver-max-pending): the driver retries."""
    server = FakeLivyd()
    proc = launch_early(tmp_path, "again", server.address)
    try:
        first = server.accept(60, proc)
        assert first.next(10)["type"] == "hello"
        first.close()
        second = server.accept(15, proc)
        hello = second.next(10)
        assert hello["type"] == "hello" and "resume" not in hello, hello
        second.send({"type": "refused", "error": "bad secret"})
        code = proc.wait(timeout=20)
    finally:
        server.close()
        kill_group(proc)
    log = (tmp_path / "again.log").read_text(errors="replace")
    assert code == 1 and "refused" in log and "Traceback" not in log, log


def test_driver_exits_when_livyd_is_unreachable(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        address = "127.0.0.1:%d" % s.getsockname()[1]
    proc = launch_early(tmp_path, "unreachable", address, connect_timeout=1)
    try:
        code = proc.wait(timeout=60)
    finally:
        kill_group(proc)
    log = (tmp_path / "unreachable.log").read_text()
    assert code != 0 and "cannot reach livyd" in log and "Traceback" not in log, log


@pytest.mark.parametrize("key, value", [("callback", None), ("secret", None), ("session-id", "seven"),
                                        ("callback", "no-port"), ("tls-fingerprint", "AB:CD")])
def test_driver_exits_on_bad_settings(tmp_path, key, value):
    settings = {"callback": "127.0.0.1:1", "secret": SECRET, "session_id": SESSION_ID, key.replace("-", "_"): value}
    conf = driver_conf(settings.pop("callback"), settings.pop("secret"), settings.pop("session_id"), **settings)
    proc = launch_driver(driver_env(), tmp_path / "conf.log", conf)
    try:
        code = proc.wait(timeout=60)
    finally:
        kill_group(proc)
    log = (tmp_path / "conf.log").read_text()
    assert code == 1 and "spark.livy.driver." + key in log and "Traceback" not in log, log


def test_driver_refuses_a_certificate_other_than_the_pinned_one(tmp_path):
    """A livyd (or anyone on its address) whose certificate is not the one the driver was
    given: the driver closes after the TLS handshake, before its hello, and does not retry."""
    cert, key, _ = make_certificate(tmp_path, "impostor")
    _, _, pinned = make_certificate(tmp_path, "livyd")
    server = FakeLivyd(tls=(cert, key))
    proc = launch_early(tmp_path, "pinned", server.address, tls_fingerprint=pinned)
    try:
        channel = server.accept(60, proc)
        assert channel.next(20) is EOF  # no hello: the secret never went to the impostor
        code = proc.wait(timeout=20)
    finally:
        server.close()
        kill_group(proc)
    log = (tmp_path / "pinned.log").read_text(errors="replace")
    assert code == 1, log
    assert "is not the one this driver was given" in log and "Traceback" not in log, log
    assert log.count("not the one") == 1, log  # refused once: no retry


# ---------------------------------------------------------------- last: shutdown of the shared driver

def test_shutdown(driver):
    pgid = driver.proc.pid
    driver.channel.send({"type": "shutdown"})
    try:
        code = driver.proc.wait(timeout=15)
    except Exception:
        pytest.fail("driver still running 15 s after shutdown\n" + log_tail(driver.log_path))
    assert code == 0, log_tail(driver.log_path)
    assert driver.channel.next(5) is EOF
    deadline = time.monotonic() + 5
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not group_members(pgid), group_members(pgid)
