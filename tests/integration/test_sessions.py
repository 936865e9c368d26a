"""Real-Spark integration tests of livyd's interactive sessions (/sessions, statements).

Spark start-up is the cost, so the module starts its sessions at once (the `started`
fixture) and most tests share one pyspark session (`shared`), running independent
statements in it. Two more sessions exist only to be killed: one whose driver gets
SIGKILL (`killme`), one that is DELETEd while live (`deleteme`). Cheap request-
validation tests come first, while the Spark drivers are still starting.
"""
from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass

import pytest

from livyd_testlib import (
    APP_INFO_KEYS,
    LOCAL_APP_ID,
    MAX_CODE_BYTES,
    SESSION_KEYS,
    STATEMENT_KEYS,
    LivydClient,
    group_and_descendants,
    new_marker,
    process_table,
    procs_with_marker,
    raw_http,
    still_alive,
    wait_until,
)

START_TIMEOUT = 120.0  # seconds a session gets to become idle on a busy 2-core machine
GONE_DEADLINE = 20.0  # seconds by which a stopped session's processes must be gone
SESSION_STATES = {"not_started", "starting", "recovering", "idle", "busy", "shutting_down",
                  "error", "dead", "killed", "success"}
CANONICAL_KINDS = {"spark", "pyspark", "sparkr", "sql", "shared"}
SHARED_CONF = {"spark.ui.showConsoleProgress": "false"}


def now_ms() -> int:
    return int(time.time() * 1000)


# ---- object checks -----------------------------------------------------------------------

def assert_session_object(obj, where: str = "") -> None:
    """A Session carries exactly Livy's fields (Livy's Java client rejects extras), typed."""
    assert isinstance(obj, dict), f"{where}: not an object: {obj!r}"
    assert set(obj) == SESSION_KEYS, (
        f"{where}: Session fields differ from Livy's: missing {sorted(SESSION_KEYS - set(obj))}, "
        f"extra {sorted(set(obj) - SESSION_KEYS)}")
    for key in ("id", "driverCores", "executorCores", "numExecutors", "heartbeatTimeoutInSecond"):
        assert isinstance(obj[key], int) and not isinstance(obj[key], bool), f"{where}: {key} = {obj[key]!r}"
    for key in ("name", "appId", "owner", "proxyUser", "ttl", "idleTimeout", "driverMemory",
                "executorMemory", "queue"):
        assert obj[key] is None or isinstance(obj[key], str), f"{where}: {key} = {obj[key]!r}"
    for key in ("jars", "pyFiles", "files", "archives"):
        assert isinstance(obj[key], list) and all(isinstance(x, str) for x in obj[key]), f"{where}: {key}"
    assert isinstance(obj["conf"], dict) and all(isinstance(v, str) for v in obj["conf"].values()), where
    assert obj["state"] in SESSION_STATES, f"{where}: state {obj['state']!r} is not one of Livy's"
    assert obj["kind"] in CANONICAL_KINDS, f"{where}: kind {obj['kind']!r} is not canonical"
    assert isinstance(obj["appInfo"], dict) and set(obj["appInfo"]) == APP_INFO_KEYS, (
        f"{where}: appInfo {obj['appInfo']!r} must have exactly {sorted(APP_INFO_KEYS)}")
    log = obj["log"]
    assert isinstance(log, list) and len(log) <= 10 and all(isinstance(x, str) for x in log), (
        f"{where}: log must be a list of at most 10 strings, got {log!r}")


def assert_statement_object(obj, where: str = "") -> None:
    assert isinstance(obj, dict), f"{where}: not an object: {obj!r}"
    assert set(obj) == STATEMENT_KEYS, (
        f"{where}: Statement fields {sorted(obj)} != {sorted(STATEMENT_KEYS)}")
    assert isinstance(obj["id"], int) and not isinstance(obj["id"], bool), where
    assert isinstance(obj["code"], str), where
    assert obj["state"] in {"waiting", "running", "available", "error", "cancelling", "cancelled"}, (
        f"{where}: statement state {obj['state']!r}")
    assert obj["output"] is None or isinstance(obj["output"], dict), where
    assert isinstance(obj["progress"], (int, float)) and 0.0 <= obj["progress"] <= 1.0, where
    assert isinstance(obj["started"], int) and isinstance(obj["completed"], int), where


def assert_msg(resp, status: int, livyd: LivydClient) -> str:
    body = livyd.json_of(resp, expect=status)
    assert isinstance(body, dict) and isinstance(body.get("msg"), str) and body["msg"], (
        f"error body must be {{\"msg\": \"...\"}}, got {body!r}")
    return body["msg"]


