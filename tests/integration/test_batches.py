"""Real-Spark integration tests of livyd's batch API (POST/GET/DELETE /batches...).

The `launched` fixture starts all Spark batches at once (pi, a failing one, a long
one, two jar runs); the tests below then look at them one by one. Cheap request-
validation tests run in between while Spark is busy starting.
"""
from __future__ import annotations

import os
import re
import time

import pytest

from livyd_testlib import (
    APP_INFO_KEYS,
    BATCH_FIXTURES,
    BATCH_KEYS,
    LOCAL_APP_ID,
    TERMINAL_STATES,
    descendants,
    new_marker,
    process_table,
    procs_with_marker,
    raw_http,
    still_alive,
    wait_until,
)

PI_PY = BATCH_FIXTURES / "pi.py"
SLEEP_PY = BATCH_FIXTURES / "sleep.py"

SPARK_WAIT = 150.0  # seconds a Spark batch gets to finish on a busy 2-core machine
KILL_DEADLINE = 20.0  # seconds after DELETE by which every batch process must be gone


def assert_batch_object(obj: dict, where: str = "") -> None:
    """The Batch object carries exactly Livy's fields, with the right types."""
    assert isinstance(obj, dict), f"{where}: not an object: {obj!r}"
    assert set(obj) == BATCH_KEYS, (
        f"{where}: Batch fields {sorted(obj)} != {sorted(BATCH_KEYS)} "
        f"(missing {sorted(BATCH_KEYS - set(obj))}, extra {sorted(set(obj) - BATCH_KEYS)})")
    assert isinstance(obj["id"], int) and not isinstance(obj["id"], bool), f"{where}: id {obj['id']!r}"
    assert obj["name"] is None or isinstance(obj["name"], str), f"{where}: name {obj['name']!r}"
    assert obj["appId"] is None or isinstance(obj["appId"], str), f"{where}: appId {obj['appId']!r}"
    assert isinstance(obj["state"], str), f"{where}: state {obj['state']!r}"
    assert isinstance(obj["appInfo"], dict) and set(obj["appInfo"]) == APP_INFO_KEYS, (
        f"{where}: appInfo {obj['appInfo']!r} must have exactly {sorted(APP_INFO_KEYS)}")
    for k, v in obj["appInfo"].items():
        assert v is None or isinstance(v, str), f"{where}: appInfo.{k} = {v!r}"
    log = obj["log"]
    assert isinstance(log, list) and len(log) <= 10 and all(isinstance(x, str) for x in log), (
        f"{where}: log must be a list of at most 10 strings, got {log!r}")


def expect_rejected(livyd, body=None, status: int = 400, path: str = "/batches", **kwargs) -> str:
    """POSTs something invalid; asserts `status` and a {"msg": "..."} body; returns msg.
    If the server wrongly accepted it, the created batch is deleted before failing."""
    resp = livyd.post(path, body, **kwargs)
    if resp.status_code == 201:
        try:
            livyd.delete(f"/batches/{resp.json()['id']}")
        finally:
            pytest.fail(f"POST {path} {str(body)[:300]} was accepted (201), expected {status}: {resp.text[:500]}")
    err = livyd.json_of(resp, expect=status)
    assert isinstance(err, dict) and isinstance(err.get("msg"), str) and err["msg"], (
        f"error body must be {{\"msg\": \"...\"}}, got {err!r}")
    return err["msg"]


def pi_line_present(lines) -> bool:
    return any(re.search(r"Pi is roughly \d+\.\d+", line) for line in lines)


# ---- creation --------------------------------------------------------------------------

def test_create_answers_201_location_and_starting(launched):
    ids = []
    for key in ("pi", "fail", "sleep", "jar"):
        b = launched[key]
        assert b.status == 201, f"POST /batches ({key}) answered {b.status}: {b.text[:1000]}"
        assert b.body is not None, f"POST /batches ({key}): 201 without a JSON body: {b.text[:500]!r}"
        assert_batch_object(b.body, f"POST /batches ({key})")
        assert b.location == f"/batches/{b.body['id']}", (
            f"{key}: Location header {b.location!r}, expected /batches/{b.body['id']}")
        assert b.body["state"] == "starting", f"{key}: a new batch must report 'starting', got {b.body['state']!r}"
        assert b.body["name"] == b.request.get("name"), f"{key}: name {b.body['name']!r}"
        assert b.body["proxyUser"] is None, f"{key}: no proxyUser was asked for, got {b.body['proxyUser']!r}"
        ids.append(b.body["id"])
    assert len(set(ids)) == len(ids), f"batch ids are not unique: {ids}"
    assert all(i >= 0 for i in ids), ids
    assert ids == sorted(ids), f"ids of batches created one after another must increase: {ids}"


