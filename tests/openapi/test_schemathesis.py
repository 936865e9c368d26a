"""Fuzzing of livyd's HTTP layer with schemathesis, driven by docs/openapi.yaml.

One livyd is started on loopback with a temporary data directory and a temporary
files.local-dir-whitelist; `st run` then sends generated requests to every
operation of the spec (valid and invalid ones, and chains along the spec's links)
and checks each reply:

- not_a_server_error: no 5xx;
- status_code_conformance, content_type_conformance, response_headers_conformance,
  response_schema_conformance: the status, Content-Type, headers and body are the
  ones the spec documents for that operation;
- livyd_replies_are_json, livyd_location_is_a_uri (tests/openapi/schemathesis_hooks.py):
  every reply is JSON and every error is {"msg": string}, whatever the status; a
  Location header is a percent-encoded URI path.

POST /batches and POST /sessions are fuzzed too, against a fake Spark: spark.home
is a temporary directory whose bin/spark-submit sleeps 1 s and exits 1. This test is
about the HTTP layer, not Spark, and the fake keeps hundreds of creates from
starting hundreds of JVMs; livyd still runs a real child process for each batch
and session, which then ends `dead` or `error`. At the end, whatever is still live
is deleted, livyd must exit 0 on SIGTERM, and no process running the fake may be
left.

Bounds: at most FUZZ_EXAMPLES generated cases per operation and phase, and
FUZZ_TIMEOUT seconds for the whole run. LIVYD_FUZZ_SEED (default a fixed seed, so
a run is repeatable) and LIVYD_FUZZ_EXAMPLES override them.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from openapi_testlib import SPEC_PATH, make_fake_spark_home
from livyd_testlib import SetupError, procs_with_marker, reap_marked_processes, start_livyd, stop_livyd

HERE = Path(__file__).resolve().parent
FUZZ_EXAMPLES = int(os.environ.get("LIVYD_FUZZ_EXAMPLES", "25"))
FUZZ_SEED = os.environ.get("LIVYD_FUZZ_SEED", "20240601")
FUZZ_TIMEOUT = 170.0  # seconds for `st run`; the whole test stays under 3 minutes
# The longest a reply may take: GET .../statements/{sid}?wait= holds it up to 30 s.
REQUEST_TIMEOUT = 40.0
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "livyd_replies_are_json",
    "livyd_location_is_a_uri",
])
# The seeded session's name: characters that must be escaped in a Location header.
SEED_NAME = "fuzz seed?#%é"
FAKE_EXIT_GRACE = 10.0  # the fake spark-submit lives 1 s; anything older is a leak


@pytest.fixture
def fuzz_target(livyd_bin, tmp_path_factory):
    """A livyd whose Spark is the fake; yields (client, work dir). Stops it and checks
    that nothing it started is left."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd-fuzz")))
    fake_home = make_fake_spark_home(work / "fake-spark")
    # Local paths are checked against this directory: batch 0 names a file in it.
    whitelisted = work / "whitelisted"
    whitelisted.mkdir()
    (whitelisted / "app.py").write_text("print('never run: spark-submit is a fake')\n")
    settings = {
        "spark.home": str(fake_home),
        "spark.master": "local[1]",
        "files.local-dir-whitelist": str(whitelisted),
        "batches.kill-grace": "1s",
    }
    try:
        client = start_livyd(livyd_bin, fake_home, work, settings)
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)
    problems = []
    try:
        seed_resources(client, whitelisted / "app.py")
        yield client, work
    finally:
        problems += stop_livyd(client)
        problems += reap_fake(str(fake_home))
        if problems:
            pytest.fail("after fuzzing:\n- " + "\n- ".join(problems), pytrace=False)