def output_of(st: dict) -> dict:
    assert st["output"] is not None, f"statement {st['id']} is {st['state']} without output: {st}"
    return st["output"]


# ---- the module's sessions -------------------------------------------------------------------

@dataclass
class Created:
    """A session POSTed by the `started` fixture (body None when the POST was not 201)."""
    key: str
    request: dict
    status: int
    location: str | None
    body: dict | None
    text: str

    @property
    def id(self) -> int:
        assert self.status == 201 and self.body is not None, (
            f"creating the {self.key!r} session answered {self.status}: {self.text[:1000]}")
        return self.body["id"]

    @property
    def name(self) -> str:
        return self.request["name"]


@pytest.fixture(scope="module")
def started(livyd: LivydClient):
    """POSTs every session the module needs at once, so their drivers start concurrently.
    Right after creating `shared` it posts a statement, which must wait for the driver.
    At the end, the sessions still known are DELETEd."""
    requests_ = {
        # "python" is Livy's alias of pyspark: it must be echoed as "pyspark".
        "shared": {"kind": "python", "name": new_marker("shared"), "conf": SHARED_CONF,
                   "driverMemory": "1g", "idleTimeout": "1h"},
        "killme": {"kind": "pyspark", "name": new_marker("killme")},
        "deleteme": {"kind": "pyspark", "name": new_marker("deleteme")},
    }
    livyd.markers.extend(r["name"] for r in requests_.values())
    out: dict = {}
    for key, body in requests_.items():
        resp = livyd.post("/sessions", body)
        parsed = resp.json() if resp.status_code == 201 else None
        out[key] = Created(key, body, resp.status_code, resp.headers.get("Location"), parsed, resp.text)
        if key == "shared" and parsed is not None:
            # Posted while the session is `starting`: must be queued and run once it is idle.
            early = livyd.post(f"/sessions/{parsed['id']}/statements", {"code": "early = 6 * 7\nearly"})
            out["early"] = early
    try:
        yield out
    finally:
        for created in out.values():
            if isinstance(created, Created) and created.body is not None:
                livyd.delete(f"/sessions/{created.body['id']}")


@pytest.fixture(scope="module")
def shared(livyd, started) -> int:
    """The id of the shared pyspark session, once it is idle."""
    sid = started["shared"].id
    livyd.wait_session_state(sid, "idle", timeout=START_TIMEOUT)
    return sid


# ---- creation ------------------------------------------------------------------------------

def test_create_answers_201_location_starting_and_livy_fields(started):
    c = started["shared"]
    assert c.status == 201, f"POST /sessions answered {c.status}: {c.text[:1000]}"
    assert_session_object(c.body, "POST /sessions")
    sid = c.body["id"]
    assert c.location == f"/sessions/{sid}", f"Location header {c.location!r}"
    assert c.body["state"] == "starting", f"a new session must report 'starting' at once, got {c.body['state']!r}"
    assert c.body["kind"] == "pyspark", f"kind 'python' must be echoed as 'pyspark', got {c.body['kind']!r}"
    assert c.body["name"] == c.name
    assert c.body["conf"] == SHARED_CONF
    assert c.body["driverMemory"] == "1g"
    assert c.body["idleTimeout"] == "1h", f"idleTimeout echoed as {c.body['idleTimeout']!r}"
    # Unset strings are null, unset ints 0, unset lists empty.
    for key in ("appId", "proxyUser", "executorMemory", "queue", "ttl"):
        assert c.body[key] is None, f"unset {key} must be null, got {c.body[key]!r}"
    for key in ("driverCores", "executorCores", "numExecutors", "heartbeatTimeoutInSecond"):
        assert c.body[key] == 0, f"unset {key} must be 0, got {c.body[key]!r}"
    for key in ("jars", "pyFiles", "files", "archives"):
        assert c.body[key] == [], f"unset {key} must be [], got {c.body[key]!r}"
    ids = [started[k].id for k in ("shared", "killme", "deleteme")]
    assert ids == sorted(set(ids)), f"ids of sessions created one after another must increase: {ids}"


def test_statement_posted_while_starting_is_queued(livyd, started):
    resp = started["early"]
    st = livyd.json_of(resp, expect=201)
    assert_statement_object(st, "POST statement while starting")
    sid = started["shared"].id
    assert resp.headers.get("Location") == f"/sessions/{sid}/statements/{st['id']}"
    assert st["id"] == 0, f"the first statement of a session has id 0, got {st['id']}"
    assert st["state"] == "waiting", f"a statement posted to a starting session must wait, got {st['state']!r}"
    assert st["output"] is None
    assert st["code"] == "early = 6 * 7\nearly"


