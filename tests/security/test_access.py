"""Access control and impersonation (livy.server.access-control.*, livy.superusers,
livy.impersonation.enabled) against a real livyd, once with auth.type ldap on the suite's
slapd and once with auth.type jwt on its OpenID Connect issuer: the same users, the same
matrix, only the credentials differ.

The matrix: users (owner, another user, view user, modify user, superuser, a user not
allowed) x the endpoints of sessions and batches x the expected status. Sessions run the
suite's stand-in spark-submit, so they never become idle: the checks' status codes do not
depend on that (a permitted request that the session's state refuses is still not 403)."""
from __future__ import annotations

import subprocess
import time

import pytest
import requests
from requests.auth import HTTPBasicAuth

from servers import LDAP_USERS

OWNER, OTHER, VIEWER, MODIFIER, SUPER, STRANGER = "alice", "bob", "carol", "dave", "erin", "frank"
USERS = (OWNER, OTHER, VIEWER, MODIFIER, SUPER, STRANGER)
MAY_VIEW = {OWNER, VIEWER, MODIFIER, SUPER}
MAY_MODIFY = {OWNER, MODIFIER, SUPER}
ALLOWED = {OWNER, OTHER, VIEWER, MODIFIER, SUPER}


def basic(user: str) -> HTTPBasicAuth:
    return HTTPBasicAuth(user, LDAP_USERS[user])


def authentication(request, kind: str):
    """The auth.* settings of `kind`, and the requests auth object of each user."""
    if kind == "ldap":
        from servers import LDAP_PEOPLE

        slapd = request.getfixturevalue("slapd")
        return ({"auth.type": "ldap", "auth.ldap.url": slapd.url, "auth.ldap.base-dn": LDAP_PEOPLE}, basic)
    from conftest import jwt_settings
    from oidc_issuer import BearerAuth

    issuer = request.getfixturevalue("issuer")
    tokens = {user: issuer.token(user, kid="rsa-1" if i % 2 else "ec-1") for i, user in enumerate(USERS)}
    return jwt_settings(issuer), lambda user: BearerAuth(tokens[user])


@pytest.fixture(scope="module", params=["ldap", "jwt"])
def acl_livyd(request, work):
    from conftest import Livyd

    settings, auth = authentication(request, request.param)
    server = Livyd(work / f"livyd-acl-{request.param}", {
        **settings,
        "access-control.enabled": "true",
        "access-control.allowed-users": f"{OWNER},{OTHER}",
        "access-control.view-users": VIEWER,
        "access-control.modify-users": MODIFIER,
        "access-control.superusers": SUPER,
        "impersonation.enabled": "true",
    })
    server.auth = auth
    yield server
    problems = server.stop()
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


def call(livyd, user, method, path, body=None):
    return requests.request(method, f"{livyd.url}{path}", json=body, auth=livyd.auth(user), timeout=30)


def create(livyd, user, what, extra=None, path_suffix=""):
    body = {**(livyd.batch_body() if what == "batches" else {"kind": "pyspark"}), **(extra or {})}
    resp = call(livyd, user, "POST", f"/{what}{path_suffix}", body)
    assert resp.status_code == 201, resp.text
    return resp.json()


def assert_forbidden(resp, context):
    assert resp.status_code == 403, (context, resp.status_code, resp.text)
    assert resp.headers["Content-Type"].startswith("application/json"), context
    assert resp.json()["msg"], context


# (method, path with {id}, body, who may, the status a permitted caller gets; None: anything but 401/403)
SESSION_ROUTES = [
    ("GET", "/sessions/{id}", None, ALLOWED, 200),
    ("GET", "/sessions/{id}/state", None, ALLOWED, 200),
    ("GET", "/sessions/{id}/log", None, MAY_VIEW, 200),
    ("GET", "/sessions/{id}/statements", None, MAY_VIEW, None),
    ("GET", "/sessions/{id}/statements/0", None, MAY_VIEW, None),
    ("POST", "/sessions/{id}/statements", {"code": "1 + 1"}, MAY_MODIFY, None),
    ("POST", "/sessions/{id}/statements/0/cancel", None, MAY_MODIFY, None),
    ("POST", "/sessions/{id}/interrupt", None, MAY_MODIFY, None),
    ("POST", "/sessions/{id}/completion", {"code": "sp", "cursor": 2}, MAY_MODIFY, None),
    ("GET", "/sessions/{id}/jobs/0", None, MAY_VIEW, None),
]
BATCH_ROUTES = [
    ("GET", "/batches/{id}", None, ALLOWED, 200),
    ("GET", "/batches/{id}/state", None, ALLOWED, 200),
    ("GET", "/batches/{id}/log", None, MAY_VIEW, 200),
]


