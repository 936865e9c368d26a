"""R statements (kind sparkr) through a real spark-submit of livy_driver.py, with this
file playing livyd's side of the driver channel: the driver's dispatch to livy_r.py,
cancel and completion messages, SparkR's attachment, and the R process stopping with
the driver. test_shutdown_during_an_r_statement must stay last.

pyspark from PyPI has no SparkR, so the driver here gets a stand-in: a tiny R package
named SparkR (installed at test time, found through SPARKR_PACKAGE_DIR) whose
sparkR.session() connects to the backend the driver started and reports what it got.
The path without SparkR is covered by tests/integration/test_sparkr.py.
"""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from fake_livyd import group_members, log_tail
from test_python_driver import start_driver, stop_driver

FAKE_SPARKR = {
    "DESCRIPTION": "Package: SparkR\nVersion: 0.0.1\nTitle: Stand-in\nDescription: Stand-in for tests.\n"
                   "License: Apache License (== 2.0)\nAuthor: livyd tests\nMaintainer: livyd <x@example.org>\n",
    "NAMESPACE": "export(sparkR.session)\n",
    "R/session.R": """
sparkR.session <- function(...) {
  port <- as.integer(Sys.getenv("EXISTING_SPARKR_BACKEND_PORT"))
  backend <- socketConnection(port = port, open = "r+b", blocking = TRUE, timeout = 10)
  close(backend)
  structure(list(port = port, secret_chars = nchar(Sys.getenv("SPARKR_BACKEND_AUTH_SECRET"))),
            class = "fake_sparkr_session")
}
""",
}


@pytest.fixture(scope="module")
def sparkr_lib(tmp_path_factory) -> str:
    source = tmp_path_factory.mktemp("fake-sparkr") / "SparkR"
    for name, text in FAKE_SPARKR.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    lib = tmp_path_factory.mktemp("r-lib")
    subprocess.run(["R", "CMD", "INSTALL", "--no-test-load", "-l", str(lib), str(source)],
                   check=True, capture_output=True)
    return str(lib)


@pytest.fixture(scope="module")
def driver(tmp_path_factory, sparkr_lib):
    old = os.environ.get("SPARKR_PACKAGE_DIR")
    os.environ["SPARKR_PACKAGE_DIR"] = sparkr_lib
    try:
        session = start_driver(tmp_path_factory.mktemp("r-driver"), "r-driver", {"spark.ui.enabled": "false"})
    finally:
        if old is None:
            os.environ.pop("SPARKR_PACKAGE_DIR")
        else:
            os.environ["SPARKR_PACKAGE_DIR"] = old
    yield session
    stop_driver(session)


def test_r_statements_run_in_one_r_process(driver):
    assert driver.ok("x <- 20", kind="sparkr") == {"text/plain": ""}
    assert driver.ok("x * 2 + 2", kind="sparkr") == {"text/plain": "[1] 42"}
    assert driver.ok("x * 3", kind="r") == {"text/plain": "[1] 60"}
    # Python is next to it, in its own namespace.
    assert driver.ok("'x' in globals()") == {"text/plain": "False"}


def test_r_error(driver):
    output = driver.error('stop("boom")', kind="sparkr")
    assert output["ename"] == "Error" and output["evalue"] == "boom", output
    assert output["traceback"] == ["Error: boom\n"], output


def test_r_code_or_output_that_is_not_utf8_does_not_wedge_the_session(driver):
    """Issue 9, F2: the driver dropped a line it could not decode, whatever its kind."""
    statement_id = driver.new_id()
    driver.channel.send_raw(b'{"type":"execute","id":%d,"code":"y <- \'\xff\'","kind":"sparkr"}\n' % statement_id)
    msg, _ = driver.result(statement_id, timeout=10)
    assert msg["output"]["ename"] == "DriverProtocolError" and "not valid UTF-8" in msg["output"]["evalue"], msg
    # Bytes R prints that are not UTF-8 reach livyd as U+FFFD.
    assert driver.ok("cat(rawToChar(as.raw(c(0x61, 0xff, 0x62))))", kind="sparkr") == {"text/plain": "a\ufffdb"}
    assert driver.ok("x", kind="sparkr") == {"text/plain": "[1] 20"}


def test_r_completion(driver):
    driver.channel.send({"type": "complete", "rid": "r1", "code": "Sys.ti", "cursor": 6, "kind": "sparkr"})
    msg, seen = driver.channel.wait_for(lambda m: m.get("type") == "completion", 10, "completion")
    assert msg == {"type": "completion", "rid": "r1", "candidates": ["Sys.time", "Sys.timezone"]}, (msg, seen)


def test_cancel_of_a_running_r_statement(driver):
    statement_id = driver.submit("Sys.sleep(60)", kind="sparkr")
    driver.expect(statement_id, "started")
    time.sleep(0.5)
    sent = time.monotonic()
    driver.channel.send({"type": "cancel", "id": statement_id})
    msg, _ = driver.result(statement_id, timeout=10)
    assert time.monotonic() - sent < 5, "the cancel took %.1f s" % (time.monotonic() - sent)
    assert msg["cancelled"] is True, msg
    assert msg["output"]["status"] == "error" and msg["output"]["ename"] == "KeyboardInterrupt", msg
    assert driver.ok("x", kind="sparkr") == {"text/plain": "[1] 20"}


def test_sparkr_is_attached_to_the_drivers_backend(driver):
    assert driver.ok('class(spark)', kind="sparkr") == {"text/plain": '[1] "fake_sparkr_session"'}
    assert driver.ok("spark$secret_chars > 0", kind="sparkr") == {"text/plain": "[1] TRUE"}
    log = driver.log_path.read_text(errors="replace")
    assert "SparkR attached" in log and "started R" in log, log_tail(driver.log_path)
    assert "SparkR is unavailable" not in log


def test_shutdown_during_an_r_statement(driver):
    r_pid = int(driver.ok("Sys.getpid()", kind="sparkr")["text/plain"].split()[1])
    statement_id = driver.submit("Sys.sleep(120)", kind="sparkr")
    driver.expect(statement_id, "started")
    driver.channel.send({"type": "shutdown"})
    msg, _ = driver.result(statement_id, timeout=15)
    assert msg["cancelled"] is True, msg
    try:
        code = driver.proc.wait(timeout=20)
    except Exception:
        pytest.fail("driver still running 20 s after shutdown\n" + log_tail(driver.log_path))
    assert code == 0, log_tail(driver.log_path)
    deadline = time.monotonic() + 5
    while group_members(driver.proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = group_members(driver.proc.pid)
    assert not left, "alive after the driver exited (R was pid %d): %r" % (r_pid, left)