# ---- request validation (no need for a running driver) -----------------------------------------

def expect_create_rejected(livyd, body, status=400, path="/sessions") -> str:
    resp = livyd.post(path, body)
    if resp.status_code == 201:
        livyd.delete(f"/sessions/{resp.json()['id']}")
        pytest.fail(f"POST {path} {body} was accepted (201), expected {status}")
    return assert_msg(resp, status, livyd)


@pytest.mark.parametrize("body", [{"kind": "cobol"}, {"kind": 3}, {"kind": "PYSPARK "}],
                         ids=["cobol", "int", "padded"])
def test_create_unknown_kind_is_400(livyd, body):
    expect_create_rejected(livyd, body)


def test_create_unknown_field_is_400_naming_it(livyd):
    msg = expect_create_rejected(livyd, {"kind": "pyspark", "noSuchSessionField": 1})
    assert "noSuchSessionField" in msg, f"message should name the unknown field: {msg!r}"


@pytest.mark.parametrize("field,value", [("ttl", "soon"), ("ttl", 5), ("idleTimeout", "forever"),
                                         ("heartbeatTimeoutInSecond", "60")], ids=str)
def test_create_invalid_durations_are_400(livyd, field, value):
    expect_create_rejected(livyd, {"kind": "pyspark", field: value})


def test_create_with_live_duplicate_name_is_400(livyd, started):
    expect_create_rejected(livyd, {"kind": "pyspark", "name": started["shared"].name})


def test_statement_unknown_kind_is_400(livyd, started):
    resp = livyd.post(f"/sessions/{started['shared'].id}/statements", {"code": "1", "kind": "cobol"})
    assert_msg(resp, 400, livyd)


@pytest.mark.parametrize("body", [{}, {"kind": "pyspark"}, {"code": 123}, {"code": None}, {"code": ["x"]},
                                  {"code": "1", "bogus": True}],
                         ids=["empty", "kind-only", "int-code", "null-code", "list-code", "unknown-field"])
def test_statement_bad_body_is_400(livyd, started, body):
    resp = livyd.post(f"/sessions/{started['shared'].id}/statements", body)
    assert_msg(resp, 400, livyd)


def test_statement_malformed_json_is_400(livyd, started):
    resp = livyd.post(f"/sessions/{started['shared'].id}/statements", data=b'{"code": "1',
                      headers={"Content-Type": "application/json"})
    assert_msg(resp, 400, livyd)


def test_statement_code_over_limit_is_413(livyd, started):
    code = "x = 1\n" + "#" * (100 * 1024)
    assert len(code) > MAX_CODE_BYTES
    resp = livyd.post(f"/sessions/{started['shared'].id}/statements", {"code": code})
    msg = assert_msg(resp, 413, livyd)
    assert "max-code-bytes" in msg or "limit" in msg, msg
    assert livyd.get("/version").status_code == 200


def test_unknown_session_is_404_with_livy_message(livyd):
    resp = livyd.get("/sessions/999")
    assert livyd.json_of(resp, expect=404) == {"msg": "Session '999' not found."}
    for method, path, body in [
        ("GET", "/sessions/999/state", None),
        ("GET", "/sessions/999/log", None),
        ("GET", "/sessions/999/statements", None),
        ("GET", "/sessions/999/statements/0", None),
        ("POST", "/sessions/999/statements", {"code": "1"}),
        ("POST", "/sessions/999/statements/0/cancel", None),
        ("POST", "/sessions/999/connect", None),
        ("POST", "/sessions/999/completion", {"code": "sp", "kind": "pyspark", "cursor": 2}),
        ("POST", "/sessions/999/interrupt", None),
        ("POST", "/sessions/999/stop", None),
        ("DELETE", "/sessions/999", None),
        ("GET", "/sessions/no-such-session-name", None),
    ]:
        resp = livyd.request(method, path, json=body)
        msg = assert_msg(resp, 404, livyd)
        assert "not found" in msg, f"{method} {path}: {msg!r}"


# ---- the shared session comes up -----------------------------------------------------------------