def test_matrix_of_users_and_endpoints(acl_livyd):
    session = create(acl_livyd, OWNER, "sessions")
    batch = create(acl_livyd, OWNER, "batches")
    assert session["owner"] == OWNER and batch["owner"] == OWNER
    checked = 0
    for routes, obj in ((SESSION_ROUTES, session), (BATCH_ROUTES, batch)):
        for method, path, body, permitted, status in routes:
            path = path.format(id=obj["id"])
            for user in USERS:
                resp = call(acl_livyd, user, method, path, body)
                context = (user, method, path)
                if user not in permitted:
                    assert_forbidden(resp, context)
                elif status is not None:
                    assert resp.status_code == status, (context, resp.text)
                else:
                    assert resp.status_code not in (401, 403) and resp.status_code < 500, (context, resp.text)
                checked += 1
    # Create and list: every allowed user; the stranger nowhere (not even /version).
    for user in USERS:
        for what in ("sessions", "batches"):
            listed = call(acl_livyd, user, "GET", f"/{what}")
            made = call(acl_livyd, user, "POST", f"/{what}",
                        acl_livyd.batch_body() if what == "batches" else {"kind": "pyspark"})
            if user in ALLOWED:
                assert listed.status_code == 200, (user, listed.text)
                assert made.status_code == 201, (user, made.text)
                assert made.json()["owner"] == user
                call(acl_livyd, user, "DELETE", f"/{what}/{made.json()['id']}")
            else:
                assert_forbidden(listed, (user, what))
                assert_forbidden(made, (user, what))
                assert listed.json()["msg"] == "User not authorised to use Livy."
    assert_forbidden(call(acl_livyd, STRANGER, "GET", "/version"), "version")
    # Delete: one object per user, so that each permitted delete has something to delete.
    for what in ("sessions", "batches"):
        for user in USERS:
            obj = create(acl_livyd, OWNER, what)
            resp = call(acl_livyd, user, "DELETE", f"/{what}/{obj['id']}")
            if user in MAY_MODIFY:
                assert resp.status_code == 200, (user, what, resp.text)
                if what == "sessions":  # a killed batch stays listed, as in Livy
                    assert call(acl_livyd, OWNER, "GET", f"/{what}/{obj['id']}").status_code == 404
            else:
                assert_forbidden(resp, (user, what, "delete"))
                assert call(acl_livyd, OWNER, "GET", f"/{what}/{obj['id']}").status_code == 200
                call(acl_livyd, OWNER, "DELETE", f"/{what}/{obj['id']}")
    # An object that is not there is 404 for a permitted-by-role user, not a 403 that says it exists.
    assert call(acl_livyd, OTHER, "GET", "/sessions/999999/log").status_code == 404
    call(acl_livyd, OWNER, "DELETE", f"/sessions/{session['id']}")
    call(acl_livyd, OWNER, "DELETE", f"/batches/{batch['id']}")
    assert checked == (len(SESSION_ROUTES) + len(BATCH_ROUTES)) * len(USERS)