def test_version_reports_livy_api_level(livyd):
    body = livyd.get_json("/version")
    for key in ("version", "user", "revision", "branch", "date", "url"):
        assert key in body, f"/version lacks {key!r}: {body}"
    m = re.match(r"^(\d+)\.(\d+)\.(\d+)", str(body["version"]))
    assert m, f"/version version {body['version']!r} does not look like X.Y.Z"
    assert tuple(int(g) for g in m.groups()) >= (0, 5, 0), f"version {body['version']!r} < 0.5.0 (pylivy needs >= 0.5.0)"


# ---- request validation over real HTTP -----------------------------------------------------

def test_malformed_json_is_400(livyd):
    expect_rejected(livyd, data=b'{"file": "/x.py", "args": [', headers={"Content-Type": "application/json"})


def test_unknown_field_is_400_naming_it(livyd):
    msg = expect_rejected(livyd, {"file": str(PI_PY), "noSuchBatchField": 1})
    assert "noSuchBatchField" in msg, f"message should name the unknown field: {msg!r}"


@pytest.mark.parametrize("body", [{}, {"args": ["1"]}, {"className": "x.Y"}], ids=["empty", "args-only", "class-only"])
def test_missing_file_is_400(livyd, body):
    expect_rejected(livyd, body)


@pytest.mark.parametrize("field,value", [
    ("driverCores", -1),
    ("executorMemory", "lots"),
    ("driverMemory", "1 gigabyte"),
    ("args", "not-a-list"),
    ("numExecutors", "many"),
], ids=lambda v: str(v))
def test_invalid_values_are_400(livyd, field, value):
    expect_rejected(livyd, {"file": str(PI_PY), field: value})


def _outside_cases(whitelisted_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "pi.py").write_bytes(PI_PY.read_bytes())
    # A sibling whose name merely starts with the whitelisted directory's name.
    evil = whitelisted_dir.parent / (whitelisted_dir.name + "-evil")
    evil.mkdir(exist_ok=True)
    (evil / "pi.py").write_bytes(PI_PY.read_bytes())
    return outside, evil


@pytest.mark.parametrize("case", ["plain", "prefix-sibling", "dotdot", "file-uri", "pyFiles", "jars", "files"])
def test_local_path_outside_whitelist_is_400(livyd, whitelisted_dir, tmp_path, case):
    outside, evil = _outside_cases(whitelisted_dir, tmp_path)
    bad = str(outside / "pi.py")
    body = {"file": str(PI_PY)}
    named = bad
    if case == "plain":
        body["file"] = bad
    elif case == "prefix-sibling":
        named = str(evil / "pi.py")
        body["file"] = named
    elif case == "dotdot":
        # Starts with a whitelisted directory but walks out of it.
        rel = os.path.relpath(outside / "pi.py", whitelisted_dir)
        named = f"{whitelisted_dir}/{rel}"
        assert ".." in named
        body["file"] = named
    elif case == "file-uri":
        named = "file://" + bad
        body["file"] = named
    else:
        body[case] = [str(PI_PY), bad] if case == "pyFiles" else [bad]
    msg = expect_rejected(livyd, body)
    if case in ("plain", "prefix-sibling", "pyFiles", "jars", "files"):
        assert named in msg, f"message should name the refused path {named!r}: {msg!r}"


# Issue 9: what an attacker sent (F1, F5, F6, F10, F12), refused with 400 before anything
# starts, by batches and sessions alike. No Spark runs.
@pytest.mark.parametrize("path", ["/batches", "/sessions"])
@pytest.mark.parametrize("case", ["comma", "upper-scheme", "blocked-conf", "blocked-conf-case", "nul-in-conf-key",
                                  "long-conf-key"])