def test_session_becomes_idle_with_app_id(livyd, shared, started):
    s = livyd.session(shared)
    assert_session_object(s, f"GET /sessions/{shared}")
    assert s["state"] == "idle"
    assert s["kind"] == "pyspark"
    assert s["appId"] and LOCAL_APP_ID.match(s["appId"]), f"appId {s['appId']!r} is not local-<digits>"
    ui = s["appInfo"]["sparkUiUrl"]
    assert ui is None or ui.startswith("http"), f"sparkUiUrl {ui!r}"
    by_name = livyd.session(started["shared"].name)
    assert by_name["id"] == shared, "a session must be reachable by its name"
    # A statement posted by the session's name: Location names the session by its id, as Livy's does.
    resp = livyd.post(f"/sessions/{started['shared'].name}/statements", {"code": "1"})
    st = livyd.json_of(resp, expect=201)
    assert resp.headers.get("Location") == f"/sessions/{shared}/statements/{st['id']}"
    livyd.wait_statement(shared, st["id"], timeout=30)


def test_early_statement_ran_once_idle(livyd, shared):
    st = livyd.wait_statement(shared, 0, timeout=30)
    assert st["state"] == "available", st
    out = output_of(st)
    assert out == {"status": "ok", "execution_count": 0, "data": {"text/plain": "42"}}, out
    assert st["progress"] == 1.0


def test_state_persists_between_statements(livyd, shared):
    data = livyd.run_ok(shared, "x = 40")
    assert data == {"text/plain": ""}, f"a statement without output has empty text/plain: {data}"
    data = livyd.run_ok(shared, "x + 2")
    assert data == {"text/plain": "42"}, data


def test_huge_output_is_truncated_with_a_note(livyd, shared):
    # 5 MB of text: over statements.max-output-bytes (4 MiB by default).
    data = livyd.run_ok(shared, "print('x' * (5 * 1024 * 1024))", timeout=60)
    text = data["text/plain"]
    assert "output truncated" in text and "statements.max-output-bytes" in text, text[-300:]
    assert len(text.encode()) <= 4 * 1024 * 1024 + 1024, len(text)
    assert livyd.run_ok(shared, "1 + 1") == {"text/plain": "2"}, "the session goes on after a huge output"


def test_spark_job_runs(livyd, shared):
    data = livyd.run_ok(shared, "spark.range(1000).count()", timeout=90)
    assert data == {"text/plain": "1000"}, data


def test_sc_and_sqlcontext_are_predefined(livyd, shared):
    data = livyd.run_ok(shared, "sc.parallelize([1, 2, 3]).sum() + sqlContext.range(1).count()", timeout=90)
    assert data == {"text/plain": "7"}, data


def test_stdout_is_captured(livyd, shared):
    data = livyd.run_ok(shared, 'print("hello")\nprint("world")\n"done"')
    assert data == {"text/plain": "hello\nworld\n'done'"}, data


def test_user_error_is_available_with_error_output(livyd, shared):
    st = livyd.run(shared, "no_such_name_abc + 1")
    assert st["state"] == "available", f"an error in user code still ends 'available': {st}"
    out = output_of(st)
    assert out["status"] == "error", out
    assert out["ename"] == "NameError", out
    assert "no_such_name_abc" in out["evalue"], out
    assert isinstance(out["traceback"], list) and all(isinstance(x, str) for x in out["traceback"]), out
    assert isinstance(out["execution_count"], int)
    assert "data" not in out, f"an error output has no data: {out}"


def test_syntax_error(livyd, shared):
    st = livyd.run(shared, "def broken(:\n    pass")
    assert st["state"] == "available", st
    out = output_of(st)
    assert out["status"] == "error" and out["ename"] == "SyntaxError", out
    assert isinstance(out["evalue"], str) and isinstance(out["traceback"], list)


def test_json_magic(livyd, shared):
    data = livyd.run_ok(shared, 'doc = {"a": 1, "b": [1, 2.5, None], "c": "text"}\n%json doc')
    assert data.get("application/json") == {"a": 1, "b": [1, 2.5, None], "c": "text"}, data


def test_table_magic(livyd, shared):
    data = livyd.run_ok(shared, 'rows = [{"n": 1, "s": "x"}, {"n": 2, "s": "y"}]\n%table rows')
    table = data.get("application/vnd.livy.table.v1+json")
    assert isinstance(table, dict) and set(table) == {"headers", "data"}, data
    names = [h["name"] for h in table["headers"]]
    assert sorted(names) == ["n", "s"], table
    assert all(isinstance(h.get("type"), str) and h["type"].endswith("_TYPE") for h in table["headers"]), table
    as_dicts = [dict(zip(names, row)) for row in table["data"]]
    assert as_dicts == [{"n": 1, "s": "x"}, {"n": 2, "s": "y"}], table


