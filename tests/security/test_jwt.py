"""auth.type jwt against a real livyd and an OpenID Connect issuer on loopback (the
suite's oidc_issuer.py): tokens minted with PyJWT, sent by requests and by pylivy with a
Bearer auth object; every kind of bad token is 401 with a Bearer challenge, never 200; a
rotated key is fetched; an issuer that cannot be reached is 503. The test that stops an
issuer uses its own."""
from __future__ import annotations

import base64
import json
import time

import pytest
import requests

from oidc_issuer import BearerAuth, OidcIssuer, b64url

INVALID = 'Bearer realm="livy", error="invalid_token"'


def get(livyd, token: str | None, path: str = "/batches", headers: dict | None = None):
    auth = BearerAuth(token) if token is not None else None
    return requests.get(f"{livyd.url}{path}", auth=auth, headers=headers, timeout=30)


def assert_refused(resp, context, challenge=INVALID):
    assert resp.status_code == 401, (context, resp.status_code, resp.text)
    assert resp.headers["WWW-Authenticate"] == challenge, context
    assert resp.headers["Content-Type"].startswith("application/json"), context
    assert resp.json()["msg"], context
    assert "Set-Cookie" not in resp.headers, context


def test_no_token_or_another_scheme_is_401_with_a_bearer_challenge(jwt_livyd):
    for method, path in (("GET", "/batches"), ("GET", "/version"), ("POST", "/batches"), ("GET", "/sessions/0")):
        resp = requests.request(method, f"{jwt_livyd.url}{path}", timeout=30)
        assert_refused(resp, (method, path), 'Bearer realm="livy"')
    assert_refused(get(jwt_livyd, None, headers={"Authorization": "Basic YWxpY2U6eA=="}), "basic",
                   'Bearer realm="livy"')


def test_rs256_and_es256_tokens_create_batches_owned_by_the_claimed_user(jwt_livyd, issuer):
    for kid, user in (("rsa-1", "alice"), ("ec-1", "bob")):
        auth = BearerAuth(issuer.token(user, kid=kid))
        made = requests.post(f"{jwt_livyd.url}/batches", json=jwt_livyd.batch_body(), auth=auth, timeout=30)
        assert made.status_code == 201, (kid, made.text)
        assert made.json()["owner"] == user  # preferred_username, not sub
        assert "Set-Cookie" not in made.headers  # no cookie outlives the token
        assert requests.delete(f"{jwt_livyd.url}/batches/{made.json()['id']}", auth=auth, timeout=30).status_code == 200


def test_pylivy_with_a_bearer_auth_object(jwt_livyd, issuer):
    from livy.client import LivyClient

    auth = BearerAuth(issuer.token("carol", kid="ec-1"))
    client = LivyClient(jwt_livyd.url, auth=auth)
    batch = client.create_batch(str(jwt_livyd.job))
    got = requests.get(f"{jwt_livyd.url}/batches/{batch.batch_id}", auth=auth, timeout=30).json()
    assert got["owner"] == "carol"
    assert client.get_batch(batch.batch_id).batch_id == batch.batch_id
    client.delete_batch(batch.batch_id)


def test_every_bad_token_is_401_invalid_token(jwt_livyd, issuer):
    other = OidcIssuer()  # same kids, other keys: "signed by another key"
    p384 = issuer.add_key("p384", "ES384")  # published, but no curve livyd takes
    now = int(time.time())
    good = issuer.token("alice")
    head, body, sig = good.split(".")
    cases = {
        "alg none": issuer.unsigned("alice"),
        "HS256 keyed with the RSA public PEM": issuer.hs256_with_public_pem("alice"),
        "signed by another key": other.token("alice", kid="rsa-1"),
        "another key, EC": other.token("alice", kid="ec-1"),
        "expired": issuer.token("alice", exp=now - 3600, iat=now - 7200),
        "not yet valid": issuer.token("alice", nbf=now + 3600),
        "issued in the future": issuer.token("alice", iat=now + 3600),
        "no exp": issuer.token("alice", exp=None),
        "wrong issuer": issuer.token("alice", iss="https://evil.example"),
        "wrong audience": issuer.token("alice", aud="hive"),
        "wrong audiences": issuer.token("alice", aud=["hive", "spark"]),
        "no user claim": issuer.token("alice", preferred_username=None),
        "user claim not a string": issuer.token("alice", preferred_username=["alice"]),
        "unknown kid": other.add_key("nobody-knows", "RS256") and other.token("alice", kid="nobody-knows"),
        "a JWK on the wrong curve": issuer.token("alice", kid=p384.kid),
        "two parts": f"{head}.{body}",
        "four parts": f"{good}.{sig}",
        "bad base64url": f"{head}.{body}!.{sig}",
        "non-JSON header": f"{b64url(b'not json')}.{body}.{sig}",
        "header names ES256 for the RSA key": f"{b64url(json.dumps({'alg': 'ES256', 'kid': 'rsa-1'}).encode())}.{body}.{sig}",
        "tampered payload": f"{head}.{b64url(json.dumps(issuer.claims('admin')).encode())}.{sig}",
        "over auth.jwt.max-token-bytes": issuer.token("alice", pad="x" * 20000),
        "empty": "",
    }
    for name, token in cases.items():
        assert_refused(get(jwt_livyd, token), name)
    # Still serving.
    assert get(jwt_livyd, good).status_code == 200


