"""A stand-in for livyd's side of the driver channel (docs/driver-protocol.md).

FakeLivyd listens on 127.0.0.1:0 and accepts the driver's connection; DriverChannel
is that connection (one JSON object per line, read by a background thread into a
queue); launch_driver starts lib/drivers/python/livy_driver.py in its own process
group, through spark-submit or, for handshake tests that never reach Spark, plain
Python; group_members lists what is still alive in a process group.
"""
from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DRIVER = REPO_ROOT / "lib" / "drivers" / "python" / "livy_driver.py"
EOF = object()  # put in the queue when the driver closes the connection


def spark_home() -> Path:
    value = os.environ.get("SPARK_HOME")
    if value:
        return Path(value)
    import pyspark  # the venv's pyspark ships a full Spark distribution
    return Path(pyspark.__file__).resolve().parent


class DriverChannel:
    """livyd's end of one driver connection."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.messages: queue.Queue = queue.Queue()
        self.bad_lines: list[str] = []
        self._reader = sock.makefile("r", encoding="utf-8", newline="\n")
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        try:
            for line in self._reader:
                try:
                    self.messages.put(json.loads(line))
                except ValueError:
                    self.bad_lines.append(line)
        except (OSError, ValueError):
            pass
        self.messages.put(EOF)

    def send(self, message: dict):
        self.sock.sendall((json.dumps(message) + "\n").encode("utf-8"))

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def next(self, timeout: float):
        """The next message (or EOF); AssertionError if none arrives in time."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no message from the driver within %.1f s" % timeout) from None

    def wait_for(self, predicate, timeout: float, what: str = "message"):
        """Reads until predicate(message) holds; returns (message, messages read before it)."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %s within %.1f s; got %r" % (what, timeout, seen[-20:]))
            try:
                msg = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if msg is EOF:
                raise AssertionError("driver closed the connection while waiting for %s; got %r"
                                     % (what, seen[-20:]))
            if predicate(msg):
                return msg, seen
            seen.append(msg)

    def drain(self, quiet: float = 0.3):
        """Messages that arrive until the channel is quiet for `quiet` seconds."""
        out = []
        while True:
            try:
                out.append(self.messages.get(timeout=quiet))
            except queue.Empty:
                return out

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class FakeLivyd:
    """A listening socket standing in for livyd's driver-channel port."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]

    def accept(self, timeout: float, proc: subprocess.Popen | None = None) -> DriverChannel:
        """Waits for the driver to connect; fails early if proc exits first."""
        deadline = time.monotonic() + timeout
        self.listener.settimeout(0.5)
        while True:
            try:
                sock, _ = self.listener.accept()
                sock.settimeout(None)
                return DriverChannel(sock)
            except socket.timeout:
                if proc is not None and proc.poll() is not None:
                    raise AssertionError("driver exited (code %s) before connecting" % proc.returncode)
                if time.monotonic() > deadline:
                    raise AssertionError("driver did not connect within %.1f s" % timeout)

    def close(self):
        self.listener.close()


def driver_env(address: str, secret: str, session_id: int, **extra) -> dict:
    env = dict(os.environ)
    for name in ("LIVY_DRIVER_CALLBACK", "LIVY_DRIVER_SECRET", "LIVY_SESSION_ID",
                 "LIVY_DRIVER_CONNECT_TIMEOUT", "PYSPARK_DRIVER_PYTHON"):
        env.pop(name, None)
    env.update(PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1",
               LIVY_DRIVER_CALLBACK=address, LIVY_DRIVER_SECRET=secret,
               LIVY_SESSION_ID=str(session_id))
    env.update({k: str(v) for k, v in extra.items()})
    return env


def launch_driver(env: dict, log_path: Path, spark_conf: dict | None = None,
                  plain_python: bool = False) -> subprocess.Popen:
    """Starts the driver in a new process group, its output going to log_path."""
    if plain_python:
        cmd = [sys.executable, str(DRIVER)]
    else:
        home = spark_home()
        env = dict(env, SPARK_HOME=str(home))
        cmd = [str(home / "bin" / "spark-submit"), "--master", "local[2]", "--name", "t"]
        for key, value in (spark_conf or {}).items():
            cmd += ["--conf", "%s=%s" % (key, value)]
        cmd.append(str(DRIVER))
    log = open(log_path, "wb")
    try:
        return subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=str(log_path.parent))  # Spark may write spark-warehouse/ there
    finally:
        log.close()


def group_members(pgid: int) -> list[str]:
    """Live (non-zombie) processes of process group pgid, as 'pid: cmdline'."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            state, pgrp = fields[0], int(fields[2])
            if pgrp != pgid or state == "Z":
                continue
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            out.append("%s: %s" % (entry, cmdline[:200]))
        except (OSError, ValueError):
            continue
    return out


def kill_group(proc: subprocess.Popen, grace: float = 5.0) -> list[str]:
    """SIGTERM then SIGKILL the driver's process group; returns what is still alive after."""
    import signal
    pgid = proc.pid
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if not group_members(pgid):
            break
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while group_members(pgid) and time.monotonic() < deadline:
            if proc.poll() is None:
                try:
                    proc.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
            else:
                time.sleep(0.2)
    if proc.poll() is None:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    return group_members(pgid)


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