def test_sql_statement_returns_schema_and_rows(livyd, shared):
    data = livyd.run_ok(shared, "SELECT 1 AS a, 'b' AS b", kind="sql", timeout=90)
    result = data.get("application/json")
    assert isinstance(result, dict) and {"schema", "data"} <= set(result), data
    fields = result["schema"]["fields"]
    assert [f["name"] for f in fields] == ["a", "b"], result["schema"]
    assert fields[0]["type"] == "integer", result["schema"]
    assert result["data"] == [[1, "b"]], result


def test_sql_temp_view_across_statements(livyd, shared):
    livyd.run_ok(shared, "CREATE OR REPLACE TEMP VIEW livyd_v1 AS SELECT 7 AS n UNION ALL SELECT 8", kind="sql",
                 timeout=90)
    data = livyd.run_ok(shared, "SELECT SUM(n) AS total FROM livyd_v1", kind="sql", timeout=90)
    assert data["application/json"]["data"] == [[15]], data


def test_pyspark_view_queried_from_sql(livyd, shared):
    livyd.run_ok(shared, 'spark.range(5).createOrReplaceTempView("livyd_pyview")', timeout=90)
    data = livyd.run_ok(shared, "SELECT COUNT(*) AS c, SUM(id) AS s FROM livyd_pyview", kind="sql", timeout=90)
    assert data["application/json"]["data"] == [[5, 10]], data


def test_sql_error_is_available_with_error_output(livyd, shared):
    st = livyd.run(shared, "SELECT * FROM livyd_no_such_table", kind="sql", timeout=90)
    assert st["state"] == "available", st
    out = output_of(st)
    assert out["status"] == "error" and "AnalysisException" in out["ename"], out


def test_sql_result_is_capped(livyd, shared):
    # statements.sql-max-result defaults to 1000 rows.
    data = livyd.run_ok(shared, "SELECT id FROM range(1500)", kind="sql", timeout=90)
    assert len(data["application/json"]["data"]) == 1000, len(data["application/json"]["data"])


def test_code_just_below_limit_runs(livyd, shared):
    code = "#" * (MAX_CODE_BYTES - 100) + "\n'under the limit'"
    data = livyd.run_ok(shared, code)
    assert data == {"text/plain": "'under the limit'"}, data


def test_times_progress_and_execution_count(livyd, shared):
    before = now_ms()
    first = livyd.run(shared, "1")
    second = livyd.run(shared, "2")
    after = now_ms()
    for st in (first, second):
        assert_statement_object(st)
        assert st["state"] == "available" and st["progress"] == 1.0, st
        assert before - 1000 <= st["started"] <= st["completed"] <= after + 1000, (
            f"started/completed must be epoch ms within the test ({before}..{after}): {st}")
    assert output_of(second)["execution_count"] == output_of(first)["execution_count"] + 1
    # Over the whole session, counts increase with statement ids and start at 0.
    listed = livyd.get_json(f"/sessions/{shared}/statements", params={"size": 10000})["statements"]
    counts = [s["output"]["execution_count"] for s in listed
              if s["state"] == "available" and s["output"] is not None]
    assert counts[0] == 0 and all(a < b for a, b in zip(counts, counts[1:])), counts


# ---- statement listing -------------------------------------------------------------------------

def test_statements_list_paging_and_order(livyd, shared):
    livyd.run_ok(shared, "'a'")
    livyd.run_ok(shared, "'b'")
    body = livyd.get_json(f"/sessions/{shared}/statements")
    assert set(body) == {"total_statements", "statements"}, body.keys()
    total = body["total_statements"]
    assert total >= 3
    ids = [s["id"] for s in body["statements"]]
    assert ids == list(range(min(total, 100))), ids
    for s in body["statements"]:
        assert_statement_object(s, "GET statements")
    page = livyd.get_json(f"/sessions/{shared}/statements", params={"from": 1, "size": 2})
    assert page["total_statements"] == total
    assert [s["id"] for s in page["statements"]] == [1, 2]
    desc = livyd.get_json(f"/sessions/{shared}/statements", params={"order": "desc", "size": 2})
    assert [s["id"] for s in desc["statements"]] == [total - 1, total - 2], desc
    assert desc["total_statements"] == total
    full_desc = livyd.get_json(f"/sessions/{shared}/statements", params={"order": "desc", "size": 10000})
    assert [s["id"] for s in full_desc["statements"]] == list(range(total - 1, -1, -1))
    assert_msg(livyd.get(f"/sessions/{shared}/statements", params={"order": "sideways"}), 400, livyd)