def test_issue9_attacks_are_400(livyd, tmp_path, path, case):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret\n")
    body = {"file": str(PI_PY)} if path == "/batches" else {"kind": "pyspark"}
    if case == "comma":
        body["files"] = [f"http://host/x.txt,{secret}"]
        named = str(secret)
    elif case == "upper-scheme":
        body["jars"] = [f"FILE:{secret}"]
        named = f"FILE:{secret}"
    elif case == "blocked-conf":
        body["conf"] = {"spark.driver.extraJavaOptions": "-XX:OnOutOfMemoryError=touch /tmp/x"}
        named = "spark.driver.extraJavaOptions"
    elif case == "blocked-conf-case":
        body["conf"] = {"SPARK.PYSPARK.PYTHON": "/bin/sh"}
        named = "SPARK.PYSPARK.PYTHON"
    elif case == "nul-in-conf-key":
        body["conf"] = {"spark.ui.enabled\u0000spark.driver.extraJavaOptions": "x"}
        named = "control character"
    else:
        body["conf"] = {"local-" + "7" * 40_000: "1"}
        named = "requests.max-conf-key-bytes"
    resp = livyd.post(path, body)
    if resp.status_code == 201:
        try:
            livyd.delete(f"{path}/{resp.json()['id']}")
        finally:
            pytest.fail(f"POST {path} ({case}) was accepted (201): {resp.text[:500]}")
    err = livyd.json_of(resp, expect=400)
    assert named in err["msg"], f"message should name {named!r}: {err!r}"


def _big_body(n_bytes: int) -> bytes:
    head = b'{"file": "' + str(PI_PY).encode() + b'", "args": ["'
    tail = b'"]}'
    return head + b"a" * (n_bytes - len(head) - len(tail)) + tail


def _chunks(data: bytes, size: int = 256 * 1024):
    for i in range(0, len(data), size):
        yield data[i:i + size]


def _batch_total(livyd) -> int:
    return livyd.get_json("/batches")["total"]


def test_oversized_body_is_413_and_server_survives(livyd):
    before = _batch_total(livyd)
    body = _big_body(11 * 1024 * 1024)
    head = (f"POST /batches HTTP/1.1\r\nHost: 127.0.0.1:{livyd.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n").encode()
    resp = raw_http(livyd.port, head, _chunks(body))
    assert resp.status == 413, f"11 MB body: expected 413, got {resp.status}: {resp.body[:300]!r}"
    assert resp.headers.get("content-type", "").startswith("application/json"), resp.headers
    assert isinstance(resp.json().get("msg"), str), resp.body[:300]
    # The server is still there and created nothing.
    assert livyd.get_json("/version")["version"]
    assert _batch_total(livyd) == before


def test_oversized_chunked_body_is_413(livyd):
    before = _batch_total(livyd)
    body = _big_body(11 * 1024 * 1024)
    head = (f"POST /batches HTTP/1.1\r\nHost: 127.0.0.1:{livyd.port}\r\n"
            f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            f"Connection: close\r\n\r\n").encode()

    def chunked():
        for piece in _chunks(body):
            yield b"%x\r\n" % len(piece) + piece + b"\r\n"
        yield b"0\r\n\r\n"

    resp = raw_http(livyd.port, head, chunked())
    assert resp.status == 413, f"11 MB chunked body: expected 413, got {resp.status}: {resp.body[:300]!r}"
    assert livyd.get_json("/version")["version"]
    assert _batch_total(livyd) == before


def test_body_below_limit_is_not_413(livyd):
    # ~900 KB is under the 1 MiB default: it must be parsed (and refused for the bogus field).
    msg = expect_rejected(livyd, {"file": str(PI_PY), "paddingField": "p" * 900_000})
    assert "paddingField" in msg, msg[:300]


@pytest.mark.parametrize("method,path", [
    ("GET", "/batches/9999"),
    ("GET", "/batches/9999/state"),
    ("GET", "/batches/9999/log"),
    ("DELETE", "/batches/9999"),
    ("GET", "/batches/no-such-batch-name"),
])
def test_unknown_batch_is_404_json(livyd, method, path):
    err = livyd.json_of(livyd.request(method, path), expect=404)
    assert isinstance(err, dict) and isinstance(err.get("msg"), str) and err["msg"], err


