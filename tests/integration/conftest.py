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
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from livyd_testlib import (
    BATCH_FIXTURES,
    FIXTURES_DIR,
    MAX_CODE_BYTES,
    MAX_UPLOAD_BYTES,
    LivydClient,
    SetupError,
    livyd_bin_from_env,
    new_marker,
    running_livyd,
    spark_home_from_env,
)

HELLO_CLASS = "livyd.test.HelloJob"


# ---- environment -------------------------------------------------------------------

@pytest.fixture(scope="session")
def livyd_bin() -> Path:
    try:
        return livyd_bin_from_env()
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def spark_home() -> Path:
    try:
        return spark_home_from_env()
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def whitelisted_dir(tmp_path_factory) -> Path:
    """A temporary directory livyd is told to accept local files from."""
    return Path(os.path.realpath(tmp_path_factory.mktemp("whitelisted")))


# ---- the server --------------------------------------------------------------------

@pytest.fixture(scope="session")
def livyd(livyd_bin, spark_home, whitelisted_dir, tmp_path_factory):
    """One running livyd shared by all tests; yields a LivydClient. At the end, whatever
    batches and sessions are still live are deleted, livyd gets SIGTERM and must exit 0,
    and no process carrying a test marker may remain."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd")))
    whitelist = ",".join([os.path.realpath(FIXTURES_DIR), str(whitelisted_dir)])
    settings = {
        "files.local-dir-whitelist": whitelist,
        "spark.master": "local[2]",
        "batches.kill-grace": "3s",
        "statements.max-code-bytes": str(MAX_CODE_BYTES),
        "sessions.max-upload-bytes": str(MAX_UPLOAD_BYTES),
    }
    with running_livyd(livyd_bin, spark_home, work, settings) as client:
        yield client


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
    markers = {k: new_marker(k) for k in ("pi", "fail", "sleep", "jar", "slash", "digits")}
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
        "digits": ("/batches", {
            "file": str(BATCH_FIXTURES / "digits.py"),
            "args": [markers["digits"]],
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
