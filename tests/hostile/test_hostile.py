"""Issue 9's attacks against a real livyd, in bounded time: while each runs, a
normal client must be answered within a deadline, and livyd's memory and
threads must stay bounded. Each attack broke or starved livyd before the fix."""
from __future__ import annotations

import os
import socket
import threading
import time
from contextlib import contextmanager

import requests

from conftest import HEAD_TIMEOUT_S

NORMAL_DEADLINE_S = 1.0


def proc_status(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def open_sockets(pid: int) -> int:
    """Sockets livyd holds now; a descriptor closed while they are counted is not one."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except FileNotFoundError:
            pass
    return count


def rss_mb(livyd) -> float:
    return proc_status(livyd.process.pid, "VmRSS") / 1024


def threads(livyd) -> int:
    return proc_status(livyd.process.pid, "Threads")


@contextmanager
def normal_client(livyd):
    """Polls GET /version every 50 ms on fresh connections while the block runs;
    fails if any answer is late or missing."""
    late: list[str] = []
    stop = threading.Event()
    polls = [0]

    def poll():
        session = requests.Session()
        session.trust_env = False
        while not stop.is_set():
            start = time.monotonic()
            try:
                r = session.get(livyd.url("/version"), timeout=NORMAL_DEADLINE_S * 3,
                                headers={"Connection": "close"})
                took = time.monotonic() - start
                if r.status_code != 200 or took > NORMAL_DEADLINE_S:
                    late.append(f"{r.status_code} after {took:.2f} s")
            except requests.RequestException as e:
                late.append(f"{type(e).__name__} after {time.monotonic() - start:.2f} s")
            polls[0] += 1
            stop.wait(0.05)

    t = threading.Thread(target=poll)
    t.start()
    try:
        yield
    finally:
        deadline = time.monotonic() + 3
        while polls[0] < 5 and time.monotonic() < deadline:
            time.sleep(0.05)  # an attack that ends at once: still see a few answers after it
        stop.set()
        t.join()
    assert polls[0] >= 5, "the normal client barely ran"
    assert not late, f"a normal client was not served within {NORMAL_DEADLINE_S} s: {late[:5]}"


def connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def read_answer(s: socket.socket, timeout: float) -> bytes:
    s.settimeout(timeout)
    data = b""
    try:
        while b"}" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def test_slowloris_starves_nobody_and_dawdlers_meet_one_head_deadline(livyd):
    """F3: 300 connections send a partial head, then a byte at a time."""
    dawdlers = []
    with normal_client(livyd):
        for _ in range(300):
            s = connect(livyd.port)
            s.sendall(b"GET /version HTTP/1.1\r\nX-Slow: ")
            dawdlers.append(s)
        end = time.monotonic() + HEAD_TIMEOUT_S + 1.5
        while time.monotonic() < end:
            for s in dawdlers:
                try:
                    s.sendall(b"a")
                except OSError:
                    pass  # already answered and closed
            time.sleep(0.4)
    answers = [read_answer(s, 3) for s in dawdlers]
    for s in dawdlers:
        s.close()
    timed_out = sum(a.startswith(b"HTTP/1.1 408") for a in answers)
    closed = sum(a == b"" for a in answers)
    # All come from 127.0.0.1: past server.max-connections-per-client (256) the oldest were closed.
    assert timed_out + closed == len(dawdlers), [a[:40] for a in answers if a and not a.startswith(b"HTTP/1.1 408")]
    assert timed_out >= 200


def test_header_flood_is_431_at_once_and_memory_stays_bounded(livyd):
    """F4: 8 requests with 1,000,000 headers each (14 MB); one 10 MB header."""
    before = rss_mb(livyd)
    results = []

    def flood():
        s = connect(livyd.port)
        got = b""
        try:
            s.sendall(b"GET /version HTTP/1.1\r\n")
            chunk = b"X-Flood: 1234\r\n" * 10_000
            for _ in range(100):
                s.sendall(chunk)
        except OSError:
            pass  # answered and closed while we were still sending
        got = read_answer(s, 5)
        s.close()
        results.append(got)

    with normal_client(livyd):
        floods = [threading.Thread(target=flood) for _ in range(8)]
        for t in floods:
            t.start()
        for t in floods:
            t.join()
        start = time.monotonic()
        s = connect(livyd.port)
        try:
            s.sendall(b"GET /version HTTP/1.1\r\nX-Big: " + b"b" * (10 << 20))
        except OSError:
            pass
        big = read_answer(s, 5)
        s.close()
        big_took = time.monotonic() - start
    assert all(r.startswith(b"HTTP/1.1 431") for r in results), [r[:60] for r in results]
    assert big.startswith(b"HTTP/1.1 431"), big[:200]
    assert b"request header is larger than" in big
    assert big_took < 3, f"the 10 MB header took {big_took:.1f} s to refuse"
    grown = rss_mb(livyd) - before
    assert grown < 64, f"RSS grew by {grown:.0f} MB under the header flood"


def test_pipelined_requests_are_all_answered_in_order(livyd):
    """F9: 100 GET /version in one write; 5 pipelined POSTs."""
    s = connect(livyd.port)
    s.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n" * 100)
    data = b""
    s.settimeout(5)
    while data.count(b"HTTP/1.1 200") < 100:
        chunk = s.recv(65536)
        assert chunk, f"closed after {data.count(b'HTTP/1.1 200')} answers"
        data += chunk
    bodies = [b'{"file": "x.py", "nope%d": 1}' % i for i in range(5)]
    s.sendall(b"".join(b"POST /batches HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\n\r\n%s" % (len(b), b) for b in bodies))
    data = b""
    while data.count(b"HTTP/1.1 400") < 5:
        chunk = s.recv(65536)
        assert chunk, f"closed after {data.count(b'HTTP/1.1 400')} answers: {data[-300:]!r}"
        data += chunk
    positions = [data.find(b"nope%d" % i) for i in range(5)]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), data
    s.close()


def test_bodies_and_paths_that_are_not_utf8_are_400_and_replies_stay_utf8(livyd):
    """F2, F11: statement code, names and paths with bytes that are not UTF-8."""
    for path, body in [("/batches", b'{"file": "x.py", "name": "\xff\xfe"}'),
                       ("/sessions", b'{"kind": "pyspark", "name": "\xff"}'),
                       ("/sessions/0/statements", b'{"code": "print(1)\xff\xfe"}')]:
        r = livyd.post(path, data=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (path, r.text)
        assert "UTF-8" in r.json()["msg"]
    raw = connect(livyd.port)
    raw.sendall(b"GET /batches/%FF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    answer = read_answer(raw, 5)
    raw.close()
    assert answer.startswith(b"HTTP/1.1 400"), answer
    answer.decode("utf-8")  # strict: raises on a byte that is not UTF-8
    listed = livyd.get("/batches")
    listed.content.decode("utf-8")
    assert listed.status_code == 200


def test_driver_channel_flood_is_bounded(livyd):
    """F7: connections to the driver port that never say hello: long lines without
    a newline, and a thousand idle ones."""
    base_threads, base_rss = threads(livyd), rss_mb(livyd)
    senders = []

    def long_line():
        s = socket.create_connection(("127.0.0.1", livyd.driver_port), timeout=5)
        try:
            for _ in range(64):
                s.sendall(b"x" * (64 * 1024))  # 4 MiB, no newline
        except OSError:
            pass  # closed by livyd: the line limit
        s.close()

    with normal_client(livyd):
        idle = []
        for _ in range(1000):
            try:
                idle.append(socket.create_connection(("127.0.0.1", livyd.driver_port), timeout=5))
            except OSError:
                break
        senders = [threading.Thread(target=long_line) for _ in range(20)]
        for t in senders:
            t.start()
        for t in senders:
            t.join()
        peak_threads, peak_rss = threads(livyd), rss_mb(livyd)
        for s in idle:
            s.close()
    assert peak_threads - base_threads < 20, f"{peak_threads - base_threads} threads for pending driver connections"
    assert peak_rss - base_rss < 64, f"RSS grew by {peak_rss - base_rss:.0f} MB under the driver-channel flood"
    # Closed connections leave no descriptor behind for long.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        sockets = open_sockets(livyd.process.pid)
        if sockets < 50:
            break
        time.sleep(0.2)
    assert sockets < 50, f"{sockets} sockets still open after the flood closed"