def test_unknown_statement_is_404(livyd, shared):
    for method, path in [("GET", f"/sessions/{shared}/statements/100000"),
                         ("GET", f"/sessions/{shared}/statements/abc"),
                         ("POST", f"/sessions/{shared}/statements/100000/cancel")]:
        msg = assert_msg(livyd.request(method, path), 404, livyd)
        assert "not found" in msg.lower(), f"{method} {path}: {msg!r}"


def test_long_poll_returns_when_done(livyd, shared):
    st = livyd.post_statement(shared, "import time\ntime.sleep(1.5)\n'slept'")
    t0 = time.monotonic()
    got = livyd.statement(shared, st["id"], wait=20)
    elapsed = time.monotonic() - t0
    assert got["state"] == "available", f"?wait=20 returned before the statement finished: {got}"
    assert elapsed < 15, f"?wait= must return as soon as the statement is done, took {elapsed:.1f} s"
    assert output_of(got)["data"] == {"text/plain": "'slept'"}


# ---- cancel --------------------------------------------------------------------------------

def cancel(livyd, sid, stid):
    resp = livyd.post(f"/sessions/{sid}/statements/{stid}/cancel")
    assert livyd.json_of(resp, expect=200) == {"msg": "canceled"}


def test_cancel_waiting_statement(livyd, shared):
    first = livyd.post_statement(shared, "import time\ntime.sleep(30)")
    second = livyd.post_statement(shared, "cancelled_var = 1")
    livyd.wait_statement(shared, first["id"], {"running"}, timeout=15)
    assert livyd.session_state(shared) == "busy"
    cancel(livyd, shared, second["id"])
    st2 = livyd.statement(shared, second["id"])
    assert st2["state"] == "cancelled", f"a waiting statement is cancelled at once: {st2}"
    assert st2["output"] and st2["output"]["status"] == "error", f"a final statement always has an output: {st2}"
    assert livyd.statement(shared, first["id"])["state"] == "running", "cancelling the queued one hit the running one"
    t0 = time.monotonic()
    cancel(livyd, shared, first["id"])
    st1 = livyd.wait_statement(shared, first["id"], {"cancelled"}, timeout=10)
    assert time.monotonic() - t0 < 10, st1
    livyd.wait_session_state(shared, "idle", timeout=10)
    # The cancelled statement never ran; cancelling a finished one changes nothing.
    assert livyd.run_ok(shared, "'cancelled_var' in globals()") == {"text/plain": "False"}
    cancel(livyd, shared, second["id"])
    assert livyd.statement(shared, second["id"])["state"] == "cancelled"


def test_cancel_finished_statement_changes_nothing(livyd, shared):
    st = livyd.run(shared, "'fine'")
    cancel(livyd, shared, st["id"])
    again = livyd.statement(shared, st["id"])
    assert again["state"] == "available" and again["output"] == st["output"], again


def test_cancel_running_python_loop(livyd, shared):
    livyd.run_ok(shared, "keep_me = 'still here'")
    st = livyd.post_statement(shared, "while True:\n    pass")
    livyd.wait_statement(shared, st["id"], {"running"}, timeout=15)
    t0 = time.monotonic()
    cancel(livyd, shared, st["id"])
    right_after = livyd.statement(shared, st["id"])["state"]
    assert right_after in {"cancelling", "cancelled"}, right_after
    done = livyd.wait_statement(shared, st["id"], {"cancelled"}, timeout=10)
    assert time.monotonic() - t0 < 10, done
    livyd.wait_session_state(shared, "idle", timeout=10)
    assert livyd.run_ok(shared, "keep_me") == {"text/plain": "'still here'"}, "the session lost its variables"


def test_cancel_running_spark_job(livyd, shared):
    # ~1000 tasks of 10**9 rows each: minutes of work, with progress visible early.
    st = livyd.post_statement(shared, "spark.range(0, 10**12, 1, 1000).selectExpr('sum(id)').collect()")
    livyd.wait_statement(shared, st["id"], {"running"}, timeout=15)
    seen = []

    def progressing():
        cur = livyd.statement(shared, st["id"])
        seen.append(cur["progress"])
        return cur["state"] != "running" or 0.0 < cur["progress"] < 1.0

    try:
        wait_until(progressing, timeout=25, interval=0.5, what="progress of the Spark job")
    except AssertionError:
        pass  # judged below, after the cancel
    t0 = time.monotonic()
    cancel(livyd, shared, st["id"])
    done = livyd.wait_statement(shared, st["id"], {"cancelled"}, timeout=15)
    assert time.monotonic() - t0 < 15, done
    livyd.wait_session_state(shared, "idle", timeout=10)
    assert livyd.run_ok(shared, "spark.range(7).count()", timeout=60) == {"text/plain": "7"}, (
        "Spark must still work after a cancelled job")
    assert any(0.0 < p < 1.0 for p in seen), f"no progress reported while the job ran: {seen[-10:]}"


