"""Real-Spark integration tests of Livy's programmatic job API (submit-job, run-job,
jobs/{id}, cancel) and of adding files to a session (upload-*, add-*).

The module shares one pyspark session (`session`). Jobs are made the way Livy's Python
client makes them: a callable taking a JobContext, pickled with cloudpickle, in base64;
a succeeded job's `result` is base64 of (base64 of the pickled value), so it is decoded
twice. Livy's Python client itself (livy-python-api) is not on PyPI, so these tests speak
its wire format instead of running it.
"""
from __future__ import annotations

import base64
import json
import sys
import time
import uuid

import cloudpickle
import pytest

from livyd_testlib import MAX_UPLOAD_BYTES, LivydClient, new_marker, raw_http

START_TIMEOUT = 120.0
JOB_KEYS = {"id", "state", "result", "error"}
JOB_STATES = {"QUEUED", "STARTED", "CANCELLED", "FAILED", "SUCCEEDED"}  # what a poll may answer
JOB_FINAL = {"CANCELLED", "FAILED", "SUCCEEDED"}

# The jobs below are defined in this module, which the driver cannot import: pickle them by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


# ---- helpers ------------------------------------------------------------------------------

def job_body(fn, job_type="pyspark") -> dict:
    body = {"job": base64.b64encode(cloudpickle.dumps(fn)).decode("ascii")}
    if job_type is not None:
        body["jobType"] = job_type
    return body


def assert_job_object(obj, where: str) -> None:
    """Livy's Java client rejects unknown fields: a job status carries exactly these."""
    assert isinstance(obj, dict) and set(obj) == JOB_KEYS, f"{where}: job status {obj!r} must have {JOB_KEYS}"
    assert isinstance(obj["id"], int) and not isinstance(obj["id"], bool), f"{where}: id {obj['id']!r}"
    assert obj["result"] is None or isinstance(obj["result"], str), where
    assert obj["error"] is None or isinstance(obj["error"], str), where


def post_job(livyd: LivydClient, sid: int, fn, endpoint: str = "submit-job") -> dict:
    resp = livyd.post(f"/sessions/{sid}/{endpoint}", job_body(fn))
    job = livyd.json_of(resp, expect=201)
    assert_job_object(job, f"POST {endpoint}")
    assert job["state"] == "SENT", f"the POST of a job answers SENT (Livy's clients expect it), got {job}"
    assert job["result"] is None and job["error"] is None, job
    assert resp.headers.get("Location") == f"/sessions/{sid}/jobs/{job['id']}"
    return job


