"""The web UI over HTTPS with authentication and access control on: a livyd of its own (no
Spark: a stand-in spark-submit), a real slapd for auth.type ldap (tests/security/servers.py),
and a Chromium that sends the user's Basic credentials when livyd asks, as a browser does.
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "security"))

from conftest import Watched, launch_chromium  # noqa: E402
from livyd_testlib import SetupError, livyd_bin_from_env, start_livyd  # noqa: E402
from servers import LDAP_PEOPLE, LDAP_USERS, Slapd, free_port, make_test_pki  # noqa: E402


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    """livyd on HTTPS with auth.type ldap, CSRF protection and access control; yields
    (base URL, CA file, a batch of alice's, a batch of bob's)."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("ui-secure")))
    pki = work / "pki"
    pki.mkdir()
    make_test_pki(pki, "changeit")
    spark = work / "spark"
    (spark / "bin").mkdir(parents=True)
    (spark / "bin" / "spark-submit").write_text("#!/bin/sh\necho \"stand-in spark-submit $*\"\nsleep 60\n")
    (spark / "bin" / "spark-submit").chmod(0o755)
    job = work / "job.py"
    job.write_text("print(1)\n")
    try:
        slapd = Slapd(work / "slapd")
        slapd.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    settings = {
        "spark.master": "local[1]",
        "sessions.driver-port": str(free_port()),
        "files.local-dir-whitelist": str(work),
        "batches.kill-grace": "1s",
        "server.tls.certificate-file": str(pki / "server.pem"),
        "server.tls.key-file": str(pki / "server.key"),
        "auth.type": "ldap",
        "auth.ldap.url": slapd.url,
        "auth.ldap.base-dn": LDAP_PEOPLE,
        "server.csrf-protection": "true",
        "access-control.enabled": "true",
    }
    try:
        client = start_livyd(livyd_bin_from_env(), spark, work, settings)
    except SetupError as e:
        slapd.stop()
        pytest.fail(str(e), pytrace=False)
    try:
        base = f"https://127.0.0.1:{client.port}"
        ids = {}
        for user in ("alice", "bob"):
            res = requests.post(f"{base}/batches", json={"file": str(job), "name": f"{user}-job"},
                                auth=(user, LDAP_USERS[user]), headers={"X-Requested-By": "test"},
                                verify=str(pki / "ca.pem"), timeout=10)
            assert res.status_code == 201, res.text
            ids[user] = res.json()["id"]
        yield base, pki / "ca.pem", ids
        for user, batch in ids.items():
            requests.delete(f"{base}/batches/{batch}", auth=(user, LDAP_USERS[user]),
                            headers={"X-Requested-By": "test"}, verify=str(pki / "ca.pem"), timeout=10)
    finally:
        client.process.send_signal(signal.SIGTERM)
        rc = client.process.wait(timeout=30)
        slapd.stop()
    assert rc == 0, f"livyd exited with {rc} after SIGTERM"


@pytest.fixture
def alice_page(playwright, tmp_path):
    """A Chromium of its own, with alice's credentials, trusting the test CA's certificate."""
    context = launch_chromium(playwright, tmp_path / "profile", ignore_https_errors=True,
                              http_credentials={"username": "alice", "password": LDAP_USERS["alice"]})
    try:
        yield Watched(context.new_page())
    finally:
        context.close()


def test_over_https_with_ldap_a_user_sees_and_kills_only_her_own(secure, alice_page):
    base, ca, ids = secure
    anonymous = requests.get(f"{base}/ui/", verify=str(ca), timeout=10)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Basic")

    tab = alice_page.page
    tab.goto(f"{base}/ui/batches")
    mine = tab.locator(f"#list tr[data-id='{ids['alice']}']")
    mine.wait_for()
    assert mine.locator("td").nth(1).inner_text() == "alice-job"
    assert mine.locator("td").nth(3).inner_text() == "alice"
    # Access control filters the list: bob's batch is not there, and it is not counted.
    assert tab.locator(f"#list tr[data-id='{ids['bob']}']").count() == 0
    assert tab.locator("#summary").inner_text() == "1\u20131 of 1 batches, newest first"
    # Her Kill goes through (a DELETE with her credentials and X-Requested-By).
    mine.locator("button", has_text="Kill").click()
    mine.locator("button", has_text="Really kill?").click()
    tab.locator(f"#list tr[data-id='{ids['alice']}'] .state-killed").wait_for()

    # bob's log page: livyd refuses alice, and the page says why.
    tab.goto(f"{base}/ui/batch/{ids['bob']}/log")
    tab.locator("#error", has_text="may not view batch").wait_for()
    assert tab.locator("#log").inner_text() == ""
    problems = [p for p in alice_page.problems() if "status of 403" not in p]
    assert not problems, problems