def test_interrupt(livyd, shared):
    resp = livyd.post(f"/sessions/{shared}/interrupt")
    assert livyd.json_of(resp, expect=200) == {"msg": "interrupted"}
    st = livyd.post_statement(shared, "import time\ntime.sleep(60)")
    livyd.wait_statement(shared, st["id"], {"running"}, timeout=15)
    resp = livyd.post(f"/sessions/{shared}/interrupt")
    assert livyd.json_of(resp, expect=200) == {"msg": "interrupted"}
    livyd.wait_statement(shared, st["id"], {"cancelled"}, timeout=10)
    livyd.wait_session_state(shared, "idle", timeout=10)


# ---- other session endpoints ---------------------------------------------------------------------

def test_completion(livyd, shared):
    resp = livyd.post(f"/sessions/{shared}/completion", {"code": "spark.rang", "kind": "pyspark", "cursor": 10})
    body = livyd.json_of(resp, expect=200)
    assert set(body) == {"candidates"} and isinstance(body["candidates"], list), body
    assert "spark.range" in body["candidates"], body


def test_connect_state_and_list(livyd, shared, started):
    resp = livyd.post(f"/sessions/{shared}/connect")
    body = livyd.json_of(resp, expect=200)
    assert_session_object(body, "POST connect")
    assert body["id"] == shared and body["state"] == "idle"
    assert livyd.get_json(f"/sessions/{shared}/state") == {"id": shared, "state": "idle"}
    listed = livyd.get_json("/sessions")
    assert set(listed) == {"from", "total", "sessions"} and listed["from"] == 0, listed.keys()
    for s in listed["sessions"]:
        assert_session_object(s, "GET /sessions")
    assert shared in [s["id"] for s in listed["sessions"]]
    assert listed["total"] >= 3
    page = livyd.get_json("/sessions", params={"from": 1, "size": 1})
    assert page["from"] == 1 and page["total"] == listed["total"] and len(page["sessions"]) == 1
    assert page["sessions"][0]["id"] == listed["sessions"][1]["id"]


def test_log(livyd, shared):
    # `from` indexes the lines livyd keeps (log.cache-size), a window that moves while the
    # driver logs: each check below is about one response.
    full = livyd.get_json(f"/sessions/{shared}/log", params={"from": 0, "size": 100000})
    assert set(full) == {"id", "from", "total", "log"}, full.keys()
    assert full["id"] == shared and full["from"] == 0
    assert full["total"] > 0, "a started Spark driver must have logged something"
    assert len(full["log"]) == full["total"] and all(isinstance(x, str) for x in full["log"])
    head = livyd.get_json(f"/sessions/{shared}/log", params={"from": 1, "size": 3})
    assert head["from"] == 1 and len(head["log"]) == min(3, head["total"] - 1), head
    everything = livyd.get_json(f"/sessions/{shared}/log", params={"from": 0, "size": -1})
    assert len(everything["log"]) == everything["total"], "size < 0 must give all lines"
    tail = livyd.get_json(f"/sessions/{shared}/log", params={"size": 2})
    assert len(tail["log"]) == 2 and tail["from"] == tail["total"] - 2, tail
    default = livyd.get_json(f"/sessions/{shared}/log")
    assert len(default["log"]) == min(100, default["total"]), "the default size is 100 (the last 100 lines)"
    assert_msg(livyd.get(f"/sessions/{shared}/log", params={"from": -1}), 400, livyd)