def wait_job(livyd: LivydClient, sid: int, job_id: int, states=JOB_FINAL, timeout: float = 90.0) -> dict:
    """Polls GET /sessions/{id}/jobs/{jobid} as Livy's client does; never accepts SENT."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        job = livyd.get_json(f"/sessions/{sid}/jobs/{job_id}")
        assert_job_object(job, f"GET job {job_id}")
        assert job["state"] in JOB_STATES, (
            f"a polled job must be one of {sorted(JOB_STATES)} (Livy's Python client fails on {job['state']!r})")
        if not seen or seen[-1] != job["state"]:
            seen.append(job["state"])
        if job["state"] in states:
            return job
        if job["state"] in JOB_FINAL:
            raise AssertionError(f"job {job_id} ended {job['state']} while waiting for {states}: {job}")
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} not in {states} after {timeout} s (seen {seen}): {job}\n"
                                 + livyd.session_diagnostics(sid))
        time.sleep(0.2)


def result_of(job: dict):
    """What Livy's Python client does with a SUCCEEDED job's result: base64 twice, then unpickle."""
    assert job["state"] == "SUCCEEDED", f"job did not succeed: {json.dumps(job)[:3000]}"
    return cloudpickle.loads(base64.b64decode(base64.b64decode(job["result"])))


def assert_msg(livyd: LivydClient, resp, status: int) -> str:
    body = livyd.json_of(resp, expect=status)
    assert isinstance(body, dict) and isinstance(body.get("msg"), str) and body["msg"], body
    return body["msg"]


def upload(livyd: LivydClient, sid, endpoint: str, field: str, name: str, content: bytes):
    return livyd.post(f"/sessions/{sid}/{endpoint}", files={field: (name, content)})


# ---- the module's session ---------------------------------------------------------------------

def sum_job(ctx):
    return ctx.sc.parallelize(range(1, 101), 4).sum()


@pytest.fixture(scope="module")
def started(livyd: LivydClient):
    """Creates the session and, while it is still starting, submits a job (Livy's clients do)."""
    resp = livyd.post("/sessions", {"kind": "pyspark", "name": new_marker("jobs"),
                                    "conf": {"spark.ui.showConsoleProgress": "false"}})
    body = livyd.json_of(resp, expect=201)
    livyd.markers.append(body["name"])
    early = livyd.post(f"/sessions/{body['id']}/submit-job", job_body(sum_job))
    try:
        yield body["id"], early
    finally:
        livyd.delete(f"/sessions/{body['id']}")


@pytest.fixture(scope="module")
def session(livyd, started) -> int:
    sid = started[0]
    livyd.wait_session_state(sid, "idle", timeout=START_TIMEOUT)
    return sid


# ---- requests refused before any Spark runs ----------------------------------------------------

def test_java_jobs_are_refused_with_400(livyd, started):
    sid = started[0]
    msg = assert_msg(livyd, livyd.post(f"/sessions/{sid}/submit-job", job_body(sum_job, "spark")), 400)
    assert "spark" in msg and "not supported" in msg, msg
    # Without jobType Livy reads the job as a Java one too.
    msg = assert_msg(livyd, livyd.post(f"/sessions/{sid}/run-job", job_body(sum_job, None)), 400)
    assert "not supported" in msg, msg


@pytest.mark.parametrize("body, words", [
    ({"jobType": "pyspark"}, "job"),
    ({"job": "", "jobType": "pyspark"}, "job"),
    ({"job": "not base64!", "jobType": "pyspark"}, "base64"),
    ({"job": "AAAA", "jobType": "scala"}, "jobType"),
    ({"job": 5, "jobType": "pyspark"}, "job"),
    ({"job": "AAAA", "jobType": "pyspark", "extra": 1}, "extra"),
])
def test_bad_job_requests_are_400_naming_the_field(livyd, started, body, words):
    msg = assert_msg(livyd, livyd.post(f"/sessions/{started[0]}/submit-job", body), 400)
    assert words in msg, msg


def test_unknown_session_and_job_are_404(livyd, started):
    assert_msg(livyd, livyd.post("/sessions/999999/submit-job", job_body(sum_job)), 404)
    assert_msg(livyd, livyd.get("/sessions/999999/jobs/0"), 404)
    msg = assert_msg(livyd, livyd.get(f"/sessions/{started[0]}/jobs/4242"), 404)
    assert "4242" in msg
    assert_msg(livyd, livyd.get(f"/sessions/{started[0]}/jobs/abc"), 404)
    assert_msg(livyd, livyd.post(f"/sessions/{started[0]}/jobs/4242/cancel", data=b""), 404)


def test_add_of_a_local_path_outside_the_whitelist_is_400(livyd, started):
    sid = started[0]
    for endpoint in ("add-jar", "add-pyfile", "add-file"):
        msg = assert_msg(livyd, livyd.post(f"/sessions/{sid}/{endpoint}", {"uri": "/etc/passwd"}), 400)
        assert "cannot be added" in msg, msg
    msg = assert_msg(livyd, livyd.post(f"/sessions/{sid}/add-jar", {"uri": "file:///usr/lib/x.jar"}), 400)
    assert "cannot be added" in msg, msg
    msg = assert_msg(livyd, livyd.post(f"/sessions/{sid}/add-file", {"uri": "relative.txt"}), 400)
    assert "absolute" in msg, msg
    msg = assert_msg(livyd, livyd.post(f"/sessions/{sid}/add-file", {}), 400)
    assert "uri" in msg, msg


def test_upload_over_the_limit_is_413(livyd, started):
    sid = started[0]
    big = b"x" * (MAX_UPLOAD_BYTES + 1)
    msg = assert_msg(livyd, upload(livyd, sid, "upload-file", "file", "big.bin", big), 413)
    assert "sessions.max-upload-bytes" in msg, msg
    # Chunked: no Content-Length to refuse up front, the bytes are counted as they arrive.
    boundary = "livydtestboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()

    def chunks():
        for piece in (head, b"y" * (MAX_UPLOAD_BYTES // 2), b"y" * (MAX_UPLOAD_BYTES // 2), b"y" * 1024,
                      f"\r\n--{boundary}--\r\n".encode()):
            yield b"%x\r\n%s\r\n" % (len(piece), piece)
        yield b"0\r\n\r\n"

    request = (f"POST /sessions/{sid}/upload-file HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
               f"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    resp = raw_http(livyd.port, request, chunks())
    assert resp.status == 413, (resp.status, resp.body[:500])
    assert "sessions.max-upload-bytes" in resp.json()["msg"]
    # Other routes keep server.request-max-bytes.
    resp = raw_http(livyd.port, (f"POST /sessions/{sid}/jobs/0/cancel HTTP/1.1\r\nHost: x\r\n"
                                 f"Content-Length: {10 << 20}\r\nConnection: close\r\n\r\n").encode())
    assert resp.status == 413, (resp.status, resp.body[:500])


def test_upload_needs_multipart_with_livys_part_name(livyd, started):
    sid = started[0]
    msg = assert_msg(livyd, livyd.post(f"/sessions/{sid}/upload-jar", data=b"PK\x03\x04"), 400)
    assert "multipart" in msg, msg
    # upload-jar's part is `jar` (as Livy's Java client sends it), not `file`.
    msg = assert_msg(livyd, upload(livyd, sid, "upload-jar", "file", "x.jar", b"PK"), 400)
    assert "'jar'" in msg, msg
    msg = assert_msg(livyd, upload(livyd, sid, "upload-pyfile", "file", "..", b"x = 1\n"), 400)
    assert "name" in msg, msg


# ---- jobs ---------------------------------------------------------------------------------------

def test_job_submitted_while_starting_runs_once_ready(livyd, started, session):
    job = livyd.json_of(started[1], expect=201)
    assert_job_object(job, "early submit-job")
    assert job["state"] == "SENT"
    assert result_of(wait_job(livyd, session, job["id"])) == 5050


def test_submit_job_computes_a_sum_on_sc(livyd, session):
    job = post_job(livyd, session, sum_job)
    done = wait_job(livyd, session, job["id"])
    assert done["error"] is None
    assert result_of(done) == 5050


def test_run_job_returns_sent_and_succeeds(livyd, session):
    job = post_job(livyd, session, lambda ctx: {"n": ctx.spark_session.range(10).count(), "s": "é"}, "run-job")
    assert result_of(wait_job(livyd, session, job["id"])) == {"n": 10, "s": "é"}


def test_job_context_offers_livys_members(livyd, session):
    key = uuid.uuid4().hex

    def setter(ctx):
        ctx.set_shared_object(key, [1, 2, 3])
        return type(ctx.sql_ctx).__name__, ctx.hive_ctx is not None, bool(ctx.local_tmp_dir_path)

    kind, hive, tmp = result_of(wait_job(livyd, session, post_job(livyd, session, setter)["id"]))
    assert kind == "SparkSession" and hive and tmp

    def getter(ctx):
        value = ctx.get_shared_object(key)
        ctx.remove_shared_object(key)
        return value, ctx.get_shared_object(key), ctx.sql_ctx.sql("select 41 + 1 as x").collect()[0].x

    assert result_of(wait_job(livyd, session, post_job(livyd, session, getter)["id"])) == ([1, 2, 3], None, 42)


def test_job_raising_fails_with_its_message(livyd, session):
    marker = new_marker("boom")

    def failing(ctx):
        raise ValueError(marker)

    done = wait_job(livyd, session, post_job(livyd, session, failing)["id"])
    assert done["state"] == "FAILED", done
    assert done["result"] is None
    assert f"ValueError: {marker}" in done["error"], done["error"]
    assert "livy_driver" not in done["error"], f"the driver's own frames must not show: {done['error']}"


def test_job_returning_what_cannot_be_pickled_fails(livyd, session):
    done = wait_job(livyd, session, post_job(livyd, session, lambda ctx: ctx.sc)["id"])
    assert done["state"] == "FAILED" and done["error"], done


def test_cancel_of_a_long_job(livyd, session):
    def long_job(ctx):
        import time as t
        return ctx.sc.parallelize([1, 2], 2).map(lambda x: t.sleep(300) or x).collect()

    job = post_job(livyd, session, long_job)
    wait_job(livyd, session, job["id"], states={"STARTED"})
    time.sleep(1.0)  # let the Spark tasks start
    resp = livyd.post(f"/sessions/{session}/jobs/{job['id']}/cancel", data=b"")
    assert livyd.json_of(resp, expect=200) == {"msg": "canceled"}
    started = time.monotonic()
    done = wait_job(livyd, session, job["id"], timeout=60)
    assert done["state"] == "CANCELLED", done
    assert done["result"] is None
    assert time.monotonic() - started < 30, "cancel took too long"
    # The session goes on: statements and jobs run again.
    assert livyd.run_ok(session, "1 + 1")["text/plain"] == "2"
    assert result_of(wait_job(livyd, session, post_job(livyd, session, sum_job)["id"])) == 5050
    # Cancelling a final job changes nothing.
    resp = livyd.post(f"/sessions/{session}/jobs/{job['id']}/cancel", data=b"")
    assert livyd.json_of(resp, expect=200) == {"msg": "canceled"}
    assert livyd.get_json(f"/sessions/{session}/jobs/{job['id']}")["state"] == "CANCELLED"


def test_queued_job_is_cancelled_without_running(livyd, session):
    st = livyd.post_statement(session, "import time\ntime.sleep(3)")
    job = post_job(livyd, session, sum_job)
    resp = livyd.post(f"/sessions/{session}/jobs/{job['id']}/cancel", data=b"")
    assert livyd.json_of(resp, expect=200) == {"msg": "canceled"}
    assert livyd.get_json(f"/sessions/{session}/jobs/{job['id']}")["state"] == "CANCELLED"
    livyd.wait_statement(session, st["id"])


# ---- files ----------------------------------------------------------------------------------------

def test_upload_pyfile_is_importable_by_the_next_statement(livyd, session):
    module = "livyd_uploaded_" + uuid.uuid4().hex[:8]
    resp = upload(livyd, session, "upload-pyfile", "file", f"{module}.py", b"ANSWER = 42\n")
    assert livyd.json_of(resp, expect=200) == {"msg": "uploaded"}
    data = livyd.run_ok(session, f"import {module}\n{module}.ANSWER")
    assert data["text/plain"] == "42"
    # Executors import it too.
    data = livyd.run_ok(session, f"sc.parallelize([1], 1).map(lambda _: __import__('{module}').ANSWER).collect()")
    assert data["text/plain"] == "[42]"
    # A second upload with the same name could not take effect in Spark: 409.
    assert_msg(livyd, upload(livyd, session, "upload-pyfile", "file", f"{module}.py", b"ANSWER = 1\n"), 409)


def test_upload_file_is_readable_through_sparkfiles(livyd, session):
    name = f"data-{uuid.uuid4().hex[:8]}.txt"
    resp = upload(livyd, session, "upload-file", "file", name, "hello from an upload ✓\n".encode())
    assert livyd.json_of(resp, expect=200) == {"msg": "uploaded"}
    data = livyd.run_ok(session, f"from pyspark import SparkFiles\nopen(SparkFiles.get({name!r}), encoding='utf-8').read()")
    assert "hello from an upload ✓" in data["text/plain"]


def test_add_file_of_a_whitelisted_path(livyd, session, whitelisted_dir):
    path = whitelisted_dir / f"added-{uuid.uuid4().hex[:8]}.txt"
    path.write_text("added by uri\n")
    resp = livyd.post(f"/sessions/{session}/add-file", {"uri": f"file://{path}"})
    assert livyd.json_of(resp, expect=200) == {"msg": "added"}
    data = livyd.run_ok(session, f"from pyspark import SparkFiles\nopen(SparkFiles.get({path.name!r})).read()")
    assert "added by uri" in data["text/plain"]
    # A job sees it too.
    job = post_job(livyd, session, lambda ctx: open(__import__("pyspark").SparkFiles.get(path.name)).read())
    assert result_of(wait_job(livyd, session, job["id"])) == "added by uri\n"


def test_add_pyfile_of_a_whitelisted_path(livyd, session, whitelisted_dir):
    module = "livyd_added_" + uuid.uuid4().hex[:8]
    path = whitelisted_dir / f"{module}.py"
    path.write_text("def triple(x):\n    return 3 * x\n")
    resp = livyd.post(f"/sessions/{session}/add-pyfile", {"uri": str(path)})
    assert livyd.json_of(resp, expect=200) == {"msg": "added"}

    def uses_it(ctx):
        mod = __import__(module)
        return ctx.sc.parallelize([1, 2], 2).map(lambda x: __import__(module).triple(x)).collect(), mod.triple(5)

    assert result_of(wait_job(livyd, session, post_job(livyd, session, uses_it)["id"])) == ([3, 6], 15)


def test_upload_and_add_jar_reach_sparks_jars(livyd, session, hello_jar):
    name = f"up-{uuid.uuid4().hex[:8]}.jar"
    resp = upload(livyd, session, "upload-jar", "jar", name, hello_jar.read_bytes())
    assert livyd.json_of(resp, expect=200) == {"msg": "uploaded"}
    resp = livyd.post(f"/sessions/{session}/add-jar", {"uri": str(hello_jar)})
    assert livyd.json_of(resp, expect=200) == {"msg": "added"}
    data = livyd.run_ok(session, "sorted(sc._jsc.sc().listJars().mkString('\\n').split('\\n'))")
    assert name in data["text/plain"] and hello_jar.name in data["text/plain"], data


def test_add_of_a_missing_whitelisted_file_is_400_from_the_driver(livyd, session, whitelisted_dir):
    missing = whitelisted_dir / "does-not-exist.txt"
    msg = assert_msg(livyd, livyd.post(f"/sessions/{session}/add-file", {"uri": str(missing)}), 400)
    assert "could not add" in msg, msg
