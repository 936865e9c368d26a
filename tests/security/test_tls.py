"""HTTPS against a real livyd (issue 11, TLS), with certificates this test makes.

A throwaway CA signs a server certificate for 127.0.0.1 and localhost; livyd
serves it from a PKCS12 keystore under Livy's keys (livy.keystore...), from
PEM files under livyd's own (server.tls.*), and from a keystore that Java's
keytool made. Real clients check the chain: Python `requests` with
verify=ca.pem (what pylivy and sparkmagic use), pylivy itself, and
`curl --cacert`. A client that trusts another CA, plain HTTP, TLS 1.1, a JKS
keystore and a wrong password each fail the way docs/tls.md says.

Environment: LIVYD_BIN, SPARK_HOME (set by the ctest runner). Needs the
openssl and curl commands, and Java's keytool (Spark's Java has it).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from livyd_testlib import (  # noqa: E402
    SetupError, livyd_bin_from_env, running_livyd, spark_home_from_env)
from servers import make_test_pki  # noqa: E402

PASSWORD = "changeit"


def run(*cmd: str, cwd: Path) -> None:
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """ca.pem signs server.pem (key server.key, both in server.p12); other-ca.pem signs nothing here."""
    return make_test_pki(Path(tmp_path_factory.mktemp("pki")), PASSWORD)


def env_or_fail():
    try:
        return livyd_bin_from_env(), spark_home_from_env()
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)


@contextlib.contextmanager
def https_livyd(tmp_path_factory, name: str, settings: dict[str, str], ca: Path):
    """A livyd serving HTTPS with `settings`; its client speaks https and trusts `ca`."""
    livyd_bin, spark_home = env_or_fail()
    work = Path(os.path.realpath(tmp_path_factory.mktemp(name)))
    with running_livyd(livyd_bin, spark_home, work, {"spark.master": "local[1]", **settings}) as client:
        client.base_url = f"https://127.0.0.1:{client.port}"
        client.http.verify = str(ca)
        yield client


@pytest.fixture(scope="module")
def livyd_p12(pki, tmp_path_factory):
    """Livy's keys, as a livy.conf would set them."""
    with https_livyd(tmp_path_factory, "tls-p12", {
        "livy.keystore": str(pki / "server.p12"),
        "livy.keystore.password": PASSWORD,
        "livy.key-password": PASSWORD,
    }, pki / "ca.pem") as client:
        yield client


