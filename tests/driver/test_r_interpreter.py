"""lib/drivers/python/livy_r.py and livy_r.R without Spark: an RInterpreter over a
stand-in SparkSession, driven the way livy_driver.py drives it (run() on the main
thread; a cancel is a SIGINT to the main thread, whose handler raises
KeyboardInterrupt). Needs R (r-base-core). One R process serves the module, so these
tests also check that it survives errors, interrupts and odd user code.
"""
from __future__ import annotations

import base64
import contextlib
import importlib.util
import os
import signal
import threading
import time

import pytest

from fake_livyd import REPO_ROOT

spec = importlib.util.spec_from_file_location("livy_r", REPO_ROOT / "lib" / "drivers" / "python" / "livy_r.py")
livy_r = importlib.util.module_from_spec(spec)
spec.loader.exec_module(livy_r)


class UserError(Exception):
    """The driver's UserError, as RInterpreter receives it."""

    def __init__(self, ename, evalue, tb):
        super().__init__(evalue)
        self.ename, self.evalue, self.traceback = ename, evalue, tb


class FakeSpark:
    """Just enough of a SparkSession: the conf RInterpreter reads."""

    def __init__(self, conf=None):
        conf = dict(conf or {})

        class Conf:
            def get(self, key, default=None):
                return conf.get(key, default)

        class Context:
            def getConf(self):
                return Conf()

        self.sparkContext = Context()


@pytest.fixture(scope="module")
def r(tmp_path_factory):
    # No SPARK_HOME with SparkR: plain R, as with pyspark from PyPI.
    old = os.environ.get("SPARK_HOME")
    os.environ["SPARK_HOME"] = str(tmp_path_factory.mktemp("no-spark"))
    interpreter = livy_r.RInterpreter(FakeSpark(), UserError)
    try:
        yield interpreter
    finally:
        interpreter.close()
        if old is None:
            os.environ.pop("SPARK_HOME")
        else:
            os.environ["SPARK_HOME"] = old


@pytest.fixture
def cancellable():
    """A SIGINT handler like the driver's: interrupts the main thread only when armed."""
    armed = threading.Event()

    def on_sigint(signum, frame):
        if armed.is_set():
            raise KeyboardInterrupt
    old = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield armed
    finally:
        signal.signal(signal.SIGINT, old)


def cancel_after(delay, armed, repeat=1.0):
    """What the driver's stopper does: SIGINT to the main thread now and every `repeat` s."""
    main = threading.main_thread().ident
    done = threading.Event()

    def stopper():
        time.sleep(delay)
        armed.set()
        while not done.is_set():
            signal.pthread_kill(main, signal.SIGINT)
            done.wait(repeat)
    thread = threading.Thread(target=stopper)
    thread.start()
    return done, thread


def text(r, code):
    data = r.run(code)
    assert set(data) == {"text/plain"}, data
    return data["text/plain"]


def error(r, code) -> UserError:
    with pytest.raises(UserError) as info:
        r.run(code)
    return info.value


def r_pid(r) -> int:
    return int(text(r, "Sys.getpid()").split()[1])


def test_variables_persist(r):
    assert text(r, "x <- 40") == ""
    assert text(r, "x + 2") == "[1] 42"


def test_output_in_order(r):
    out = text(r, 'cat("a\\n"); message("b"); print(1); warning("c"); invisible(2)')
    assert out == "a\nb\n[1] 1\nWarning: c"


def test_errors(r):
    e = error(r, 'stop("boom")')
    assert (e.ename, e.evalue, e.traceback) == ("Error", "boom", ["Error: boom\n"])
    e = error(r, 'f <- function(v) g(v)\ng <- function(v) log(v)\nf("a")')
    assert e.ename == "Error" and "non-numeric argument" in e.evalue, e.evalue
    assert e.traceback == ["Error in log(v) : non-numeric argument to mathematical function\n",
                           "Calls: f -> g\n"], e.traceback
    e = error(r, 'stop(structure(class = c("myError", "error", "condition"), list(message = "mine", call = NULL)))')
    assert (e.ename, e.evalue) == ("myError", "mine")
    e = error(r, "1 +")
    assert e.ename == "Error" and "unexpected end of input" in e.evalue, e.evalue
    assert all(line.endswith("\n") and "\n" not in line[:-1] for line in e.traceback), e.traceback
    assert text(r, "x") == "[1] 40"


def test_a_plot_is_an_image(r):
    data = r.run('plot(1:10)\ncat("drawn\\n")')
    assert set(data) == {"text/plain", "image/png"} and data["text/plain"] == "drawn", data
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert set(r.run("hist(c(1, 2, 2, 3)); plot(3:1)")) == {"text/plain", "image/png"}
    assert r.run("y <- 1") == {"text/plain": ""}, "a statement that draws nothing has no image"
    error(r, 'plot(1); stop("after the plot")')
    assert r.run("y") == {"text/plain": "[1] 1"}


def test_unicode_both_ways(r):
    assert text(r, 'nchar("d\u00e9j\u00e0 \u2713")') == "[1] 6"
    assert text(r, 'cat("\u00fcber \u2713\\n")') == "\u00fcber \u2713"


