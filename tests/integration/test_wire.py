"""The last wire differences from Livy (issue 13), against the shared real livyd of conftest.py:

- Expect: 100-continue in any capitalisation (the JDK's HttpClient writes "100-Continue") gets its
  100 at once, the body sent after it is read, and a body too large gets its 413 at once, with
  no 100; a POST without Content-Length and without a body is an empty body, answered at once.
- A session whose spark-submit fails at start (a bad spark.executor.memory) ends `dead`, as
  Livy's does, never `error`; ?detailed=true shows when it was created, launched and ended.

Raw sockets, so that the bytes on the wire are exactly the ones named here.
"""
from __future__ import annotations

import json
import socket
import time

import pytest

from livyd_testlib import SESSION_KEYS, LivydClient, new_marker

ANSWER_TIMEOUT = 1.5  # seconds: "at once" (the old front end stalled 5 s before its 400)


def connect(livyd: LivydClient) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", livyd.port), timeout=10)
    s.settimeout(10)
    return s


def read_head(s: socket.socket, timeout: float) -> tuple[bytes, float]:
    """Reads up to the end of one response head; returns it and the seconds it took."""
    t0 = time.monotonic()
    s.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data, time.monotonic() - t0


def read_response(s: socket.socket, timeout: float = 10) -> tuple[int, dict, bytes]:
    """One final response: (status, headers, body); the body by its Content-Length."""
    s.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        assert chunk, f"closed before a response head: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = s.recv(65536)
        assert chunk, "closed in the middle of the body"
        body += chunk
    return status, headers, body


BODY = json.dumps({"code": "1 + 1"}).encode()


@pytest.mark.parametrize("expect", ["100-continue", "100-Continue", "100-CONTINUE"])
def test_expect_100_continue_in_any_case_gets_its_100_at_once(livyd: LivydClient, expect):
    with connect(livyd) as s:
        s.sendall(b"POST /sessions/987654/statements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: %s\r\n\r\n"
                  % (len(BODY), expect.encode()))
        interim, took = read_head(s, ANSWER_TIMEOUT)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n", interim
        assert took < ANSWER_TIMEOUT
        s.sendall(BODY)  # only now, as a client that waits for the 100 sends it
        status, _, body = read_response(s)
    assert status == 404, body
    assert json.loads(body) == {"msg": "Session '987654' not found."}


def test_the_jdk_http_clients_request_form(livyd: LivydClient):
    """java.net.http.HttpClient's POST with expectContinue(true), header for header."""
    with connect(livyd) as s:
        s.sendall(b"POST /sessions/987654/statements HTTP/1.1\r\n"
                  b"Connection: Upgrade, HTTP2-Settings\r\nContent-Length: %d\r\n"
                  b"Expect: 100-Continue\r\nHost: 127.0.0.1:%d\r\n"
                  b"HTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\nUpgrade: h2c\r\n"
                  b"User-Agent: Java-http-client/17.0.9\r\nContent-Type: application/json\r\n\r\n"
                  % (len(BODY), livyd.port))
        interim, took = read_head(s, ANSWER_TIMEOUT)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n", interim
        assert took < ANSWER_TIMEOUT
        s.sendall(BODY)
        status, _, body = read_response(s)
    assert status == 404, body
    assert json.loads(body)["msg"] == "Session '987654' not found."


def test_expect_with_a_body_over_the_limit_is_413_at_once_without_100(livyd: LivydClient):
    with connect(livyd) as s:
        t0 = time.monotonic()
        s.sendall(b"POST /batches HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000000000000\r\nExpect: 100-continue\r\n\r\n")
        status, headers, body = read_response(s, timeout=ANSWER_TIMEOUT)
        assert time.monotonic() - t0 < ANSWER_TIMEOUT
    assert status == 413, body
    assert "request body is larger than" in json.loads(body)["msg"]


def test_a_post_without_content_length_or_body_is_an_empty_body_at_once(livyd: LivydClient):
    for path, status, msg in [("/sessions/987654/connect", 404, "Session '987654' not found."),
                              ("/sessions/987654/statements/0/cancel", 404, "Session '987654' not found.")]:
        with connect(livyd) as s:
            t0 = time.monotonic()
            s.sendall(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path.encode())
            got, _, body = read_response(s, timeout=ANSWER_TIMEOUT)
            assert time.monotonic() - t0 < ANSWER_TIMEOUT, path
        assert (got, json.loads(body)) == (status, {"msg": msg}), path
    # An empty POST /batches body is read as one (and refused for its missing file), at once.
    with connect(livyd) as s:
        t0 = time.monotonic()
        s.sendall(b"POST /batches HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\r\n")
        got, _, body = read_response(s, timeout=ANSWER_TIMEOUT)
        assert time.monotonic() - t0 < ANSWER_TIMEOUT
    assert got == 400, body
    assert "msg" in json.loads(body)


def test_a_session_whose_spark_submit_fails_at_start_ends_dead(livyd: LivydClient):
    """Livy's errorOut stops a session that failed to start: `dead` (dbt-spark-livy waits for it)."""
    name = new_marker("badmem")
    livyd.markers.append(name)
    created = livyd.post_json("/sessions", {"kind": "pyspark", "name": name,
                                            "conf": {"spark.executor.memory": "lots"}})
    sid = created["id"]
    try:
        state = livyd.wait_session_state(sid, {"dead", "error", "killed", "idle"}, timeout=120)
        assert state == "dead", livyd.get_json(f"/sessions/{sid}")
        # It stays dead: nothing moves it to `error` afterwards.
        time.sleep(1)
        plain = livyd.get(f"/sessions/{sid}")
        session = livyd.json_of(plain, expect=200)
        assert session["state"] == "dead", session
        assert set(session) == SESSION_KEYS, "a default reply carries only Livy's fields"
        log = livyd.get_json(f"/sessions/{sid}/log", params={"from": 0, "size": 1000})["log"]
        assert any(line.startswith("livyd: ") for line in log), log[-20:]
        detailed = livyd.get_json(f"/sessions/{sid}", params={"detailed": "true"})
        assert set(detailed) == SESSION_KEYS | {"detailed"}
        d = detailed["detailed"]
        assert d["createdAt"] > 0 and d["startedAt"] >= d["createdAt"], d
        assert d["idleAt"] is None, d
        assert d["endedAt"] >= d["startedAt"], d
        assert d["queuedMs"] == d["endedAt"] - d["createdAt"], d
        assert d["statementsRun"] == 0, d
    finally:
        livyd.delete(f"/sessions/{sid}")