# ---- lookups and listing -------------------------------------------------------------------

def test_batch_reachable_by_name(livyd, launched):
    pi = launched["pi"]
    name = pi.request["name"]
    by_name = livyd.get_json(f"/batches/{name}")
    assert_batch_object(by_name, f"GET /batches/{name}")
    assert by_name["id"] == pi.id and by_name["name"] == name, by_name
    state = livyd.get_json(f"/batches/{name}/state")
    assert set(state) == {"id", "state"} and state["id"] == pi.id, state
    by_id = livyd.batch(pi.id)
    assert by_id["name"] == name, by_id


def test_state_endpoint_shape(livyd, launched):
    b = launched["fail"]
    body = livyd.get_json(f"/batches/{b.id}/state")
    assert set(body) == {"id", "state"}, body
    assert body["id"] == b.id
    assert body["state"] in {"starting", "running", "success", "dead", "killed", "error", "not_started"}, body


def test_list_and_paging(livyd, launched):
    full = livyd.get_json("/batches", params={"size": 1000})
    assert set(full) == {"from", "total", "sessions"}, sorted(full)
    sessions = full["sessions"]
    assert full["from"] == 0
    assert full["total"] == len(sessions), f"total {full['total']} vs {len(sessions)} listed"
    for obj in sessions:
        assert_batch_object(obj, "GET /batches item")
    ids = [obj["id"] for obj in sessions]
    created = {launched[k].id for k in ("pi", "fail", "sleep", "jar")}
    assert created <= set(ids), f"created batches {sorted(created)} missing from list {ids}"
    assert full["total"] >= 4

    default = livyd.get_json("/batches")
    assert default["from"] == 0 and default["total"] == full["total"]
    assert [o["id"] for o in default["sessions"]] == ids[:100]

    page = livyd.get_json("/batches", params={"from": 1, "size": 2})
    assert page["from"] == 1, page
    assert page["total"] == full["total"], "total must count all batches, not the page"
    assert [o["id"] for o in page["sessions"]] == ids[1:3], (page, ids)

    one = livyd.get_json("/batches", params={"from": 0, "size": 1})
    assert len(one["sessions"]) == 1 and one["total"] == full["total"]

    past = livyd.get_json("/batches", params={"from": full["total"] + 5, "size": 10})
    assert past["sessions"] == [] and past["total"] == full["total"], past


# ---- jar batches ---------------------------------------------------------------------------

def test_jar_batch_with_class_name_succeeds(livyd, launched):
    jar = launched["jar"]
    assert livyd.wait_state(jar.id, "success", SPARK_WAIT) == "success"
    expected = jar.extra["expected_line"]
    lines = livyd.full_log(jar.id)
    # Arguments with spaces, quotes and '$' must reach main() unchanged (no shell mangling).
    assert expected in [line.strip() for line in lines], (
        f"log lacks the line {expected!r}:\n" + "\n".join(lines[-30:]))
    assert expected in livyd.output_log(jar.id), "DATA_DIR/batches/{id}/output.log lacks the job's output"
    final = livyd.batch(jar.id)
    assert_batch_object(final, "jar batch")
    assert final["state"] == "success"


def test_post_with_trailing_slash_works(livyd, launched):
    b = launched["slash"]
    assert b.status == 201, f"POST /batches/ answered {b.status}: {b.text[:500]}"
    assert_batch_object(b.body, "POST /batches/")
    assert b.location == f"/batches/{b.body['id']}", b.location
    assert b.body["state"] == "starting"
    assert livyd.wait_state(b.id, "success", SPARK_WAIT) == "success"
    assert any("hello from jar via-trailing-slash" in line for line in livyd.full_log(b.id))
    # GET with a trailing slash lists like /batches
    listed = livyd.get_json("/batches/")
    assert b.id in [o["id"] for o in listed["sessions"]]


# ---- python batches ------------------------------------------------------------------------