def test_user_code_cannot_break_the_framing(r):
    # stdin is /dev/null; the console and the user's sinks are put back after the statement.
    assert text(r, 'length(readLines("stdin"))') == "[1] 0"
    assert text(r, 'sink(tempfile()); sink(file(tempfile(), "wt"), type = "message"); print("lost")') == ""
    assert text(r, 'message("back"); print("again")') == 'back\n[1] "again"'
    assert text(r, 'cat("header 00000000001\\n"); print("seen")') == 'header 00000000001\n[1] "seen"'
    assert text(r, "closeAllConnections(); 1") == ""  # its own output sink is closed too
    assert text(r, "x") == "[1] 40"
    assert text(r, "for (i in 1:3) cat(i, '\\n')") == "1 \n2 \n3"
    big = text(r, 'cat(strrep("y", 3e6))')
    assert big == "y" * 3000000


def test_completion(r):
    assert r.complete("Sys.ti", 6) == ["Sys.time", "Sys.timezone"]
    assert "x" in r.complete("y <- x", 6)
    assert r.complete("zzz_no_such", 11) == []


def test_completion_while_a_statement_runs_is_empty(r):
    answers = []
    thread = threading.Thread(target=lambda: (time.sleep(0.5), answers.append(r.complete("Sys.ti", 6))))
    thread.start()
    assert text(r, "Sys.sleep(1.5); 1") == "[1] 1"
    thread.join()
    assert answers == [[]]


def test_a_late_completion_answer_is_not_taken_for_the_next_reply(r):
    text(r, 'slow <- structure(list(abc = 1), class = "slow")\n'
            'names.slow <- function(x) { Sys.sleep(4); "abc" }')
    t0 = time.monotonic()
    assert r.complete("slow$", 5) == []
    assert time.monotonic() - t0 < livy_r.COMPLETION_TIMEOUT_S + 1
    assert text(r, "1 + 1") == "[1] 2"
    assert r.complete("Sys.ti", 6) == ["Sys.time", "Sys.timezone"]


def test_cancel_interrupts_r_and_keeps_variables(r, cancellable):
    pid = r_pid(r)
    done, thread = cancel_after(0.5, cancellable)
    t0 = time.monotonic()
    try:
        e = error(r, "Sys.sleep(60)")
    finally:
        done.set()
        thread.join()
        cancellable.clear()
    assert time.monotonic() - t0 < 5
    assert (e.ename, e.evalue) == ("KeyboardInterrupt", "interrupted")
    assert r_pid(r) == pid, "the R process was replaced"
    assert text(r, "x") == "[1] 40"


def test_cancel_of_code_that_catches_one_interrupt(r, cancellable):
    done, thread = cancel_after(0.5, cancellable, repeat=0.5)
    try:
        e = error(r, 'tryCatch(Sys.sleep(60), interrupt = function(i) cat("caught\\n")); Sys.sleep(60)')
    finally:
        done.set()
        thread.join()
        cancellable.clear()
    assert e.ename == "KeyboardInterrupt"


def test_a_late_interrupt_does_not_hit_the_next_statement(r):
    # A SIGINT that reaches R after its statement ended (the cancel raced the end).
    os.kill(r_pid(r), signal.SIGINT)
    time.sleep(0.3)
    assert text(r, "for (i in 1:200000) NULL; Sys.sleep(0.2); x") == "[1] 40"


def test_quit_ends_r_and_the_next_statement_starts_a_new_one(r):
    pid = r_pid(r)
    e = error(r, "quit()")
    assert e.ename == "RProcessExited", (e.ename, e.evalue)
    assert text(r, 'exists("x")') == "[1] FALSE"
    assert r_pid(r) != pid
    assert livy_r_gone(pid)


def test_r_ending_is_noticed_while_its_child_holds_the_pipe(r, tmp_path):
    pid = r_pid(r)
    sleeper = tmp_path / "sleeper.pid"
    text(r, 'system("sleep 6 & echo $! > %s")' % sleeper)
    try:
        t0 = time.monotonic()
        e = error(r, "quit()")
        assert e.ename == "RProcessExited" and time.monotonic() - t0 < 5, (e.ename, time.monotonic() - t0)
        assert r_pid(r) != pid
        assert livy_r_gone(pid)
    finally:
        # The sleep would outlive the test run if it were the last test (scripts/no-orphans).
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(sleeper.read_text()), signal.SIGKILL)


def livy_r_gone(pid, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def test_close_stops_r():
    interpreter = livy_r.RInterpreter(FakeSpark(), UserError)
    pid = int(interpreter.run("Sys.getpid()")["text/plain"].split()[1])
    interpreter.close()
    assert livy_r_gone(pid)
    assert interpreter.complete("Sys.ti", 6) == []


def test_missing_r_binary_is_a_statement_error():
    interpreter = livy_r.RInterpreter(FakeSpark({"spark.r.shell.command": "/nonexistent/R"}), UserError)
    e = error(interpreter, "1")
    assert e.ename == "RUnavailable" and "spark.r.shell.command" in e.evalue, e.evalue
    interpreter.close()
