"""Helpers shared by livyd's real-Spark integration tests.

- LivydClient: a thin HTTP client for one running livyd, with polling helpers.
- /proc helpers: find a batch's processes by a marker in their command line and
  follow their process group and descendants.
- raw_http: a socket-level request for cases `requests` cannot express well
  (huge bodies the server may refuse half-way, paths `requests` would normalise).
- start_livyd / stop_livyd: run one livyd for a test run (used by the integration
  and the compat conftest files) and stop it, leaving no batch or session behind.
- sessions: Session/Statement field sets and polling helpers for interactive sessions.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures"
BATCH_FIXTURES = FIXTURES_DIR / "batches"

TERMINAL_STATES = frozenset({"success", "dead", "killed", "error"})
BATCH_KEYS = frozenset({"id", "name", "owner", "proxyUser", "state", "appId", "appInfo", "log"})
APP_INFO_KEYS = frozenset({"driverLogUrl", "sparkUiUrl", "executorLogUrls"})
LOCAL_APP_ID = re.compile(r"^local-\d+$")

SESSION_KEYS = frozenset({
    "id", "name", "appId", "owner", "proxyUser", "state", "kind", "appInfo", "log", "ttl", "idleTimeout",
    "driverMemory", "driverCores", "executorMemory", "executorCores", "conf", "archives", "files",
    "heartbeatTimeoutInSecond", "jars", "numExecutors", "pyFiles", "queue"})
STATEMENT_KEYS = frozenset({"id", "code", "state", "output", "progress", "started", "completed"})
SESSION_FINAL_STATES = frozenset({"error", "dead", "killed", "success"})
STATEMENT_FINAL_STATES = frozenset({"available", "error", "cancelled"})
# statements.max-code-bytes of the test servers: small, so a 413 is cheap to provoke.
# livyd's settings for the tests that restart it on the same data directory
# (test_recovery.py, test_faults.py): batches may run the fixtures, and drivers
# wait long enough for the restart.
RESTART_SETTINGS = {
    "spark.master": "local[1]",
    "files.local-dir-whitelist": os.path.realpath(FIXTURES_DIR),
    "sessions.recovery-grace": "120s",
    "batches.kill-grace": "2s",
}

MAX_CODE_BYTES = 64 * 1024
# sessions.max-upload-bytes of the test servers: small, so a 413 is cheap to provoke.
MAX_UPLOAD_BYTES = 1024 * 1024


def new_marker(prefix: str) -> str:
    """A unique string to pass in a batch's args, to find its processes in /proc."""
    return f"livydtest-{prefix}-{uuid.uuid4().hex}"