def test_pi_batch_succeeds_with_logs_and_app_id(livyd, launched):
    pi = launched["pi"]
    seen_app_ids = set()
    deadline = time.monotonic() + SPARK_WAIT
    while True:
        obj = livyd.batch(pi.id)
        assert_batch_object(obj, "pi batch while running")
        if obj["appId"] is not None:
            seen_app_ids.add(obj["appId"])
        if obj["state"] in TERMINAL_STATES:
            break
        assert time.monotonic() < deadline, f"pi batch still {obj['state']!r}\n{livyd.diagnostics(pi.id)}"
        time.sleep(0.5)
    assert obj["state"] == "success", f"pi batch ended {obj['state']!r}\n{livyd.diagnostics(pi.id)}"

    # appId: a local-mode Spark application id, stable once known.
    final = livyd.batch(pi.id)
    assert final["appId"] is not None and LOCAL_APP_ID.match(final["appId"]), (
        f"appId {final['appId']!r} (seen while running: {sorted(seen_app_ids)}) is not local-<digits>")
    assert seen_app_ids <= {final["appId"]}, f"appId changed over time: {sorted(seen_app_ids)} -> {final['appId']}"

    # The whole log.
    full = livyd.log(pi.id, **{"from": 0, "size": 1000})
    assert set(full) == {"id", "from", "total", "log"}, sorted(full)
    assert full["id"] == pi.id and full["from"] == 0
    lines = full["log"]
    assert all(isinstance(x, str) for x in lines)
    assert full["total"] >= len(lines) > 0
    assert pi_line_present(lines), "log lacks 'Pi is roughly':\n" + "\n".join(lines[-40:])
    expected_args = "args were: " + " ".join(pi.request["args"])
    assert expected_args in [x.strip() for x in lines], f"args did not reach the script: no {expected_args!r}"

    # Without `from`: the last `size` lines (default 100).
    default = livyd.log(pi.id)
    assert default["id"] == pi.id
    assert len(default["log"]) == min(100, len(lines)), (len(default["log"]), len(lines))
    assert default["log"] == lines[-len(default["log"]):], "default log page is not the tail of the log"
    assert pi_line_present(default["log"]), "default log page (last 100 lines) lacks 'Pi is roughly'"

    head = livyd.log(pi.id, **{"from": 0, "size": 5})
    assert head["log"] == lines[:5] and head["from"] == 0, head
    tail = livyd.log(pi.id, size=5)
    assert tail["log"] == lines[-5:], tail

    # The Batch object's `log` is the last (at most 10) lines.
    assert_batch_object(final, "pi batch after success")
    assert len(final["log"]) == min(10, len(lines)), final["log"]
    assert final["log"] == lines[-len(final["log"]):], (final["log"], lines[-10:])

    on_disk = livyd.output_log(pi.id)
    assert "Pi is roughly" in on_disk and expected_args in on_disk, (
        "DATA_DIR/batches/{id}/output.log lacks the script's output")


def test_failing_batch_is_dead_with_error_in_log(livyd, launched):
    b = launched["fail"]
    state = livyd.wait_terminal(b.id, SPARK_WAIT)
    assert state == "dead", f"a batch whose driver raised must end 'dead', got {state!r}\n{livyd.diagnostics(b.id)}"
    lines = livyd.full_log(b.id)
    assert any("boom from batch" in x for x in lines), "log lacks the error:\n" + "\n".join(lines[-40:])
    assert any("ValueError" in x for x in lines)
    assert "boom from batch" in livyd.output_log(b.id)
    obj = livyd.batch(b.id)
    assert_batch_object(obj, "failed batch")
    assert obj["state"] == "dead"


def test_a_batch_printing_huge_app_id_lookalikes_does_not_crash_livyd(livyd, launched):
    """Issue 9, F1: one line of 60,000 digits after `local-` overflowed the stack of the
    app-id regex and killed livyd."""
    b = launched["digits"]
    state = livyd.wait_terminal(b.id, SPARK_WAIT)
    assert livyd.process.poll() is None, "livyd died reading the batch's output"
    assert state == "success", livyd.diagnostics(b.id)
    assert any("digits.py done" in x for x in livyd.full_log(b.id))
    app_id = livyd.batch(b.id)["appId"]
    assert app_id is None or len(app_id) < 64, f"a printed lookalike was taken as the app id: {app_id[:80]}"


