"""auth.type ldap over TLS against a real slapd that offers StartTLS and ldaps://: the
bind works when the server's certificate chains to auth.ldap.ca-file, and is a 503 (never
a 200, never the password sent in clear) when it does not; an unreadable CA file stops
start-up."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests
from requests.auth import HTTPBasicAuth

from conftest import Livyd
from livyd_testlib import SetupError, livyd_bin_from_env, start_livyd
from servers import LDAP_PEOPLE, LDAP_USERS, Slapd, make_test_pki


@pytest.fixture(scope="module")
def ldap_pki(work) -> Path:
    d = work / "ldap-pki"
    d.mkdir()
    return make_test_pki(d, "changeit")


@pytest.fixture(scope="module")
def tls_slapd(work, ldap_pki):
    try:
        server = Slapd(work / "slapd-tls", tls=ldap_pki)
        server.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    yield server
    server.stop()


def ldap_settings(url: str, **extra: str) -> dict[str, str]:
    return {"auth.type": "ldap", "auth.ldap.url": url, "auth.ldap.base-dn": LDAP_PEOPLE,
            "auth.ldap.timeout": "3s", "auth.ldap.cache-ttl": "0s", **extra}


def status_of(server: Livyd, user: str, password: str) -> int:
    return requests.get(f"{server.url}/batches", auth=HTTPBasicAuth(user, password), timeout=30).status_code


@pytest.mark.parametrize("how", ["start-tls", "ldaps"])
def test_a_trusted_server_binds_over_tls(work, tls_slapd, ldap_pki, how):
    settings = ldap_settings(tls_slapd.url, **{"auth.ldap.enable-start-tls": "true"}) if how == "start-tls" \
        else ldap_settings(tls_slapd.ldaps_url)
    settings["auth.ldap.ca-file"] = str(ldap_pki / "ca.pem")
    server = Livyd(work / f"livyd-ldap-{how}", settings)
    try:
        assert status_of(server, "alice", LDAP_USERS["alice"]) == 200
        assert status_of(server, "alice", "wrong") == 401
    finally:
        server.stop()


@pytest.mark.parametrize("how", ["start-tls", "ldaps"])
def test_a_server_whose_certificate_does_not_chain_is_503(work, tls_slapd, ldap_pki, how):
    settings = ldap_settings(tls_slapd.url, **{"auth.ldap.enable-start-tls": "true"}) if how == "start-tls" \
        else ldap_settings(tls_slapd.ldaps_url)
    settings["auth.ldap.ca-file"] = str(ldap_pki / "other-ca.pem")
    server = Livyd(work / f"livyd-ldap-{how}-untrusted", settings)
    try:
        resp = requests.get(f"{server.url}/batches", auth=HTTPBasicAuth("alice", LDAP_USERS["alice"]), timeout=30)
        assert resp.status_code == 503, resp.text
        assert "LDAP server cannot be reached" in resp.json()["msg"]
    finally:
        server.stop()


def test_an_unreadable_ca_file_stops_start_up(work, tls_slapd):
    from conftest import fake_spark_home
    root = work / "livyd-ldap-no-ca"
    root.mkdir()
    settings = ldap_settings(tls_slapd.url, **{"auth.ldap.enable-start-tls": "true",
                                                "auth.ldap.ca-file": str(root / "missing.pem")})
    with pytest.raises(SetupError) as refused:
        start_livyd(livyd_bin_from_env(), fake_spark_home(root), root, settings)
    assert "auth.ldap.ca-file" in str(refused.value) and "cannot be read" in str(refused.value)