class LivydClient:
    """Talks to one livyd over HTTP. Every JSON helper checks the status code."""

    def __init__(self, port: int, data_dir: Path, process, stderr_path: Path):
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.data_dir = data_dir
        self.process = process
        self.stderr_path = stderr_path
        self.http = requests.Session()
        self.http.trust_env = False  # never route 127.0.0.1 through a proxy from the environment
        self.markers: list[str] = []  # markers passed in batch args, for leak checks

    # ---- plain HTTP ----------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + path

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.http.request(method, self.url(path), **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> requests.Response:
        if body is not None:
            kwargs["json"] = body
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    # ---- JSON with status checks -----------------------------------------------------
    @staticmethod
    def json_of(resp: requests.Response, expect: int | None = None):
        """The JSON body of resp; asserts the status (when given) and the content type."""
        if expect is not None:
            assert resp.status_code == expect, (
                f"{resp.request.method} {resp.request.url}: expected HTTP {expect}, "
                f"got {resp.status_code}: {resp.text[:2000]!r}")
        ctype = resp.headers.get("Content-Type", "")
        assert ctype.startswith("application/json"), (
            f"{resp.request.method} {resp.request.url}: Content-Type {ctype!r} is not JSON "
            f"(status {resp.status_code}, body {resp.text[:500]!r})")
        try:
            return resp.json()
        except ValueError as e:  # pragma: no cover - diagnostic path
            raise AssertionError(f"{resp.request.url}: body is not JSON ({e}): {resp.text[:500]!r}")

    def get_json(self, path: str, params=None, expect: int = 200):
        return self.json_of(self.get(path, params=params), expect)

    def post_json(self, path: str, body, expect: int = 201):
        return self.json_of(self.post(path, body), expect)

    def delete_json(self, path: str, expect: int = 200):
        return self.json_of(self.delete(path), expect)

    # ---- batches -------------------------------------------------------------------
    def batch(self, batch_id) -> dict:
        return self.get_json(f"/batches/{batch_id}")

    def state(self, batch_id) -> str:
        body = self.get_json(f"/batches/{batch_id}/state")
        return body["state"]

    def log(self, batch_id, **params) -> dict:
        return self.get_json(f"/batches/{batch_id}/log", params=params or None)

    def full_log(self, batch_id) -> list[str]:
        return self.log(batch_id, **{"from": 0, "size": 100000})["log"]

    def output_log(self, batch_id) -> str:
        """The on-disk log DATA_DIR/batches/{id}/output.log ('' if absent)."""
        path = self.data_dir / "batches" / str(batch_id) / "output.log"
        try:
            return path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def diagnostics(self, batch_id) -> str:
        """Best-effort text explaining a batch, for assertion messages."""
        parts = []
        try:
            parts.append("batch: " + json.dumps(self.get(f"/batches/{batch_id}").json()))
        except Exception as e:  # noqa: BLE001 - diagnostics only
            parts.append(f"batch: <unavailable: {e}>")
        try:
            lines = self.get(f"/batches/{batch_id}/log", params={"size": 40}).json().get("log", [])
            parts.append("log tail:\n  " + "\n  ".join(lines))
        except Exception as e:  # noqa: BLE001
            parts.append(f"log: <unavailable: {e}>")
        parts.append("livyd stderr tail:\n" + self.stderr_tail())
        return "\n".join(parts)

    def stderr_tail(self, n: int = 30) -> str:
        try:
            lines = self.stderr_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "<no stderr file>"
        return "\n".join(lines[-n:])

    def _wait_for(self, what, read_state, final_states, diagnostics, states, timeout, interval) -> str:
        """Polls `read_state()` until it is one of `states`; fails at once when it reaches an
        unwanted state of `final_states`, and after `timeout` seconds otherwise, with
        `diagnostics()` in the message."""
        if isinstance(states, str):
            states = {states}
        states = set(states)
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            state = read_state()
            if not seen or seen[-1] != state:
                seen.append(state)
            if state in states:
                return state
            if state in final_states:
                raise AssertionError(
                    f"{what} ended in {state!r} while waiting for {sorted(states)} "
                    f"(states seen: {seen})\n{diagnostics()}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{what} not in {sorted(states)} after {timeout:.0f} s "
                    f"(states seen: {seen})\n{diagnostics()}")
            time.sleep(interval)

    def wait_state(self, batch_id, states, timeout: float = 150.0) -> str:
        """Polls GET /batches/{id}/state every 0.5 s until the state is one of `states`."""
        return self._wait_for(f"batch {batch_id}", lambda: self.state(batch_id), TERMINAL_STATES,
                              lambda: self.diagnostics(batch_id), states, timeout, 0.5)

    def wait_terminal(self, batch_id, timeout: float = 150.0) -> str:
        """Waits for any terminal state and returns it (does not judge which)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state(batch_id)
            if state in TERMINAL_STATES:
                return state
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"batch {batch_id} still {state!r} after {timeout:.0f} s\n{self.diagnostics(batch_id)}")
            time.sleep(0.5)


    # ---- interactive sessions ----------------------------------------------------------
    def session(self, session_id) -> dict:
        return self.get_json(f"/sessions/{session_id}")

    def session_state(self, session_id) -> str:
        return self.get_json(f"/sessions/{session_id}/state")["state"]

    def session_diagnostics(self, session_id) -> str:
        """Best-effort text explaining a session, for assertion messages."""
        parts = []
        try:
            parts.append("session: " + json.dumps(self.get(f"/sessions/{session_id}").json()))
        except Exception as e:  # noqa: BLE001 - diagnostics only
            parts.append(f"session: <unavailable: {e}>")
        try:
            lines = self.get(f"/sessions/{session_id}/log", params={"size": 60}).json().get("log", [])
            parts.append("log tail:\n  " + "\n  ".join(lines))
        except Exception as e:  # noqa: BLE001
            parts.append(f"log: <unavailable: {e}>")
        parts.append("livyd stderr tail:\n" + self.stderr_tail())
        return "\n".join(parts)

    def wait_session_state(self, session_id, states, timeout: float = 120.0) -> str:
        """Polls GET /sessions/{id}/state every 0.25 s until the state is one of `states`."""
        return self._wait_for(f"session {session_id}", lambda: self.session_state(session_id),
                              SESSION_FINAL_STATES, lambda: self.session_diagnostics(session_id),
                              states, timeout, 0.25)

    def post_statement(self, session_id, code, kind: str | None = None) -> dict:
        """POST /sessions/{id}/statements; asserts 201 and returns the Statement."""
        body = {"code": code}
        if kind is not None:
            body["kind"] = kind
        return self.post_json(f"/sessions/{session_id}/statements", body, expect=201)

    def statement(self, session_id, statement_id, wait: int | None = None) -> dict:
        params = {"wait": wait} if wait else None
        timeout = 30 + (wait or 0)
        resp = self.get(f"/sessions/{session_id}/statements/{statement_id}", params=params, timeout=timeout)
        return self.json_of(resp, 200)

    def wait_statement(self, session_id, statement_id, states=STATEMENT_FINAL_STATES,
                       timeout: float = 60.0) -> dict:
        """Waits (with the ?wait= long poll) until the statement is in one of `states`."""
        if isinstance(states, str):
            states = {states}
        states = set(states)
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            left = deadline - time.monotonic()
            # Long-poll only for final states: the server returns early only when one is reached.
            wait = max(0, min(int(left), 20)) if states <= STATEMENT_FINAL_STATES else 0
            st = self.statement(session_id, statement_id, wait=wait or None)
            if not seen or seen[-1] != st["state"]:
                seen.append(st["state"])
            if st["state"] in states:
                return st
            if st["state"] in STATEMENT_FINAL_STATES:
                raise AssertionError(
                    f"statement {session_id}/{statement_id} ended {st['state']!r} while waiting for "
                    f"{sorted(states)}: {json.dumps(st)[:2000]}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"statement {session_id}/{statement_id} not in {sorted(states)} after {timeout:.0f} s "
                    f"(states seen: {seen}): {json.dumps(st)[:1000]}\n{self.session_diagnostics(session_id)}")
            if not wait:
                time.sleep(0.2)

    def run(self, session_id, code, kind: str | None = None, timeout: float = 60.0) -> dict:
        """Posts a statement and waits until it is final; returns the Statement."""
        st = self.post_statement(session_id, code, kind)
        return self.wait_statement(session_id, st["id"], timeout=timeout)

    def run_ok(self, session_id, code, kind: str | None = None, timeout: float = 60.0) -> dict:
        """Runs a statement that must succeed; returns its output's `data`."""
        st = self.run(session_id, code, kind, timeout)
        out = st.get("output") or {}
        assert st["state"] == "available" and out.get("status") == "ok", (
            f"statement {code!r} did not succeed: {json.dumps(st)[:3000]}")
        return out["data"]


def wait_until(predicate, timeout: float, interval: float = 0.5, what: str = "condition"):
    """Calls predicate() until it returns something truthy; returns that value or raises."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# ---- /proc -------------------------------------------------------------------------

@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    pgid: int
    state: str  # R, S, Z, ...
    starttime: int  # clock ticks since boot; (pid, starttime) identifies a process
    cmdline: str

    @property
    def key(self) -> tuple[int, int]:
        return (self.pid, self.starttime)


def read_proc(pid: int) -> Proc | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm (field 2) may contain spaces and parentheses: split after the last ')'.
    rest = stat[stat.rindex(")") + 2:].split()
    return Proc(pid=pid, ppid=int(rest[1]), pgid=int(rest[2]), state=rest[0],
                starttime=int(rest[19]), cmdline=cmdline)


def process_table() -> dict[int, Proc]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            p = read_proc(int(entry))
            if p is not None:
                table[p.pid] = p
    return table


def procs_with_marker(marker: str, table: dict[int, Proc] | None = None) -> list[Proc]:
    """Live (non-zombie) processes whose command line contains marker."""
    table = process_table() if table is None else table
    me = os.getpid()
    return [p for p in table.values() if marker in p.cmdline and p.state != "Z" and p.pid != me]


def descendants(roots: set[int], table: dict[int, Proc]) -> set[int]:
    """Pids of all processes below (and including) roots."""
    children: dict[int, list[int]] = {}
    for p in table.values():
        children.setdefault(p.ppid, []).append(p.pid)
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid in found or pid not in table:
            continue
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


def still_alive(procs, table: dict[int, Proc] | None = None) -> list[Proc]:
    """Those of procs that still exist as the same, non-zombie process."""
    table = process_table() if table is None else table
    alive = []
    for p in procs:
        now = table.get(p.pid)
        if now is not None and now.starttime == p.starttime and now.state != "Z":
            alive.append(now)
    return alive


# ---- raw HTTP ----------------------------------------------------------------------

@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body.decode())


def raw_http(port: int, head: bytes, body_chunks=(), timeout: float = 30.0) -> RawResponse:
    """Sends `head` (request line + headers + blank line) and then body_chunks on a
    fresh connection, tolerating the server closing the connection half-way through
    the body (a server may answer 413 without reading it), then reads one response."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            sock.sendall(head)
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused the rest; its answer should be waiting for us
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                raise AssertionError(f"no complete HTTP response within {timeout} s; got {data[:500]!r}")
            if not chunk:
                break
            data += chunk
            parsed = _parse_response(data)
            if parsed is not None:
                return parsed
        parsed = _parse_response(data, at_eof=True)
        if parsed is None:
            raise AssertionError(f"incomplete HTTP response: {data[:500]!r}")
        return parsed
    finally:
        sock.close()


def _parse_response(data: bytes, at_eof: bool = False) -> RawResponse | None:
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = data[:end].decode("iso-8859-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = data[end + 4:]
    if "content-length" in headers:
        n = int(headers["content-length"])
        if len(body) < n:
            return None if not at_eof else RawResponse(status, headers, body)
        return RawResponse(status, headers, body[:n])
    if headers.get("transfer-encoding", "").lower() == "chunked":
        out, pos = b"", 0
        while True:
            nl = body.find(b"\r\n", pos)
            if nl < 0:
                return None if not at_eof else RawResponse(status, headers, out)
            size = int(body[pos:nl].split(b";")[0], 16)
            if size == 0:
                return RawResponse(status, headers, out)
            if len(body) < nl + 2 + size + 2:
                return None if not at_eof else RawResponse(status, headers, out)
            out += body[nl + 2:nl + 2 + size]
            pos = nl + 2 + size + 2
    return RawResponse(status, headers, body) if at_eof else None


# ---- running livyd -------------------------------------------------------------------

DEFAULT_SPARK_HOME = REPO_ROOT / ".venv" / "lib" / "python3.11" / "site-packages" / "pyspark"
PORT_FILE_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 20.0


class SetupError(Exception):
    """The test environment is not usable (the fixture turns it into a pytest failure)."""


def livyd_bin_from_env() -> Path:
    value = os.environ.get("LIVYD_BIN")
    if not value:
        raise SetupError("LIVYD_BIN is not set: point it at the livyd binary "
                         "(e.g. LIVYD_BIN=build/apps/livyd/livyd); ctest sets it")
    path = Path(value)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise SetupError(f"LIVYD_BIN={value!r} is not an executable file (build livyd first)")
    return path.resolve()


def spark_home_from_env() -> Path:
    path = Path(os.environ.get("SPARK_HOME") or DEFAULT_SPARK_HOME)
    if not (path / "bin" / "spark-submit").is_file():
        raise SetupError(f"SPARK_HOME={str(path)!r} has no bin/spark-submit")
    return path.resolve()


def tail_file(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except FileNotFoundError:
        return "<nothing>"


def start_livyd(livyd_bin: Path, spark_home: Path, work: Path, settings: dict[str, str]) -> LivydClient:
    """Starts livyd on a free port with its data under `work` and the given `--set`
    settings (spark.master etc. are the caller's); returns a client once the port file
    is written. The caller must call stop_livyd(client). An existing `work` is reused: a
    restart on the same data directory."""
    data_dir = work / "data"
    data_dir.mkdir(exist_ok=True)
    port_file = work / "port"
    port_file.unlink(missing_ok=True)
    stderr_path = work / "livyd.stderr"
    cmd = [str(livyd_bin), "--data-dir", str(data_dir), "--port", "0", "--port-file", str(port_file)]
    for key, value in settings.items():
        cmd += ["--set", f"{key}={value}"]
    env = dict(os.environ)
    # livyd itself must pick the Python of the venv that holds SPARK_HOME.
    env.pop("PYSPARK_PYTHON", None)
    env.pop("PYSPARK_DRIVER_PYTHON", None)
    env.update({"SPARK_HOME": str(spark_home), "SPARK_LOCAL_IP": "127.0.0.1"})
    stderr_file = open(stderr_path, "wb")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stderr_file,
                            stderr=stderr_file, env=env, cwd=work)
    stderr_file.close()  # the child holds its own descriptor
    try:
        port = _wait_for_port(proc, port_file, stderr_path)
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        raise
    return LivydClient(port, data_dir, proc, stderr_path)


def _wait_for_port(proc, port_file: Path, stderr_path: Path) -> int:
    deadline = time.monotonic() + PORT_FILE_TIMEOUT
    while time.monotonic() < deadline:
        rc = proc.poll()
        if rc is not None:
            raise SetupError(f"livyd exited with {rc} before writing its port file; stderr:\n"
                             f"{tail_file(stderr_path)}")
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
    raise SetupError(f"livyd wrote no port to {port_file} within {PORT_FILE_TIMEOUT:.0f} s; stderr:\n"
                     f"{tail_file(stderr_path)}")


def stop_livyd(client: LivydClient) -> list[str]:
    """Deletes what tests left running, stops livyd with SIGTERM (expecting exit 0 within
    SHUTDOWN_TIMEOUT) and kills any process still carrying one of client.markers.
    Returns the problems found (empty: a clean shutdown)."""
    problems = []
    proc = client.process
    if proc.poll() is None:
        problems += _stop_live(client, "/batches", "/state", TERMINAL_STATES)
        problems += _stop_live(client, "/sessions", "/state", SESSION_FINAL_STATES)
    problems += _terminate(proc, client.stderr_path)
    problems += reap_marked_processes(client.markers)
    return problems


def _stop_live(client: LivydClient, collection: str, state_suffix: str, final: frozenset) -> list[str]:
    """DELETEs batches or sessions a failed test may have left running, so no Spark outlives the run."""
    try:
        listed = client.get(collection, params={"size": 100000}).json().get("sessions", [])
    except Exception as e:  # noqa: BLE001 - best effort
        return [f"could not list {collection} at shutdown: {e}"]
    live = [b["id"] for b in listed if b.get("state") not in final]
    for item_id in live:
        try:
            client.delete(f"{collection}/{item_id}")
        except Exception:  # noqa: BLE001
            pass
    if collection == "/sessions":
        return []  # a DELETEd session is forgotten at once; the process reaper checks the rest

    def still_live(item_id):
        resp = client.get(f"{collection}/{item_id}{state_suffix}")
        return resp.status_code == 200 and resp.json().get("state") not in final

    deadline = time.monotonic() + 20
    while live and time.monotonic() < deadline:
        live = [b for b in live if still_live(b)]
        time.sleep(0.5)
    return [f"{collection} {live} did not stop after DELETE at shutdown"] if live else []


def _terminate(proc, stderr_path: Path) -> list[str]:
    if proc.poll() is not None:
        return [f"livyd had already exited with {proc.returncode}; stderr:\n{tail_file(stderr_path)}"]
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=SHUTDOWN_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return [f"livyd did not exit within {SHUTDOWN_TIMEOUT:.0f} s of SIGTERM; stderr:\n{tail_file(stderr_path)}"]
    if rc != 0:
        return [f"livyd exited with {rc} after SIGTERM (expected 0); stderr:\n{tail_file(stderr_path)}"]
    return []


def group_and_descendants(procs, table: dict[int, Proc]) -> list[Proc]:
    """procs, every process in their process groups, and all their descendants (whatever
    group those are in: pyspark.daemon makes a group of its own)."""
    groups = {p.pgid for p in procs} - {os.getpgrp(), 0, 1}
    members = {p.pid for p in procs} | {p.pid for p in table.values() if p.pgid in groups}
    return [table[pid] for pid in sorted(descendants(members, table))]


def reap_marked_processes(markers: list[str]) -> list[str]:
    """Kills whatever test processes are still around (their process groups, and the
    groups of their descendants) and reports them. Only processes started for these
    tests carry the markers (batch args, session names)."""
    table = process_table()
    leftovers = [p for m in markers for p in procs_with_marker(m, table)]
    groups = {p.pgid for p in group_and_descendants(leftovers, table)} - {os.getpgrp(), 0, 1}
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return [f"test process left behind after shutdown: pid {p.pid} pgid {p.pgid}: {p.cmdline[:200]}"
            for p in leftovers]


@contextlib.contextmanager
def running_livyd(livyd_bin: Path, spark_home: Path, work: Path, settings: dict[str, str]):
    """A livyd for a test fixture: started (or the tests fail with why), and stopped at the
    end, failing the tests if it did not shut down cleanly."""
    import pytest  # only the fixtures that use this need pytest

    try:
        client = start_livyd(livyd_bin, spark_home, work, settings)
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield client
    finally:
        problems = stop_livyd(client)
        if problems:
            pytest.fail("livyd shutdown problems:\n- " + "\n- ".join(problems), pytrace=False)