def test_a_conf_key_of_40000_digits_is_400(livyd):
    """Issue 9, F1, the other path: spark-submit echoes an unknown conf key in a
    warning line, which the app-id scanner then reads."""
    r = livyd.post("/batches", {"file": "hdfs:/nonexistent.py", "conf": {"local-" + "1" * 40000: "x"}})
    assert r.status_code == 400, r.text
    assert "conf" in r.json()["msg"]
    assert livyd.process.poll() is None


def _batch_processes(marker: str):
    """(pgid, every process of the batch: its group plus all descendants)."""
    table = process_table()
    marked = procs_with_marker(marker, table)
    if not marked:
        return None, []
    pgids = {p.pgid for p in marked}
    assert len(pgids) == 1, f"processes carrying the marker are in several groups: " \
        f"{[(p.pid, p.pgid, p.cmdline[:80]) for p in marked]}"
    pgid = pgids.pop()
    roots = {p.pid for p in table.values() if p.pgid == pgid}
    return pgid, [table[pid] for pid in descendants(roots, table)]


def test_kill_long_batch_leaves_no_process(livyd, launched):
    b = launched["sleep"]
    marker = b.marker
    livyd.wait_state(b.id, "running", SPARK_WAIT)

    # Wait until the Spark job is really executing: the script said so and its tasks'
    # Python workers (pyspark.daemon, which sit in a process group of their own) exist.
    wait_until(lambda: any(f"sleep.py: started with marker {marker}" in x for x in livyd.full_log(b.id)),
               SPARK_WAIT, what="sleep.py to start its job")

    def workers_up():
        pgid, procs = _batch_processes(marker)
        return (pgid, procs) if any("pyspark.daemon" in p.cmdline for p in procs) else None

    pgid, procs = wait_until(workers_up, 90, what="the sleep job's Python workers")
    assert pgid not in (os.getpgrp(), os.getpgid(livyd.process.pid)), (
        f"batch processes share a process group ({pgid}) with the tests or livyd")
    leader = [p for p in procs if p.pid == pgid]
    assert leader, f"process group {pgid} has no live leader (wrapper pid should be the group id)"

    # appId is known while the application runs.
    app_id = wait_until(lambda: livyd.batch(b.id)["appId"], 30, what="appId of the running sleep batch")
    assert LOCAL_APP_ID.match(app_id), app_id
    assert livyd.state(b.id) == "running"

    # A second batch with the name of a live one is refused.
    dup_marker = new_marker("dup")
    livyd.markers.append(dup_marker)
    msg = expect_rejected(livyd, {"file": str(SLEEP_PY), "name": b.request["name"], "args": [dup_marker]})
    assert msg

    # Kill it.
    t0 = time.monotonic()
    resp = livyd.delete(f"/batches/{b.id}")
    assert livyd.json_of(resp, expect=200) == {"msg": "deleted"}

    assert livyd.wait_state(b.id, "killed", KILL_DEADLINE + 10) == "killed"

    livyd_pid = livyd.process.pid

    def leftovers():
        table = process_table()
        left = still_alive(procs, table)
        # A child of livyd that stays a zombie was never waited for.
        unreaped = [table[p.pid] for p in procs
                    if p.pid in table and table[p.pid].starttime == p.starttime
                    and table[p.pid].state == "Z" and table[p.pid].ppid == livyd_pid]
        marked = procs_with_marker(marker, table)
        return left + unreaped + [p for p in marked if p not in left]

    while True:
        left = leftovers()
        if not left:
            break
        if time.monotonic() - t0 > KILL_DEADLINE:
            pytest.fail(f"{len(left)} batch process(es) still alive {KILL_DEADLINE:.0f} s after DELETE:\n" +
                        "\n".join(f"  pid {p.pid} pgid {p.pgid} state {p.state}: {p.cmdline[:150]}" for p in left))
        time.sleep(0.5)

    # It stays killed (the exit status of the killed process must not turn it into dead/success),
    # and stays listed.
    time.sleep(1.0)
    assert livyd.state(b.id) == "killed"
    obj = livyd.batch(b.id)
    assert_batch_object(obj, "killed batch")
    assert obj["state"] == "killed"
    listed = {o["id"]: o["state"] for o in livyd.get_json("/batches", params={"size": 1000})["sessions"]}
    assert listed.get(b.id) == "killed", f"killed batch not listed as killed: {listed}"
