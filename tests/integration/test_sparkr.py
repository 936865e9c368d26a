"""Real-Spark integration tests of R statements (kind sparkr, alias r).

One pyspark session serves the whole module (a JVM start is the expensive part); its
R statements ask for kind sparkr themselves, so the same session also shows Python and
R side by side. The driver starts its R process on the first R statement. The last
test deletes the session and checks that its R process is gone.

Needs R (Debian's r-base-core, installed by scripts/bootstrap). pyspark from PyPI
ships no SparkR, so these tests normally see the "SparkR is unavailable" path.
"""
from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import pytest

from livyd_testlib import LivydClient, new_marker, read_proc, wait_until

START_TIMEOUT = 120.0  # seconds the session gets to become idle on a busy 2-core machine
GONE_DEADLINE = 20.0   # seconds by which the deleted session's R process must be gone


@pytest.fixture(scope="module")
def session(livyd: LivydClient):
    """The id of the module's pyspark session, once idle; DELETEd at the end if still there."""
    name = new_marker("sparkr")
    livyd.markers.append(name)
    created = livyd.post_json("/sessions", {"kind": "pyspark", "name": name,
                                            "conf": {"spark.ui.showConsoleProgress": "false"}})
    sid = created["id"]
    try:
        livyd.wait_session_state(sid, "idle", timeout=START_TIMEOUT)
        yield sid
    finally:
        livyd.delete(f"/sessions/{sid}")


def run_r(livyd, sid, code, kind="sparkr", timeout=60.0) -> dict:
    """Runs R code; the statement's output (the statement itself must end available)."""
    st = livyd.run(sid, code, kind, timeout)
    assert st["state"] == "available" and st["output"], f"R statement {code!r} ended {st}"
    return st["output"]


def r_text(livyd, sid, code, kind="sparkr") -> str:
    out = run_r(livyd, sid, code, kind)
    assert out["status"] == "ok", f"R statement {code!r} failed: {out}"
    assert set(out["data"]) == {"text/plain"}, out
    return out["data"]["text/plain"]


def test_variables_persist_between_statements(livyd, session):
    assert r_text(livyd, session, "x <- 40") == ""
    assert r_text(livyd, session, "x + 2") == "[1] 42"
    out = run_r(livyd, session, "x * 2")
    assert out["execution_count"] >= 2 and isinstance(out["execution_count"], int), out


def test_r_is_an_alias_of_sparkr(livyd, session):
    assert r_text(livyd, session, "sum(1:10)", kind="r") == "[1] 55"


def test_error_gives_status_error(livyd, session):
    out = run_r(livyd, session, 'stop("boom")')
    assert out["status"] == "error", out
    assert out["ename"] == "Error" and "boom" in out["evalue"], out
    assert out["traceback"] and all(isinstance(l, str) and l.endswith("\n") for l in out["traceback"]), out
    out = run_r(livyd, session, 'inner <- function() stop("deep")\nouter <- function() inner()\nouter()')
    assert out["status"] == "error" and out["evalue"] == "deep", out
    assert out["traceback"] == ["Error in inner() : deep\n", "Calls: outer -> inner\n"], out
    # A syntax error, and the interpreter still works afterwards.
    out = run_r(livyd, session, "x y")
    assert out["status"] == "error" and "unexpected symbol" in out["evalue"], out
    assert r_text(livyd, session, "x") == "[1] 40"


def test_output_capture(livyd, session):
    text = r_text(livyd, session,
                  'print("printed")\ncat("catted\\n")\nmessage("messaged")\nwarning("warned")\n'
                  'f <- function() warning("from f")\nf()\n1:3')
    assert text.split("\n") == ['[1] "printed"', "catted", "messaged", "Warning: warned",
                                "Warning in f() : from f", "[1] 1 2 3"], text
    assert r_text(livyd, session, "invisible(7)") == ""
    assert r_text(livyd, session, 'data.frame(a = 1:2, b = c("u", "v"))') == "  a b\n1 1 u\n2 2 v"
    assert r_text(livyd, session, 'paste0("caf", "\u00e9")') == '[1] "caf\u00e9"'


def test_a_plot_is_an_image(livyd, session):
    out = run_r(livyd, session, "plot(1:10)")
    assert out["status"] == "ok" and set(out["data"]) == {"text/plain", "image/png"}, out
    assert base64.b64decode(out["data"]["image/png"]).startswith(b"\x89PNG"), out


def test_python_and_r_share_the_session_not_variables(livyd, session):
    assert livyd.run_ok(session, "py_only = 1\npy_only + 1") == {"text/plain": "2"}
    assert r_text(livyd, session, 'exists("py_only")') == "[1] FALSE"
    assert livyd.run_ok(session, "'x' in globals()") == {"text/plain": "False"}
    assert r_text(livyd, session, "x") == "[1] 40"


def test_completion(livyd, session):
    resp = livyd.post(f"/sessions/{session}/completion", {"code": "Sys.ti", "kind": "sparkr", "cursor": 6})
    candidates = livyd.json_of(resp, expect=200)["candidates"]
    assert "Sys.time" in candidates and "Sys.timezone" in candidates, candidates
    assert candidates == sorted(set(candidates)), candidates


def test_cancel_interrupts_r_and_keeps_its_variables(livyd, session):
    st = livyd.post_statement(session, "Sys.sleep(120)", "sparkr")
    livyd.wait_statement(session, st["id"], {"running"}, timeout=30)
    time.sleep(0.5)  # let R be inside Sys.sleep
    t0 = time.monotonic()
    resp = livyd.post(f"/sessions/{session}/statements/{st['id']}/cancel")
    assert livyd.json_of(resp, expect=200) == {"msg": "canceled"}
    done = livyd.wait_statement(session, st["id"], {"cancelled"}, timeout=15)
    assert time.monotonic() - t0 < 15, done
    assert done["output"] and done["output"]["status"] == "error", done
    livyd.wait_session_state(session, "idle", timeout=10)
    assert r_text(livyd, session, "x") == "[1] 40", "R's variables did not survive the cancel"


def test_session_log_says_whether_sparkr_is_there(livyd, session, spark_home):
    r_text(livyd, session, "1")  # R has started by now
    log = livyd.get_json(f"/sessions/{session}/log", params={"size": -1})["log"]
    if (Path(spark_home) / "R" / "lib" / "SparkR").is_dir():
        assert any("SparkR attached" in line for line in log), "\n".join(log[-40:])
    else:
        assert any("SparkR is unavailable" in line for line in log), "\n".join(log[-40:])
        assert r_text(livyd, session, 'exists("spark")') == "[1] FALSE"


def test_r_process_is_gone_after_delete(livyd, session):
    text = r_text(livyd, session, "Sys.getpid()")
    match = re.fullmatch(r"\[1\] (\d+)", text)
    assert match, text
    pid = int(match.group(1))
    r = read_proc(pid)
    assert r is not None and "livy_r.R" in r.cmdline, f"pid {pid} is not the session's R process: {r}"
    resp = livyd.delete(f"/sessions/{session}")
    assert livyd.json_of(resp, expect=200) == {"msg": "deleted"}

    def gone():
        now = read_proc(pid)
        return now is None or now.starttime != r.starttime or now.state == "Z"
    wait_until(gone, timeout=GONE_DEADLINE, what=f"the deleted session's R process ({pid}) to exit")
