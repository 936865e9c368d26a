"""Issue 13's logs and Livy's response headers, against real livyds (a stand-in spark-submit,
no Spark): JSON request logs with X-Request-Id, state changes in the log, the audit log with
and without authentication (a real slapd), an audit line that survives kill -9 of livyd right
after the acknowledged create, and Livy's security headers on JSON, error and front-end replies.
The file's name sorts before test_ldap.py, whose last test stops the shared slapd."""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
import requests
from requests.auth import HTTPBasicAuth

from conftest import Livyd
from livyd_testlib import raw_http
from servers import LDAP_PEOPLE, LDAP_USERS

CSP = "default-src 'none'; frame-ancestors 'self'"


def json_log(livyd: Livyd) -> list[dict]:
    """livyd's stderr as JSON lines (log.format json: every line is one)."""
    out = []
    for line in livyd.client.stderr_path.read_text().splitlines():
        out.append(json.loads(line))  # a line that is not JSON fails the test
    return out


def wait_log(livyd: Livyd, match, timeout: float = 10.0) -> dict:
    """The first JSON log entry `match` accepts, waiting for the log writer thread."""
    deadline = time.monotonic() + timeout
    while True:
        for entry in json_log(livyd):
            if match(entry):
                return entry
        if time.monotonic() > deadline:
            raise AssertionError(f"no such log entry within {timeout} s; log:\n{livyd.client.stderr_tail(40)}")
        time.sleep(0.1)


def audit_lines(path: Path) -> list[dict]:
    text = path.read_text() if path.exists() else ""
    assert text == "" or text.endswith("\n"), "an audit line is cut short"
    return [json.loads(line) for line in text.splitlines()]


def check_security_headers(headers) -> None:
    assert headers["x-content-type-options"] == "nosniff", headers
    assert headers["x-frame-options"] == "SAMEORIGIN", headers
    assert headers["x-xss-protection"] == "1; mode=block", headers
    assert headers["content-security-policy"] == CSP, headers
    assert headers["content-type"] == "application/json;charset=utf-8", headers


@pytest.fixture(scope="module")
def json_livyd(work):
    server = Livyd(work / "livyd-json-log", {"log.format": "json", "audit.file": str(work / "json-audit.log")})
    server.audit = work / "json-audit.log"
    yield server
    problems = server.stop()
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