def wait_for_log(livyd, user, path, text, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        log = call(livyd, user, "GET", path).json()["log"]
        if any(text in line for line in log):
            return log
        assert time.monotonic() < deadline, (path, log)
        time.sleep(0.2)


def listed_ids(livyd, user, query=""):
    page = call(livyd, user, "GET", f"/batches{query}").json()
    return [b["id"] for b in page["sessions"]], page["total"], page["from"]


def test_lists_hold_only_what_the_caller_may_view_with_consistent_paging(acl_livyd):
    # Killed batches stay listed: what each user sees already is the baseline.
    before = {user: listed_ids(acl_livyd, user)[0] for user in (OWNER, OTHER, VIEWER, SUPER)}
    mine = [create(acl_livyd, OWNER, "batches")["id"] for _ in range(3)]
    others = [create(acl_livyd, OTHER, "batches")["id"]]
    try:
        ids, total, _ = listed_ids(acl_livyd, OWNER)
        assert ids == before[OWNER] + mine and total == len(ids)
        assert not set(ids) & set(others)
        n = len(before[OWNER])
        ids, total, start = listed_ids(acl_livyd, OWNER, f"?from={n + 1}&size=1")
        assert (ids, total, start) == (mine[1:2], n + 3, n + 1)
        assert listed_ids(acl_livyd, OWNER, f"?from={n + 3}")[0] == []
        ids, total, _ = listed_ids(acl_livyd, OTHER)
        assert ids == before[OTHER] + others and total == len(ids)
        assert not set(ids) & set(mine)
        for viewer in (VIEWER, SUPER):
            ids, total, _ = listed_ids(acl_livyd, viewer)
            assert ids == before[viewer] + mine + others and total == len(ids)
        assert set(before[OWNER]) | set(before[OTHER]) <= set(before[VIEWER])
        assert call(acl_livyd, OWNER, "GET", "/batches?from=-1").status_code == 400
        # Sessions are filtered by the same rule.
        session = create(acl_livyd, OTHER, "sessions")
        try:
            assert session["id"] not in [x["id"] for x in call(acl_livyd, OWNER, "GET", "/sessions").json()["sessions"]]
            assert session["id"] in [x["id"] for x in call(acl_livyd, OTHER, "GET", "/sessions").json()["sessions"]]
            assert session["id"] in [x["id"] for x in call(acl_livyd, VIEWER, "GET", "/sessions").json()["sessions"]]
        finally:
            call(acl_livyd, OTHER, "DELETE", f"/sessions/{session['id']}")
        # GET of another's batch is open (as in Livy) but without its log.
        wait_for_log(acl_livyd, OWNER, f"/batches/{mine[0]}", "stand-in spark-submit")
        seen = call(acl_livyd, OTHER, "GET", f"/batches/{mine[0]}")
        assert seen.status_code == 200 and seen.json()["log"] == []
    finally:
        for ids, user in ((mine, OWNER), (others, OTHER)):
            for i in ids:
                call(acl_livyd, user, "DELETE", f"/batches/{i}")


def test_impersonation_superuser_only_doas_wins_and_reaches_spark_submit(acl_livyd):
    # The superuser names alice: she is the proxy user, on spark-submit's command line, and
    # may view the batch as its proxy user; bob may not.
    batch = create(acl_livyd, SUPER, "batches", {"proxyUser": OWNER})
    assert batch["owner"] == SUPER and batch["proxyUser"] == OWNER
    wait_for_log(acl_livyd, SUPER, f"/batches/{batch['id']}", f"--proxy-user {OWNER}")
    assert call(acl_livyd, OWNER, "GET", f"/batches/{batch['id']}/log").status_code == 200
    assert_forbidden(call(acl_livyd, OTHER, "GET", f"/batches/{batch['id']}/log"), "bob, log")
    # doAs wins over proxyUser.
    both = create(acl_livyd, SUPER, "batches", {"proxyUser": OTHER}, f"?doAs={VIEWER}")
    assert both["proxyUser"] == VIEWER
    # Impersonation on: without a proxyUser the caller is the proxy user (as Livy).
    own = create(acl_livyd, OWNER, "batches")
    assert own["proxyUser"] == OWNER
    wait_for_log(acl_livyd, OWNER, f"/batches/{own['id']}", f"--proxy-user {OWNER}")
    # Anyone else naming another user is 403, by proxyUser or by doAs, creating or reading.
    for path, body in (("/batches", {**acl_livyd.batch_body(), "proxyUser": SUPER}),
                       (f"/batches?doAs={SUPER}", acl_livyd.batch_body()),
                       ("/sessions", {"kind": "pyspark", "proxyUser": "hdfs"})):
        resp = call(acl_livyd, OTHER, "POST", path, body)
        assert_forbidden(resp, path)
        assert resp.json()["msg"] == f"User '{OTHER}' not allowed to impersonate '{body.get('proxyUser', SUPER)}'."
    assert_forbidden(call(acl_livyd, OTHER, "GET", f"/batches?doAs={OWNER}"), "doAs on a read")
    # A superuser's doAs is checked as that user: as bob, alice's batch's log is out of reach.
    assert_forbidden(call(acl_livyd, SUPER, "GET", f"/batches/{own['id']}/log?doAs={OTHER}"), "super as bob")
    assert call(acl_livyd, SUPER, "GET", f"/batches/{own['id']}/log?doAs={OWNER}").status_code == 200
    for i, user in ((batch["id"], SUPER), (both["id"], SUPER), (own["id"], OWNER)):
        call(acl_livyd, user, "DELETE", f"/batches/{i}")


def test_access_control_without_authentication_stops_start_up(work):
    from livyd_testlib import livyd_bin_from_env

    root = work / "livyd-acl-noauth"
    root.mkdir()
    proc = subprocess.run([str(livyd_bin_from_env()), "--data-dir", str(root / "data"), "--port", "0",
                           "--set", "access-control.enabled=true"],
                          capture_output=True, text=True, timeout=60, cwd=root)
    assert proc.returncode != 0
    assert "access-control.enabled" in proc.stderr + proc.stdout
    assert "auth.type" in proc.stderr + proc.stdout
