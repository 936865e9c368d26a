"""Fixtures of the security suite: a real slapd (and KDC, and an OpenID Connect issuer)
started once per session on loopback, and livyd instances configured against them.
Spark is not needed: a batch's create and its `owner` do not run Spark, so livyd gets a
stand-in spark-submit that prints a line and exits.

Environment: LIVYD_BIN (set by the ctest runner).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from livyd_testlib import SetupError, livyd_bin_from_env, start_livyd, stop_livyd  # noqa: E402
from servers import LDAP_PEOPLE, free_port, running_kdc, running_slapd  # noqa: E402


def fake_spark_home(root: Path) -> Path:
    home = root / "spark"
    (home / "bin").mkdir(parents=True)
    submit = home / "bin" / "spark-submit"
    submit.write_text("#!/bin/sh\necho \"stand-in spark-submit $*\"\n")
    submit.chmod(0o755)
    return home


class Livyd:
    """One livyd with given settings; restart() keeps its data directory."""

    def __init__(self, root: Path, settings: dict[str, str]):
        self.work = root
        self.work.mkdir(parents=True, exist_ok=True)
        self.spark_home = fake_spark_home(root) if not (root / "spark").exists() else root / "spark"
        self.job = root / "job.py"
        self.job.write_text("print(1)\n")
        self.settings = {"spark.master": "local[1]", "sessions.driver-port": str(free_port()),
                         "files.local-dir-whitelist": str(root), **settings}
        try:
            self.bin = livyd_bin_from_env()
        except SetupError as e:
            pytest.fail(str(e), pytrace=False)
        self.client = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.client.port}"

    def start(self) -> None:
        try:
            self.client = start_livyd(self.bin, self.spark_home, self.work, self.settings)
        except SetupError as e:
            pytest.fail(str(e), pytrace=False)

    def stop(self) -> list[str]:
        proc = self.client.process
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except Exception:  # noqa: BLE001
                proc.kill()
                proc.wait()
        return [] if proc.returncode == 0 else [f"livyd exited with {proc.returncode}"]

    def restart(self) -> None:
        self.stop()
        self.start()

    def batch_body(self) -> dict:
        return {"file": str(self.job)}


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> Path:
    return Path(os.path.realpath(tmp_path_factory.mktemp("security")))


@pytest.fixture(scope="session")
def slapd(work):
    try:
        with running_slapd(work / "slapd") as server:
            yield server
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def ldap_livyd(work, slapd):
    server = Livyd(work / "livyd-ldap", {
        "auth.type": "ldap",
        "auth.ldap.url": slapd.url,
        "auth.ldap.base-dn": LDAP_PEOPLE,
        "auth.ldap.timeout": "2s",
    })
    yield server
    problems = server.stop()
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def kdc(work):
    # livyd (started after this) and the clients in this process read the realm from the environment.
    try:
        with running_kdc(work / "kdc") as server:
            yield server
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


KRB_NAME_RULES = "RULE:[1:$1@$0](.*@LIVYD.TEST)s/@.*// DEFAULT"


@pytest.fixture(scope="session")
def krb_livyd(work, kdc):
    from servers import KRB_REALM

    server = Livyd(work / "livyd-krb", {
        "auth.type": "kerberos",
        "auth.kerberos.principal": f"HTTP/localhost@{KRB_REALM}",
        "auth.kerberos.keytab": str(kdc.http_keytab),
        "auth.kerberos.name-rules": KRB_NAME_RULES,
    })
    yield server
    problems = server.stop()
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def issuer():
    from oidc_issuer import OidcIssuer

    server = OidcIssuer()
    server.start()
    yield server
    server.stop()


def jwt_settings(issuer) -> dict[str, str]:
    from oidc_issuer import AUDIENCE

    return {
        "auth.type": "jwt",
        "auth.jwt.issuer-url": issuer.url,
        "auth.jwt.audience": AUDIENCE,
        "auth.jwt.user-claim": "preferred_username",
        "auth.jwt.jwks-min-refresh-interval": "1s",
        "auth.jwt.fetch-timeout": "2s",
    }


@pytest.fixture(scope="session")
def jwt_livyd(work, issuer):
    server = Livyd(work / "livyd-jwt", jwt_settings(issuer))
    yield server
    problems = server.stop()
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)