def test_hostile_bearer_headers_get_400_or_401_never_200(jwt_livyd):
    hostile = ["Bearer", "Bearer  ", "Bearer ....", "Bearer " + "A" * 60000, "Bearer a.b.c",
               "Bearer " + base64.b64encode(bytes(range(256)) * 40).decode(),
               "Bearer " + b64url(b'{"alg":"RS256","kid":"' + b"k" * 5000 + b'"}') + ".e30.c2ln",
               "Bearer " + b64url(b'{"alg":"RS256","crit":["x"]}') + ".e30.c2ln", "bearer eyJ.eyJ.", "Bearer\t."]
    for value in hostile:
        resp = get(jwt_livyd, None, headers={"Authorization": value})
        assert resp.status_code in (400, 401), (value[:40], resp.status_code)
        assert "msg" in resp.json()
        assert resp.headers["WWW-Authenticate"].startswith("Bearer ")


def test_a_rotated_key_is_fetched_on_its_unknown_kid(jwt_livyd, issuer):
    assert get(jwt_livyd, issuer.token("alice")).status_code == 200
    before = issuer.jwks_requests
    fresh = issuer.add_key("rsa-2", "RS256")
    time.sleep(1.2)  # the suite's auth.jwt.jwks-min-refresh-interval is 1s
    resp = get(jwt_livyd, issuer.token("dave", kid=fresh.kid))
    assert resp.status_code == 200, resp.text
    assert issuer.jwks_requests == before + 1
    # A flood of unknown kids within the interval fetches nothing more.
    stranger = OidcIssuer()
    tokens = [stranger.token("alice", kid="rsa-1", headers={"kid": f"x-{i}"}) for i in range(10)]
    started = time.monotonic()
    for i, token in enumerate(tokens):
        assert_refused(get(jwt_livyd, token), i)
    intervals = int((time.monotonic() - started) / 1.0) + 1
    assert issuer.jwks_requests <= before + 1 + intervals


def test_an_issuer_that_cannot_be_reached_is_503(work):
    from conftest import Livyd, jwt_settings

    gone = OidcIssuer()
    gone.start()
    token = gone.token("alice")
    gone.stop()
    server = Livyd(work / "livyd-jwt-gone", jwt_settings(gone))
    try:
        for _ in range(3):
            resp = get(server, token)
            assert resp.status_code == 503, resp.text
            assert resp.json()["msg"]
        # A token that is not even well-formed is still 401: nothing was fetched for it.
        assert_refused(get(server, "a.b"), "malformed")
    finally:
        assert server.stop() == []


@pytest.mark.parametrize("conf", ["livy.conf", "yaml"])
def test_settings_from_livy_conf_and_yaml(work, issuer, conf):
    """The same settings by their Livy names in livy.conf and by their YAML names: only
    ES256, and tokens of at most 8 KiB."""
    import subprocess

    from livyd_testlib import livyd_bin_from_env

    root = work / f"livyd-jwt-conf-{conf}"
    root.mkdir()
    if conf == "livy.conf":
        path = root / "livy.conf"
        path.write_text(f"livy.server.auth.type = jwt\nlivy.server.auth.jwt.issuer-url = {issuer.url}\n"
                        "livy.server.auth.jwt.audience = livy\nlivy.server.auth.jwt.algorithms = ES256\n"
                        "livy.server.auth.jwt.max-token-bytes = 8k\n")
    else:
        path = root / "livyd.yaml"
        path.write_text(f"auth:\n  type: jwt\n  jwt:\n    issuer-url: {issuer.url}\n    audience: livy\n"
                        "    algorithms: ES256\n    max-token-bytes: 8k\n")
    from conftest import fake_spark_home

    port_file = root / "port"
    with open(root / "livyd.log", "wb") as log:
        proc = subprocess.Popen([str(livyd_bin_from_env()), "--config", str(path), "--data-dir", str(root / "data"),
                                 "--spark-home", str(fake_spark_home(root)), "--port", "0", "--port-file",
                                 str(port_file)], stdout=log, stderr=log, cwd=root)
    try:
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert proc.poll() is None and time.monotonic() < deadline, (root / "livyd.log").read_text()
            time.sleep(0.1)

        class Server:
            url = f"http://127.0.0.1:{int(port_file.read_text())}"

        assert get(Server, issuer.token("alice", kid="ec-1")).status_code == 200
        assert_refused(get(Server, issuer.token("alice", kid="rsa-1")), "RS256 not in auth.jwt.algorithms")
        assert_refused(get(Server, issuer.token("alice", kid="ec-1", pad="x" * 6000)), "over 8k")
    finally:
        proc.terminate()
        code = proc.wait(timeout=30)
    assert code == 0, (root / "livyd.log").read_text()


def test_an_https_issuer_is_trusted_through_auth_jwt_ca_file(work):
    """A real issuer speaks https: its certificate is checked against auth.jwt.ca-file (a CA the
    system does not know); without that file, or with another CA's, it cannot be reached (503)."""
    from pathlib import Path

    from conftest import Livyd, jwt_settings
    from servers import make_test_pki

    pki = Path(work / "jwt-pki")
    pki.mkdir()
    make_test_pki(pki, "unused-pw")
    secure = OidcIssuer(tls=pki)
    secure.start()
    token = secure.token("alice", kid="ec-1")
    try:
        for name, extra, status in (("ca", {"auth.jwt.ca-file": str(pki / "ca.pem")}, 200),
                                    ("other-ca", {"auth.jwt.ca-file": str(pki / "other-ca.pem")}, 503),
                                    ("system-cas", {}, 503)):
            server = Livyd(work / f"livyd-jwt-https-{name}", {**jwt_settings(secure), **extra})
            try:
                resp = get(server, token)
                assert resp.status_code == status, (name, resp.text)
                if status == 200:
                    assert resp.json()["total"] == 0
            finally:
                assert server.stop() == []
    finally:
        secure.stop()
