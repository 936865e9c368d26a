"""sparkmagic 0.23.0, unmodified, against livyd with authentication on: its own auth objects
(`sparkmagic.auth.basic.Basic` for auth.type ldap against a real slapd, and
`sparkmagic.auth.kerberos.Kerberos` for auth.type kerberos against a real MIT KDC), through
the same SparkController layer the %spark magics call, on a real pyspark session each.

What sparkmagic does with authentication, read from its source: the Endpoint carries the
auth object, and LivyReliableHttpClient passes it as `auth=` to every requests call
(create, the polls until idle, statements, the heartbeat, delete). Kerberos is
requests-kerberos' HTTPKerberosAuth with sparkmagic's `kerberos_auth_configuration`
(mutual authentication REQUIRED by default: livyd must send its token back); it takes the
user's ticket from the default credential cache (KRB5CCNAME).

The servers come from tests/security/servers.py, started here for this module only.
"""
from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "security"))

from livyd_testlib import SetupError, livyd_bin_from_env, new_marker, running_livyd, spark_home_from_env  # noqa: E402
from servers import KRB_REALM, LDAP_PEOPLE, LDAP_USERS, running_kdc, running_slapd  # noqa: E402
from test_sparkmagic import Display, _import_livyclientlib  # noqa: E402


@pytest.fixture(scope="module")
def sm(tmp_path_factory):
    conf_dir = tmp_path_factory.mktemp("sparkmagic-auth-conf")
    (conf_dir / "config.json").write_text(
        '{"livy_session_startup_timeout_seconds": 180, "wait_for_idle_timeout_seconds": 120}')
    ns = _import_livyclientlib(str(conf_dir))
    import importlib
    ns.Basic = importlib.import_module("sparkmagic.auth.basic").Basic
    ns.Kerberos = importlib.import_module("sparkmagic.auth.kerberos").Kerberos
    ns.HttpClientException = importlib.import_module("sparkmagic.livyclientlib.exceptions").HttpClientException
    return ns


def _work(tmp_path_factory, name: str) -> Path:
    return Path(os.path.realpath(tmp_path_factory.mktemp(name)))


def _livyd(tmp_path_factory, name: str, settings: dict[str, str]):
    try:
        livyd_bin, spark_home = livyd_bin_from_env(), spark_home_from_env()
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)
    return running_livyd(livyd_bin, spark_home, _work(tmp_path_factory, name),
                         {"spark.master": "local[1]", **settings})


def _basic(sm, url: str, user: str, password: str):
    """sparkmagic's Basic, made as `%spark add ... -t Basic_Access -a user -p password` makes it."""
    return sm.Basic(types.SimpleNamespace(user=user, password=password, url=url))


def _run_session(sm, endpoint, owner_check) -> None:
    """`%spark add` a pyspark session, run Python and %%sql in it, check it is the caller's,
    and delete it: every request goes through the endpoint's auth object."""
    display = Display()
    ctl = sm.SparkController(display)
    name = new_marker("sparkmagic-auth")
    ctl.add_session(name, endpoint, False,
                    {"kind": "pyspark", "heartbeatTimeoutInSecond": 60, "name": name, "conf": {}})
    try:
        session = ctl.get_session_by_name_or_default(name)
        assert session.status == "idle" and display.errors == []
        owner_check(session.id)
        ok, out, _ = ctl.run_command(sm.Command("n = spark.range(7).count()\nprint(n * 6)"), name)
        assert (ok, out.strip()) == (True, "42")
        df = ctl.run_sqlquery(sm.SQLQuery("SELECT id * 3 AS x FROM range(3)"), name)
        assert df["x"].tolist() == [0, 3, 6]
    finally:
        ctl.delete_session_by_name(name)
    assert name not in ctl.get_client_keys()


# ---- auth.type ldap: sparkmagic's Basic ------------------------------------------------------

