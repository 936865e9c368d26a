"""Fixtures for livyd's real-Spark integration tests.

One livyd is started for the whole test session (Spark start-up is the expensive
part, so the server and its batches are shared) and stopped with SIGTERM at the end.

Environment:
  LIVYD_BIN   path of the livyd binary (required; set by the ctest runner)
  SPARK_HOME  Spark distribution to use (default: the pyspark package in .venv)
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from livyd_testlib import (
    BATCH_FIXTURES,
    FIXTURES_DIR,
    REPO_ROOT,
    TERMINAL_STATES,
    LivydClient,
    descendants,
    new_marker,
    process_table,
    procs_with_marker,
)

DEFAULT_SPARK_HOME = REPO_ROOT / ".venv" / "lib" / "python3.11" / "site-packages" / "pyspark"
PORT_FILE_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 20.0
HELLO_CLASS = "livyd.test.HelloJob"


# ---- environment -------------------------------------------------------------------

@pytest.fixture(scope="session")
def livyd_bin() -> Path:
    value = os.environ.get("LIVYD_BIN")
    if not value:
        pytest.fail("LIVYD_BIN is not set: point it at the livyd binary "
                    "(e.g. LIVYD_BIN=build/apps/livyd/livyd); ctest sets it", pytrace=False)
    path = Path(value)
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"LIVYD_BIN={value!r} is not an executable file (build livyd first)", pytrace=False)
    return path.resolve()


@pytest.fixture(scope="session")
def spark_home() -> Path:
    path = Path(os.environ.get("SPARK_HOME") or DEFAULT_SPARK_HOME)
    if not (path / "bin" / "spark-submit").is_file():
        pytest.fail(f"SPARK_HOME={str(path)!r} has no bin/spark-submit", pytrace=False)
    return path.resolve()


@pytest.fixture(scope="session")
def whitelisted_dir(tmp_path_factory) -> Path:
    """A temporary directory livyd is told to accept local files from."""
    return Path(os.path.realpath(tmp_path_factory.mktemp("whitelisted")))


# ---- the server --------------------------------------------------------------------

@pytest.fixture(scope="session")
def livyd(livyd_bin, spark_home, whitelisted_dir, tmp_path_factory):
    """One running livyd shared by all tests; yields a LivydClient."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd")))
    data_dir = work / "data"
    data_dir.mkdir()
    port_file = work / "port"
    stderr_path = work / "livyd.stderr"
    whitelist = ",".join([os.path.realpath(FIXTURES_DIR), str(whitelisted_dir)])
    cmd = [
        str(livyd_bin),
        "--data-dir", str(data_dir),
        "--port", "0",
        "--port-file", str(port_file),
        "--set", f"files.local-dir-whitelist={whitelist}",
        "--set", "spark.master=local[2]",
        "--set", "batches.kill-grace=3s",
    ]
    env = dict(os.environ)
    # livyd itself must pick the Python of the venv that holds SPARK_HOME.
    env.pop("PYSPARK_PYTHON", None)
    env.pop("PYSPARK_DRIVER_PYTHON", None)
    env.update({
        "SPARK_HOME": str(spark_home),
        "SPARK_LOCAL_IP": "127.0.0.1",
    })
    stderr_file = open(stderr_path, "wb")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stderr_file,
                            stderr=stderr_file, env=env, cwd=work)
    try:
        port = _wait_for_port(proc, port_file, stderr_path)
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stderr_file.close()
        raise
    client = LivydClient(port, data_dir, proc, stderr_path)
    try:
        yield client
    finally:
        problems = []
        if proc.poll() is None:
            problems += _stop_live_batches(client)
        problems += _terminate(proc, stderr_path)
        problems += _reap_marked_processes(client.markers)
        stderr_file.close()
        if problems:
            pytest.fail("livyd shutdown problems:\n- " + "\n- ".join(problems), pytrace=False)


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except FileNotFoundError:
        return "<nothing>"


def _wait_for_port(proc, port_file: Path, stderr_path: Path) -> int:
    deadline = time.monotonic() + PORT_FILE_TIMEOUT
    while time.monotonic() < deadline:
        rc = proc.poll()
        if rc is not None:
            pytest.fail(f"livyd exited with {rc} before writing its port file; stderr:\n"
                        f"{_tail(stderr_path)}", pytrace=False)
        try:
            text = port_file.read_text()
        except FileNotFoundError:
            text = ""
        if text.endswith("\n") and text.strip().isdigit():
            port = int(text.strip())
            assert 0 < port < 65536, f"port file holds {text!r}"
            return port
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    pytest.fail(f"livyd wrote no port to {port_file} within {PORT_FILE_TIMEOUT:.0f} s; stderr:\n"
                f"{_tail(stderr_path)}", pytrace=False)