def test_x_request_id_comes_back_and_is_in_the_json_log(json_livyd):
    resp = requests.get(f"{json_livyd.url}/batches", headers={"X-Request-Id": "req-logs-1"}, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-Request-Id"] == "req-logs-1"
    entry = wait_log(json_livyd, lambda e: e.get("event") == "request" and e.get("request_id") == "req-logs-1")
    assert entry["method"] == "GET"
    assert entry["route"] == "/batches"
    assert entry["path"] == "/batches"
    assert entry["status"] == 200
    assert isinstance(entry["latency_ms"], (int, float)) and 0 <= entry["latency_ms"] < 30_000
    assert entry["user"] is None  # no authentication
    assert entry["remote"] == "127.0.0.1"
    assert entry["level"] == "info"
    assert entry["ts"].endswith("Z")


def test_an_unsafe_request_id_is_replaced_and_the_new_one_logged(json_livyd):
    resp = requests.get(f"{json_livyd.url}/batches/0/state", headers={"X-Request-Id": "x" * 200}, timeout=30)
    new_id = resp.headers["X-Request-Id"]
    assert len(new_id) == 32 and all(c in "0123456789abcdef" for c in new_id), new_id
    entry = wait_log(json_livyd, lambda e: e.get("event") == "request" and e.get("request_id") == new_id)
    assert entry["route"] == "/batches/{id}/state"
    assert entry["status"] == resp.status_code


def test_create_and_delete_are_audited_and_state_changes_logged(json_livyd):
    resp = requests.post(f"{json_livyd.url}/batches", json=json_livyd.batch_body(),
                         headers={"X-Request-Id": "audit-create-1"}, timeout=30)
    assert resp.status_code == 201, resp.text
    batch_id = resp.json()["id"]
    # The audit line is written before the reply: there once the client has it.
    created = [a for a in audit_lines(json_livyd.audit) if a["request_id"] == "audit-create-1"]
    assert len(created) == 1, audit_lines(json_livyd.audit)
    assert created[0] | {"ts": None} == {
        "ts": None, "level": "info", "event": "audit", "request_id": "audit-create-1", "action": "create",
        "object": "batch", "id": str(batch_id), "session_id": None, "user": None, "proxy_user": None,
        "remote": "127.0.0.1", "method": "POST", "path": "/batches", "status": 201}
    deleted = requests.delete(f"{json_livyd.url}/batches/{batch_id}", headers={"X-Request-Id": "audit-delete-1"},
                              timeout=30)
    assert deleted.status_code == 200, deleted.text
    [line] = [a for a in audit_lines(json_livyd.audit) if a["request_id"] == "audit-delete-1"]
    assert (line["action"], line["object"], line["id"], line["status"]) == ("delete", "batch", str(batch_id), 200)
    # The batch's state changes are events of the log, from its creation on.
    wait_log(json_livyd, lambda e: e.get("event") == "state" and e.get("object") == "batch"
             and e.get("id") == batch_id and e.get("from") is None and e.get("to") == "starting")
    wait_log(json_livyd, lambda e: e.get("event") == "state" and e.get("object") == "batch"
             and e.get("id") == batch_id and e.get("to") in ("killed", "dead", "success"))
    # A read is not audited, and no body, Authorization or conf value reaches either log.
    assert not [a for a in audit_lines(json_livyd.audit) if a["method"] == "GET"]
    assert str(json_livyd.job) not in json_livyd.client.stderr_path.read_text()


def test_security_headers_on_json_error_404_and_front_end_replies(json_livyd):
    ok = requests.get(f"{json_livyd.url}/batches", timeout=30)
    check_security_headers(ok.headers)
    bad = requests.post(f"{json_livyd.url}/batches", data="{not json", headers={"Content-Type": "application/json"},
                        timeout=30)
    assert bad.status_code == 400
    check_security_headers(bad.headers)
    missing = requests.get(f"{json_livyd.url}/no/such/route", timeout=30)
    assert missing.status_code == 404 and "msg" in missing.json()
    check_security_headers(missing.headers)
    # An answer of livyd's front end itself (the head is refused before any route: 431).
    front = raw_http(json_livyd.client.port,
                     b"GET /batches HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
    assert front.status == 431, front
    check_security_headers(front.headers)
    front_id = front.headers["x-request-id"]
    assert len(front_id) == 32
    entry = wait_log(json_livyd, lambda e: e.get("event") == "request" and e.get("request_id") == front_id)
    assert entry["status"] == 431 and entry["method"] is None


def test_an_acknowledged_create_survives_kill_9_in_the_audit_log(work):
    audit = work / "kill9-audit.log"
    server = Livyd(work / "livyd-kill9", {"audit.file": str(audit)})
    try:
        resp = requests.post(f"{server.url}/sessions", json={"kind": "pyspark"},
                             headers={"X-Request-Id": "before-kill-9"}, timeout=30)
        assert resp.status_code == 201, resp.text
        os.kill(server.client.process.pid, signal.SIGKILL)  # right after the reply
        server.client.process.wait(timeout=30)
        lines = [a for a in audit_lines(audit) if a["request_id"] == "before-kill-9"]
        assert len(lines) == 1, audit.read_text()
        assert (lines[0]["action"], lines[0]["object"], lines[0]["id"]) == ("create", "session",
                                                                             str(resp.json()["id"]))
    finally:
        if server.client.process.poll() is None:
            server.client.process.kill()
            server.client.process.wait()


def test_audit_with_ldap_names_the_authenticated_user(work, slapd):
    audit = work / "ldap-audit.log"
    server = Livyd(work / "livyd-ldap-audit", {
        "auth.type": "ldap", "auth.ldap.url": slapd.url, "auth.ldap.base-dn": LDAP_PEOPLE,
        "auth.ldap.timeout": "2s", "audit.file": str(audit), "log.format": "json"})
    try:
        alice = HTTPBasicAuth("alice", LDAP_USERS["alice"])
        resp = requests.post(f"{server.url}/batches", json=server.batch_body(), auth=alice, timeout=30)
        assert resp.status_code == 201, resp.text
        batch_id = resp.json()["id"]
        killed = requests.delete(f"{server.url}/batches/{batch_id}", auth=alice, timeout=30)
        assert killed.status_code == 200, killed.text
        refused = requests.delete(f"{server.url}/batches/{batch_id}", timeout=30)  # no credentials
        assert refused.status_code == 401
        lines = audit_lines(audit)
        assert [(a["action"], a["id"], a["user"], a["status"]) for a in lines] == [
            ("create", str(batch_id), "alice", 201), ("delete", str(batch_id), "alice", 200),
            ("delete", str(batch_id), None, 401)], lines
        # The password never reaches the logs; the request log names the user too.
        assert LDAP_USERS["alice"] not in audit.read_text()
        entry = wait_log(server, lambda e: e.get("event") == "request" and e.get("method") == "POST")
        assert entry["user"] == "alice"
        assert LDAP_USERS["alice"] not in server.client.stderr_path.read_text()
    finally:
        problems = server.stop()
        assert not problems, problems