@pytest.fixture(scope="module")
def slapd(tmp_path_factory):
    try:
        with running_slapd(_work(tmp_path_factory, "slapd")) as server:
            yield server
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="module")
def ldap_livyd(tmp_path_factory, slapd):
    with _livyd(tmp_path_factory, "livyd-ldap", {
        "auth.type": "ldap", "auth.ldap.url": slapd.url, "auth.ldap.base-dn": LDAP_PEOPLE,
    }) as client:
        client.http.auth = requests.auth.HTTPBasicAuth("carol", LDAP_USERS["carol"])  # for the teardown
        yield client


def test_sparkmagic_basic_auth_runs_a_session_owned_by_the_user(sm, ldap_livyd):
    url = ldap_livyd.base_url
    endpoint = sm.Endpoint(url, _basic(sm, url, "alice", LDAP_USERS["alice"]))

    def owned_by_alice(session_id):
        # Another user sees who owns it (no access control here): the owner is the LDAP user.
        got = ldap_livyd.get_json(f"/sessions/{session_id}")
        assert (got["owner"], got["proxyUser"]) == ("alice", None), got  # no impersonation: no proxy user

    _run_session(sm, endpoint, owned_by_alice)


def test_sparkmagic_with_a_wrong_password_gets_401_and_creates_nothing(sm, ldap_livyd):
    url = ldap_livyd.base_url
    before = ldap_livyd.get_json("/sessions")["total"]
    ctl = sm.SparkController(Display())
    endpoint = sm.Endpoint(url, _basic(sm, url, "alice", "not-alices-password"))
    with pytest.raises(sm.HttpClientException) as raised:
        ctl.add_session(new_marker("sparkmagic-badpw"), endpoint, False, {"kind": "pyspark", "conf": {}})
    assert "401" in str(raised.value)
    assert ldap_livyd.get_json("/sessions")["total"] == before


# ---- auth.type kerberos: sparkmagic's Kerberos (requests-kerberos) ----------------------------

@pytest.fixture(scope="module")
def kdc(tmp_path_factory):
    # sparkmagic's Kerberos takes bob's ticket from the default credential cache.
    try:
        with running_kdc(_work(tmp_path_factory, "kdc") / "kdc", default_user="bob") as server:
            yield server
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="module")
def krb_livyd(tmp_path_factory, kdc):
    from requests_gssapi import HTTPSPNEGOAuth

    with _livyd(tmp_path_factory, "livyd-krb", {
        "auth.type": "kerberos",
        "auth.kerberos.principal": f"HTTP/localhost@{KRB_REALM}",
        "auth.kerberos.keytab": str(kdc.http_keytab),
        "auth.kerberos.name-rules": f"RULE:[1:$1@$0](.*@{KRB_REALM})s/@.*// DEFAULT",
    }) as client:
        # The host name picks the service principal a client asks a ticket for: HTTP/localhost.
        client.base_url = f"http://localhost:{client.port}"
        client.http.auth = HTTPSPNEGOAuth(mutual_authentication=2)  # bob's ticket, for checks and teardown
        yield client


def test_sparkmagic_kerberos_auth_runs_a_session_owned_by_the_principal(sm, krb_livyd):
    endpoint = sm.Endpoint(krb_livyd.base_url, sm.Kerberos())

    def owned_by_bob(session_id):
        got = krb_livyd.get_json(f"/sessions/{session_id}")
        assert (got["owner"], got["proxyUser"]) == ("bob", None), got

    _run_session(sm, endpoint, owned_by_bob)


def test_sparkmagic_without_a_ticket_gets_401(sm, krb_livyd, kdc):
    saved = os.environ["KRB5CCNAME"]
    os.environ["KRB5CCNAME"] = f"FILE:{kdc.root}/cc-none"  # an empty cache: no ticket to offer
    try:
        ctl = sm.SparkController(Display())
        with pytest.raises(sm.HttpClientException) as raised:
            ctl.add_session(new_marker("sparkmagic-noticket"), sm.Endpoint(krb_livyd.base_url, sm.Kerberos()),
                            False, {"kind": "pyspark", "conf": {}})
        assert "401" in str(raised.value)
    finally:
        os.environ["KRB5CCNAME"] = saved
