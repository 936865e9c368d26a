"""yarn.kerberos.* (Livy's livy.server.launch.kerberos.*) against a real MIT KDC: livyd gets a
ticket for its own principal from a keytab into its credential cache, every spark-submit runs
with that cache (KRB5CCNAME), and livyd calls the YARN ResourceManager's REST API with SPNEGO.

The ResourceManager here is a stand-in (Python, on loopback) that accepts SPNEGO with a real
GSSAPI acceptor (python-gssapi, the HTTP/localhost keytab) and refuses anything else with
401, as Hadoop's web authentication does; it answers the three calls livyd makes (a lookup
by tag, a lookup by id, a kill). spark-submit is a stand-in that records the ticket it was
given (klist) and exits, as a cluster-mode submission does once YARN has the application. No
kerberized YARN runs here: the mini YARN cluster of tests/clusters is not kerberized."""
from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from conftest import Livyd
from servers import KRB_REALM, free_port, tool

LAUNCH_PRINCIPAL = f"livy/localhost@{KRB_REALM}"


class StandInRm:
    """The ResourceManager's REST API, behind SPNEGO: every request needs `Authorization:
    Negotiate` with a token the HTTP/localhost keytab accepts. `calls` records (method, path,
    client principal) of the accepted ones; `refused` counts the others."""

    def __init__(self, http_keytab: Path):
        import gssapi

        self.creds = gssapi.Credentials(usage="accept", store={"keytab": str(http_keytab)})
        self.calls: list[tuple[str, str, str]] = []
        self.refused = 0
        self.apps: dict[str, dict] = {}  # by tag
        self.lock = threading.Lock()
        rm = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def answer(self, code: int, body: dict | None = None, headers: dict | None = None):
                data = json.dumps(body or {}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def client(self) -> str | None:
                import gssapi

                auth = self.headers.get("Authorization", "")
                if not auth.startswith("Negotiate "):
                    return None
                try:
                    ctx = gssapi.SecurityContext(creds=rm.creds, usage="accept")
                    ctx.step(base64.b64decode(auth[len("Negotiate "):]))
                    return str(ctx.initiator_name)
                except Exception:  # noqa: BLE001 - any bad token is a 401
                    return None

            def handle_call(self, method: str):
                who = self.client()
                if who is None:
                    with rm.lock:
                        rm.refused += 1
                    return self.answer(401, {"RemoteException": {"message": "Authentication required"}},
                                       {"WWW-Authenticate": "Negotiate"})
                url = urlparse(self.path)
                with rm.lock:
                    rm.calls.append((method, url.path, who))
                    if method == "GET" and url.path == "/ws/v1/cluster/apps":
                        tag = parse_qs(url.query).get("applicationTags", [""])[0]
                        app = rm.apps.setdefault(tag, rm.new_app(tag))
                        return self.answer(200, {"apps": {"app": [app]}})
                    for app in rm.apps.values():
                        if url.path == f"/ws/v1/cluster/apps/{app['id']}" and method == "GET":
                            return self.answer(200, {"app": app})
                        if url.path == f"/ws/v1/cluster/apps/{app['id']}/state" and method == "PUT":
                            app["state"], app["finalStatus"] = "KILLED", "KILLED"
                            return self.answer(200, {"state": "KILLED"})
                return self.answer(404, {"RemoteException": {"message": "not found"}})

            def do_GET(self):
                self.handle_call("GET")

            def do_PUT(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.handle_call("PUT")

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def new_app(self, tag: str) -> dict:
        n = len(self.apps) + 1
        return {"id": f"application_1700000000000_{n:04d}", "name": "stand-in", "applicationTags": tag,
                "state": "RUNNING", "finalStatus": "UNDEFINED", "queue": "default",
                "startedTime": int(time.time() * 1000), "trackingUrl": f"http://localhost:{self.port}/proxy/{n}"}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def recording_spark_home(root: Path) -> Path:
    """A spark-submit that writes KRB5CCNAME and `klist`'s view of that cache to submit.log."""
    home = root / "spark"
    (home / "bin").mkdir(parents=True, exist_ok=True)
    submit = home / "bin" / "spark-submit"
    submit.write_text("#!/bin/sh\n"
                      f"log={root}/submit.log\n"
                      "echo \"KRB5CCNAME=$KRB5CCNAME\" >> \"$log\"\n"
                      f"{tool('klist')} >> \"$log\" 2>&1\n"
                      "echo \"klist-exit=$?\" >> \"$log\"\n")
    submit.chmod(0o755)
    return home


@pytest.fixture(scope="module")
def launch_keytab(kdc) -> Path:
    keytab = kdc.root / "livy-launch.keytab"
    if not keytab.exists():
        kdc.kadmin("addprinc -randkey livy/localhost")
        kdc.kadmin(f"ktadd -k {keytab} livy/localhost")
    return keytab


@pytest.fixture(scope="module")
def rm(kdc):
    server = StandInRm(kdc.http_keytab)
    yield server
    server.stop()


def kerberized_livyd(root: Path, rm: StandInRm, keytab: Path, **extra: str) -> Livyd:
    recording_spark_home(root)
    return Livyd(root, {
        "spark.master": "yarn",
        "spark.deploy-mode": "cluster",
        # The host name picks the RM's service principal: HTTP/localhost.
        "yarn.resourcemanager-url": f"http://localhost:{rm.port}",
        "yarn.kerberos.principal": LAUNCH_PRINCIPAL,
        "yarn.kerberos.keytab": str(keytab),
        **extra,
    })


def wait_for(predicate, timeout: float = 60.0, what: str = "a condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_batch_on_kerberized_yarn(work, kdc, rm, launch_keytab):
    root = work / "livyd-yarn-krb"
    server = kerberized_livyd(root, rm, launch_keytab)
    try:
        body = server.batch_body()
        resp = requests.post(f"{server.url}/batches", json=body, headers={"X-Requested-By": "t"}, timeout=30)
        assert resp.status_code == 201, resp.text
        batch_id = resp.json()["id"]

        def found():
            b = requests.get(f"{server.url}/batches/{batch_id}", timeout=30).json()
            return b if (b.get("appId") or "").startswith("application_") and b["state"] == "running" else None

        batch = wait_for(found, what="the batch's YARN application, through the stand-in RM")
        assert batch["appInfo"]["sparkUiUrl"].startswith(f"http://localhost:{rm.port}/proxy/")

        # spark-submit ran with livyd's cache, which holds a ticket of the launch principal.
        ccache = server.client.data_dir / "yarn-krb5cc"
        log = (root / "submit.log").read_text()
        assert f"KRB5CCNAME=FILE:{ccache}" in log, log
        assert f"Default principal: {LAUNCH_PRINCIPAL}" in log, log
        assert f"krbtgt/{KRB_REALM}@{KRB_REALM}" in log, log
        assert "klist-exit=0" in log, log
        assert stat.S_IMODE(os.stat(ccache).st_mode) == 0o600

        resp = requests.delete(f"{server.url}/batches/{batch_id}", headers={"X-Requested-By": "t"}, timeout=30)
        assert resp.status_code == 200, resp.text
        app_id = batch["appId"]
        wait_for(lambda: any(c[0] == "PUT" and c[1] == f"/ws/v1/cluster/apps/{app_id}/state" for c in rm.calls),
                 what="the kill at the RM")
        with rm.lock:
            assert rm.calls, "livyd never reached the stand-in RM"
            assert {who for _, _, who in rm.calls} == {LAUNCH_PRINCIPAL}
            assert rm.refused == 0  # every call carried a token the RM accepted
    finally:
        problems = server.stop()
    assert not problems, problems


def test_the_ticket_is_renewed_into_a_new_cache(work, kdc, rm, launch_keytab):
    root = work / "livyd-yarn-krb-renew"
    server = kerberized_livyd(root, rm, launch_keytab, **{"yarn.kerberos.refresh-interval": "1s"})
    try:
        ccache = server.client.data_dir / "yarn-krb5cc"
        first = os.stat(ccache).st_ino
        # A renewal writes a new file and renames it over the cache: a new inode.
        wait_for(lambda: os.stat(ccache).st_ino != first, timeout=30, what="a renewed credential cache")
        out = subprocess.run([tool("klist"), "-s", "-c", f"FILE:{ccache}"], env=kdc.env, timeout=30)
        assert out.returncode == 0
    finally:
        problems = server.stop()
    assert not problems, problems


@pytest.mark.parametrize("settings, message", [
    ({"yarn.kerberos.principal": LAUNCH_PRINCIPAL}, "go together"),
    ({"yarn.kerberos.principal": LAUNCH_PRINCIPAL, "yarn.kerberos.keytab": "/nonexistent.keytab"},
     "must name a readable keytab"),
    # A keytab that holds another principal's key: the KDC gives no ticket.
    ({"yarn.kerberos.principal": LAUNCH_PRINCIPAL, "yarn.kerberos.keytab": "ALICE"}, "yarn.kerberos"),
])
def test_settings_livyd_cannot_use_stop_it_at_start_up(work, kdc, settings, message):
    from livyd_testlib import SetupError, livyd_bin_from_env, start_livyd

    settings = {k: (str(kdc.root / "alice.keytab") if v == "ALICE" else v) for k, v in settings.items()}
    root = work / f"livyd-yarn-krb-bad-{abs(hash(json.dumps(settings, sort_keys=True)))}"
    root.mkdir(parents=True)
    home = recording_spark_home(root)
    with pytest.raises(SetupError) as refused:
        client = start_livyd(livyd_bin_from_env(), home, root,
                             {"spark.master": "local[1]", "sessions.driver-port": str(free_port()), **settings})
        client.process.kill()
    assert message in str(refused.value)
