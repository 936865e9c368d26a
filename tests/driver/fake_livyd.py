"""A stand-in for livyd's side of the driver channel (docs/driver-protocol.md).

FakeLivyd listens on 127.0.0.1:0, in plain TCP or TLS with a certificate of its own,
and accepts the driver's connection; DriverChannel is that connection (one JSON object
per line, read by a background thread into a queue); launch_driver spark-submits
lib/drivers/python/livy_driver.py in its own process group, with its settings as
livyd gives them (Spark configuration, the secret in a 0600 properties file);
group_members lists what is still alive in a process group.
"""
from __future__ import annotations

import hashlib
import json
import os
import queue
import socket
import ssl
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


def make_certificate(directory: Path, name: str = "channel") -> tuple[Path, Path, str]:
    """A self-signed certificate and key made with the openssl command, and the
    certificate's SHA-256 fingerprint as livyd writes it (AB:CD:...)."""
    cert, key = directory / ("%s.pem" % name), directory / ("%s.key" % name)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=fake-livyd"],
                   check=True, capture_output=True)
    der = ssl.PEM_cert_to_DER_cert(cert.read_text())
    digest = hashlib.sha256(der).hexdigest().upper()
    return cert, key, ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


class FakeLivyd:
    """A listening socket standing in for livyd's driver-channel port; with `tls`
    ((certificate, key) paths), each accepted connection does a TLS handshake first."""

    def __init__(self, tls: tuple[Path, Path] | None = None, port: int = 0):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(4)
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.tls = None
        self.handshake_errors: list[str] = []
        if tls is not None:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(str(tls[0]), str(tls[1]))

    def accept(self, timeout: float, proc: subprocess.Popen | None = None) -> DriverChannel:
        """Waits for the driver to connect; fails early if proc exits first."""
        deadline = time.monotonic() + timeout
        self.listener.settimeout(0.5)
        while True:
            try:
                sock, _ = self.listener.accept()
                if self.tls is not None:
                    sock.settimeout(10)
                    try:
                        sock = self.tls.wrap_socket(sock, server_side=True)
                    except (ssl.SSLError, OSError) as e:  # the driver gave up on the handshake
                        self.handshake_errors.append(str(e))
                        sock.close()
                        continue
                sock.settimeout(None)
                return DriverChannel(sock)
            except socket.timeout:
                if proc is not None and proc.poll() is not None:
                    raise AssertionError("driver exited (code %s) before connecting" % proc.returncode)
                if time.monotonic() > deadline:
                    raise AssertionError("driver did not connect within %.1f s" % timeout)

    def close(self):
        self.listener.close()


def driver_env() -> dict:
    """spark-submit's environment: nothing of livyd's in it (the settings are Spark conf)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVY_")}
    env.pop("PYSPARK_DRIVER_PYTHON", None)
    env.update(PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    return env


def driver_conf(address: str | None, secret: str | None, session_id, **settings) -> dict:
    """The driver's settings as livyd passes them: spark.livy.driver.<name> Spark conf
    (a setting's Python name with '-' for '_'); None leaves one out."""
    conf = {"callback": address, "secret": secret, "session-id": session_id}
    conf.update({k.replace("_", "-"): v for k, v in settings.items()})
    return {"spark.livy.driver." + k: str(v) for k, v in conf.items() if v is not None}


def launch_driver(env: dict, log_path: Path, spark_conf: dict | None = None) -> subprocess.Popen:
    """spark-submits the driver in a new process group, its output going to log_path. As
    livyd does, conf whose key holds "secret" goes to a 0600 properties file, never argv."""
    home = spark_home()
    env = dict(env, SPARK_HOME=str(home))
    cmd = [str(home / "bin" / "spark-submit"), "--master", "local[2]", "--name", "t"]
    hidden = {}
    for key, value in (spark_conf or {}).items():
        if "secret" in key:
            hidden[key] = value
        else:
            cmd += ["--conf", "%s=%s" % (key, value)]
    if hidden:
        properties = log_path.with_suffix(".properties")
        fd = os.open(properties, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            for key, value in hidden.items():
                f.write("%s=%s\n" % (key, value))
        cmd += ["--properties-file", str(properties)]
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