def test_requests_verifies_the_chain_and_gets_hsts(livyd_p12, pki):
    resp = requests.get(f"https://127.0.0.1:{livyd_p12.port}/sessions", verify=str(pki / "ca.pem"), timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()["sessions"] == []
    assert resp.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Server" not in resp.headers
    # An error answer carries it too.
    missing = requests.get(f"https://localhost:{livyd_p12.port}/sessions/12345", verify=str(pki / "ca.pem"),
                           timeout=10)
    assert missing.status_code == 404
    assert missing.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_a_client_that_trusts_another_ca_fails(livyd_p12, pki):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://127.0.0.1:{livyd_p12.port}/sessions", verify=str(pki / "other-ca.pem"), timeout=10)
    # and one that trusts the system's CAs only
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://127.0.0.1:{livyd_p12.port}/sessions", timeout=10)


def test_keep_alive_over_tls(livyd_p12):
    for _ in range(20):
        assert livyd_p12.get("/batches").status_code == 200  # one requests.Session, one connection


def test_pylivy_over_https(livyd_p12, pki):
    from livy.client import LivyClient

    client = LivyClient(f"https://127.0.0.1:{livyd_p12.port}", verify=str(pki / "ca.pem"))
    assert client.list_sessions() == []
    assert client.list_batches() == []
    bad = LivyClient(f"https://127.0.0.1:{livyd_p12.port}", verify=str(pki / "other-ca.pem"))
    with pytest.raises(requests.exceptions.SSLError):
        bad.list_sessions()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_cacert(livyd_p12, pki):
    url = f"https://localhost:{livyd_p12.port}/batches"
    ok = subprocess.run(["curl", "-sS", "--cacert", str(pki / "ca.pem"), "-o", "-", "-w", "\n%{http_code}", url],
                        capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.rstrip().endswith("200")
    bad = subprocess.run(["curl", "-sS", "--cacert", str(pki / "other-ca.pem"), url],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 60, (bad.returncode, bad.stderr)  # CURLE_PEER_FAILED_VERIFICATION


def test_plain_http_on_the_tls_port_is_told_and_closed(livyd_p12):
    with socket.create_connection(("127.0.0.1", livyd_p12.port), timeout=10) as s:
        s.sendall(b"GET /sessions HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while chunk := s.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer
    assert b"HTTPS" in answer


def test_tls_1_1_is_refused(livyd_p12, pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(pki / "ca.pem"))
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with socket.create_connection(("127.0.0.1", livyd_p12.port), timeout=10) as raw:
        with pytest.raises(ssl.SSLError):
            with ctx.wrap_socket(raw, server_hostname="localhost"):
                pass
    assert livyd_p12.get("/sessions").status_code == 200


def test_pem_files_under_livyd_keys(pki, tmp_path_factory):
    with https_livyd(tmp_path_factory, "tls-pem", {
            "server.tls.certificate-file": str(pki / "server.pem"),
            "server.tls.key-file": str(pki / "server.key"),
            "server.tls.min-version": "1.3",
            "server.tls.hsts-max-age": "1d"}, pki / "ca.pem") as client:
        resp = client.get("/sessions")
        assert resp.status_code == 200
        assert resp.headers["Strict-Transport-Security"] == "max-age=86400"
        ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection(("127.0.0.1", client.port), timeout=10) as raw:
            with pytest.raises(ssl.SSLError):
                with ctx.wrap_socket(raw, server_hostname="localhost"):
                    pass


@pytest.mark.skipif(shutil.which("keytool") is None, reason="Java's keytool is not installed")
def test_a_keystore_made_by_keytool(tmp_path_factory):
    """What a Livy operator has: a PKCS12 keystore from Java's keytool (its default type)."""
    d = Path(tmp_path_factory.mktemp("keytool"))
    run("keytool", "-genkeypair", "-alias", "livy", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", "livy.p12", "-storepass", PASSWORD, cwd=d)
    run("keytool", "-exportcert", "-rfc", "-alias", "livy", "-keystore", "livy.p12", "-storepass", PASSWORD,
        "-file", "livy.pem", cwd=d)
    with https_livyd(tmp_path_factory, "tls-keytool", {
            "livy.keystore": str(d / "livy.p12"), "livy.keystore.password": PASSWORD}, d / "livy.pem") as client:
        assert client.get("/batches").status_code == 200


# Java's KeyStore API (not keytool, which gives a PKCS12 key the store's password) stores a
# private key under a password of its own: what a keystore made by a Java program holds.
REKEY_JAVA = """
import java.io.*;
import java.security.*;
import java.security.cert.Certificate;

public class Rekey {
    public static void main(String[] a) throws Exception {
        char[] store = a[1].toCharArray(), key = a[2].toCharArray();
        KeyStore in = KeyStore.getInstance("PKCS12");
        try (InputStream f = new FileInputStream(a[0])) { in.load(f, store); }
        KeyStore out = KeyStore.getInstance("PKCS12");
        out.load(null, store);
        out.setKeyEntry("livy", in.getKey("livy", store), key, in.getCertificateChain("livy"));
        try (OutputStream f = new FileOutputStream(a[3])) { out.store(f, store); }
    }
}
"""


@pytest.mark.skipif(shutil.which("keytool") is None, reason="Java's keytool is not installed")
def test_a_java_keystore_whose_key_has_its_own_password(tmp_path_factory):
    """livy.key-password differs from livy.keystore.password: livyd opens the key with it."""
    d = Path(tmp_path_factory.mktemp("key-password"))
    run("keytool", "-genkeypair", "-alias", "livy", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", "plain.p12", "-storepass", PASSWORD, cwd=d)
    run("keytool", "-exportcert", "-rfc", "-alias", "livy", "-keystore", "plain.p12", "-storepass", PASSWORD,
        "-file", "livy.pem", cwd=d)
    (d / "Rekey.java").write_text(REKEY_JAVA)
    run("java", "Rekey.java", "plain.p12", PASSWORD, "key-only-pw", "livy.p12", cwd=d)
    keys = {"livy.keystore": str(d / "livy.p12"), "livy.keystore.password": PASSWORD}
    err = refused_at_start(d, keys)  # the store's password does not open the key
    assert "set livy.key-password" in err, err
    err = refused_at_start(d, {**keys, "livy.key-password": "wrong-key-pw"})
    assert "is livy.key-password" in err and "wrong-key-pw" not in err, err
    with https_livyd(tmp_path_factory, "tls-key-password", {**keys, "livy.key-password": "key-only-pw"},
                     d / "livy.pem") as client:
        assert client.get("/batches").status_code == 200  # verified against the keystore's certificate


def refused_at_start(tmp_path: Path, settings: dict[str, str]) -> str:
    """livyd's stderr when it refuses to start with `settings` (it must exit, not serve)."""
    livyd_bin, spark_home = env_or_fail()
    cmd = [str(livyd_bin), "--data-dir", str(tmp_path / "data"), "--port", "0"]
    for key, value in settings.items():
        cmd += ["--set", f"{key}={value}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "SPARK_HOME": str(spark_home)})
    assert done.returncode != 0, done.stderr
    return done.stderr


def test_a_wrong_keystore_password_stops_start_up(pki, tmp_path):
    err = refused_at_start(tmp_path, {"livy.keystore": str(pki / "server.p12"), "livy.keystore.password": "nope"})
    assert "wrong password" in err and "livy.keystore.password" in err
    assert "nope" not in err  # the password itself is never printed


@pytest.mark.skipif(shutil.which("keytool") is None, reason="Java's keytool is not installed")
def test_a_jks_keystore_stops_start_up_with_the_conversion_command(tmp_path):
    run("keytool", "-genkeypair", "-alias", "livy", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-validity", "2", "-storetype", "JKS", "-keystore", "livy.jks",
        "-storepass", PASSWORD, "-keypass", PASSWORD, cwd=tmp_path)
    err = refused_at_start(tmp_path, {"livy.keystore": str(tmp_path / "livy.jks"),
                                      "livy.keystore.password": PASSWORD})
    assert "JKS" in err
    assert f"keytool -importkeystore -srckeystore {tmp_path / 'livy.jks'}" in err
    assert "-deststoretype PKCS12" in err