def test_trailing_and_double_slash_create(livyd):
    for path in ("/sessions/", "//sessions/"):
        name = new_marker("slash")
        livyd.markers.append(name)
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Connection: close\r\n").encode()
        body = json.dumps({"kind": "sql", "name": name}).encode()
        resp = raw_http(livyd.port, head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        assert resp.status == 201, f"POST {path}: {resp.status} {resp.body[:500]!r}"
        created = resp.json()
        try:
            assert_session_object(created, f"POST {path}")
            assert created["kind"] == "sql" and created["state"] == "starting"
            assert resp.headers.get("location") == f"/sessions/{created['id']}"
        finally:
            assert livyd.json_of(livyd.delete(f"/sessions/{created['id']}"), expect=200) == {"msg": "deleted"}


def test_stop_keeps_a_killed_session_listed(livyd):
    name = new_marker("stopme")
    livyd.markers.append(name)
    created = livyd.post_json("/sessions", {"kind": "pyspark", "name": name})
    sid = created["id"]
    try:
        resp = livyd.post(f"/sessions/{sid}/stop")
        assert resp.status_code == 204, f"POST stop: {resp.status_code} {resp.text[:300]!r}"
        state = livyd.wait_session_state(sid, {"killed"}, timeout=10)
        assert state == "killed"
        assert sid in [s["id"] for s in livyd.get_json("/sessions", params={"size": 10000})["sessions"]]
        msg = assert_msg(livyd.post(f"/sessions/{sid}/statements", {"code": "1"}), 400, livyd)
        assert "killed" in msg, f"the message should name the session's state: {msg!r}"
        wait_until(lambda: not procs_with_marker(name), timeout=GONE_DEADLINE,
                   what=f"the stopped session's processes ({name}) to exit")
    finally:
        resp = livyd.delete(f"/sessions/{sid}")
    assert livyd.json_of(resp, expect=200) == {"msg": "deleted"}
    assert_msg(livyd.post(f"/sessions/{sid}/statements", {"code": "1"}), 404, livyd)


# ---- losing and deleting sessions --------------------------------------------------------------

def session_processes(name: str):
    table = process_table()
    return group_and_descendants(procs_with_marker(name, table), table), table


def test_sigkilled_driver_ends_session_and_statement(livyd, started, shared):
    c = started["killme"]
    sid = c.id
    livyd.wait_session_state(sid, "idle", timeout=START_TIMEOUT)
    st = livyd.post_statement(sid, "import time\ntime.sleep(300)")
    livyd.wait_statement(sid, st["id"], {"running"}, timeout=15)
    table = process_table()
    submit = [p for p in procs_with_marker(c.name, table) if "livy_driver.py" in p.cmdline]
    assert submit, f"no spark-submit process with livy_driver.py and --name {c.name} in /proc"
    everything = group_and_descendants(submit, table)
    assert any("livy_driver.py" in p.cmdline and c.name not in p.cmdline for p in everything), (
        "the python driver process was not found below spark-submit: "
        + "; ".join(p.cmdline[:120] for p in everything))
    groups = {p.pgid for p in submit}
    assert not groups & {os.getpgrp(), os.getpgid(livyd.process.pid)}, "the driver shares a group with us or livyd"
    for pgid in groups:
        os.killpg(pgid, signal.SIGKILL)
    t0 = time.monotonic()
    state = livyd.wait_session_state(sid, {"dead", "error"}, timeout=20)
    assert time.monotonic() - t0 < 20, state
    lost = livyd.statement(sid, st["id"])
    assert lost["state"] == "error", f"the running statement of a lost driver must end 'error': {lost}"
    assert lost["completed"] > 0
    # Clients (pylivy) fail on a final statement without output: it must say what happened.
    assert lost["output"] is not None and lost["output"]["status"] == "error", lost
    assert livyd.get("/version").status_code == 200
    msg = assert_msg(livyd.post(f"/sessions/{sid}/statements", {"code": "1"}), 400, livyd)
    assert state in msg, f"the message should name the state {state!r}: {msg!r}"
    wait_until(lambda: not still_alive(everything), timeout=GONE_DEADLINE,
               what="the killed driver's processes to be gone")
    assert livyd.run_ok(shared, "40 + 2") == {"text/plain": "42"}, "the shared session was affected"


def test_delete_live_session_stops_its_driver(livyd, started):
    c = started["deleteme"]
    sid = c.id
    livyd.wait_session_state(sid, "idle", timeout=START_TIMEOUT)
    procs, _ = session_processes(c.name)
    assert any("livy_driver.py" in p.cmdline for p in procs), "the live session has no driver process"
    resp = livyd.delete(f"/sessions/{sid}")
    assert livyd.json_of(resp, expect=200) == {"msg": "deleted"}
    assert livyd.json_of(livyd.get(f"/sessions/{sid}"), expect=404) == {"msg": f"Session '{sid}' not found."}
    assert sid not in [s["id"] for s in livyd.get_json("/sessions", params={"size": 10000})["sessions"]]
    wait_until(lambda: not still_alive(procs), timeout=GONE_DEADLINE,
               what="the deleted session's processes to exit: "
               + "; ".join(p.cmdline[:100] for p in still_alive(procs)))
    assert_msg(livyd.delete(f"/sessions/{sid}"), 404, livyd)