def _stop_live_batches(client: LivydClient) -> list[str]:
    """DELETEs batches a failed test may have left running, so no Spark outlives the run."""
    try:
        listed = client.get("/batches", params={"size": 100000}).json().get("sessions", [])
    except Exception as e:  # noqa: BLE001 - best effort
        return [f"could not list batches at shutdown: {e}"]
    live = [b["id"] for b in listed if b.get("state") not in TERMINAL_STATES]
    for batch_id in live:
        try:
            client.delete(f"/batches/{batch_id}")
        except Exception:  # noqa: BLE001
            pass
    deadline = time.monotonic() + 20
    while live and time.monotonic() < deadline:
        live = [b for b in live if client.get(f"/batches/{b}/state").json().get("state") not in TERMINAL_STATES]
        time.sleep(0.5)
    return [f"batches {live} did not stop after DELETE at shutdown"] if live else []


def _terminate(proc, stderr_path: Path) -> list[str]:
    if proc.poll() is not None:
        return [f"livyd had already exited with {proc.returncode}; stderr:\n{_tail(stderr_path)}"]
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=SHUTDOWN_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return [f"livyd did not exit within {SHUTDOWN_TIMEOUT:.0f} s of SIGTERM; stderr:\n{_tail(stderr_path)}"]
    if rc != 0:
        return [f"livyd exited with {rc} after SIGTERM (expected 0); stderr:\n{_tail(stderr_path)}"]
    return []


def _reap_marked_processes(markers: list[str]) -> list[str]:
    """Kills whatever batch processes are still around (their process groups, and the
    groups of their descendants, e.g. pyspark.daemon, which makes a group of its own)
    and reports them. Only processes started for these tests carry the markers."""
    table = process_table()
    leftovers = [p for m in markers for p in procs_with_marker(m, table)]
    groups = {p.pgid for p in leftovers}
    members = {p.pid for p in table.values() if p.pgid in groups}
    groups |= {table[pid].pgid for pid in descendants(members, table)}
    groups -= {os.getpgrp(), 0, 1}
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return [f"batch process left behind after shutdown: pid {p.pid} pgid {p.pgid}: {p.cmdline[:200]}"
            for p in leftovers]


# ---- test inputs ---------------------------------------------------------------------

def _find_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / name).exists():
        return str(Path(java_home) / "bin" / name)
    pytest.fail(f"{name} not found on PATH or in JAVA_HOME (a JDK is needed to build the test jar)",
                pytrace=False)


@pytest.fixture(scope="session")
def hello_jar(whitelisted_dir: Path) -> Path:
    """Builds tests/fixtures/batches/HelloJob.java into a jar in the whitelisted dir.
    (pip's pyspark ships no spark-examples jar, so the test brings its own.)"""
    classes = whitelisted_dir / "hello-classes"
    classes.mkdir(exist_ok=True)
    jar_path = whitelisted_dir / "hello.jar"
    subprocess.run([_find_tool("javac"), "--release", "17", "-d", str(classes),
                    str(BATCH_FIXTURES / "HelloJob.java")], check=True, capture_output=True)
    subprocess.run([_find_tool("jar"), "--create", "--file", str(jar_path), "-C", str(classes), "."],
                   check=True, capture_output=True)
    return jar_path


@dataclass
class Launched:
    """A batch POSTed by the `launched` fixture. body is None when the POST was not 201."""
    key: str
    request: dict
    path: str
    status: int
    location: str | None
    body: dict | None
    text: str
    marker: str
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> int:
        assert self.status == 201 and self.body is not None, (
            f"creating the {self.key!r} batch (POST {self.path}) answered {self.status}: {self.text[:1000]}")
        return self.body["id"]


@pytest.fixture(scope="session")
def launched(livyd: LivydClient, hello_jar: Path) -> dict[str, Launched]:
    """Starts every real Spark batch the tests need at once, so they run concurrently.
    Tests then wait for the one they look at."""
    suffix = uuid.uuid4().hex[:8]
    markers = {k: new_marker(k) for k in ("pi", "fail", "sleep", "jar", "slash")}
    livyd.markers.extend(markers.values())
    jar_args = ["alpha", "two words", "it's", "$HOME", markers["jar"]]
    specs = {
        "pi": ("/batches", {
            "file": str(BATCH_FIXTURES / "pi.py"),
            "args": ["20000", "6", markers["pi"]],
            "name": f"pi-{suffix}",
        }),
        "fail": ("/batches", {
            "file": str(BATCH_FIXTURES / "fail.py"),
            "args": [markers["fail"]],
        }),
        "sleep": ("/batches", {
            "file": str(BATCH_FIXTURES / "sleep.py"),
            "args": [markers["sleep"]],
            "name": f"sleep-{suffix}",
        }),
        "jar": ("/batches", {
            "file": str(hello_jar),
            "className": HELLO_CLASS,
            "args": jar_args,
        }),
        # Same job through the trailing-slash spelling of the endpoint.
        "slash": ("/batches/", {
            "file": str(hello_jar),
            "className": HELLO_CLASS,
            "args": ["via-trailing-slash", markers["slash"]],
        }),
    }
    out = {}
    for key, (path, body) in specs.items():
        resp = livyd.post(path, body)
        parsed = None
        if resp.status_code == 201:
            try:
                parsed = resp.json()
            except ValueError:
                parsed = None
        out[key] = Launched(key=key, request=body, path=path, status=resp.status_code,
                            location=resp.headers.get("Location"), body=parsed, text=resp.text,
                            marker=markers[key])
    out["jar"].extra["expected_line"] = "hello from jar " + " ".join(jar_args)
    return out