def seed_resources(client, app: Path) -> None:
    """Batch 0, session 0 and its statement 0: the spec's path examples ("0") name
    them, so the fuzzing also reaches operations on objects that exist."""
    batch = client.post_json("/batches", {"file": str(app), "args": ["seed"]}, expect=201)
    session = client.post_json("/sessions", {"kind": "pyspark", "name": SEED_NAME}, expect=201)
    statement = client.post_json(f"/sessions/{session['id']}/statements", {"code": "1 + 1"}, expect=201)
    assert (batch["id"], session["id"], statement["id"]) == (0, 0, 0), "a fresh livyd numbers from 0"
    # A statement posted by session name (percent-encoded): its Location names the session
    # by its id, as Livy's does, and leads back to the statement.
    by_name = client.post(f"/sessions/{quote(SEED_NAME, safe='')}/statements", {"code": "2 + 2"})
    second = client.json_of(by_name, 201)
    location = by_name.headers.get("Location", "")
    assert location == f"/sessions/{session['id']}/statements/{second['id']}", location
    assert client.get_json(location)["code"] == "2 + 2"


def reap_fake(marker: str) -> list[str]:
    """Waits for the fake spark-submits (and their `sleep`) to end on their own, then
    kills and reports any that did not."""
    deadline = time.monotonic() + FAKE_EXIT_GRACE
    while procs_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    return reap_marked_processes([marker])


def run_schemathesis(base_url: str, work: Path) -> tuple[int, str, float]:
    """Runs `st run` on the spec; returns its exit code, its output and its duration."""
    st = Path(sys.executable).with_name("st")
    cmd = [
        str(st) if st.exists() else "st", "--config-file", str(HERE / "schemathesis.toml"), "run", str(SPEC_PATH),
        "--url", base_url,
        "--checks", CHECKS,
        "--max-examples", str(FUZZ_EXAMPLES),
        "--seed", FUZZ_SEED,
        "--workers", "1",  # CPython 3.11.2's ast.parse is not thread-safe (hypothesis calls it)
        "--request-timeout", str(REQUEST_TIMEOUT),
        "--generation-database", "none",  # write no .hypothesis/ anywhere
        "--no-color",
    ]
    env = dict(os.environ)
    env["SCHEMATHESIS_HOOKS"] = "schemathesis_hooks"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env["NO_PROXY"] = "127.0.0.1,localhost"  # never route loopback through a proxy
    out_path = work / "schemathesis.out"
    started = time.monotonic()
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=work, env=env, start_new_session=True)
        try:
            rc = proc.wait(timeout=FUZZ_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = None
    elapsed = time.monotonic() - started
    text = out_path.read_text(errors="replace")
    if rc is None:
        raise AssertionError(f"schemathesis did not finish within {FUZZ_TIMEOUT:.0f} s (a hang?); "
                             f"output in {out_path}:\n{tail(text)}")
    return rc, text, elapsed


def tail(text: str, limit: int = 12000) -> str:
    return text if len(text) <= limit else "...\n" + text[-limit:]


def test_schemathesis_finds_no_problem(fuzz_target):
    client, work = fuzz_target
    rc, output, elapsed = run_schemathesis(client.base_url, work)
    print(output[-3000:])  # the summary, for `pytest -s` and ctest logs
    print(f"schemathesis took {elapsed:.1f} s")
    assert rc == 0, (
        f"schemathesis found problems (exit {rc}; seed {FUZZ_SEED}; full output in {work / 'schemathesis.out'}; "
        f"livyd stderr in {client.stderr_path}):\n{tail(output)}")
    assert client.process.poll() is None, f"livyd exited during the fuzzing:\n{client.stderr_tail()}"
    # The run reached every operation, and the creating ones created something (a
    # batch or session stays on disk in DATA_DIR even when a DELETE forgot it).
    n_ops = sum(1 for item in yaml.safe_load(SPEC_PATH.read_text())["paths"].values()
                for method in ("get", "put", "post", "delete", "patch", "options", "head", "trace") if method in item)
    assert f"Tested: {n_ops}" in output, f"not every one of the {n_ops} operations was tested:\n{tail(output, 3000)}"
    for kind in ("batches", "sessions"):
        made = [d for d in (client.data_dir / kind).glob("*") if d.is_dir()]
        assert made, f"no {kind[:-1]} was ever created: POST /{kind} was never accepted"
