"""The driver channel over TLS on real Spark (sessions.driver-tls): a pyspark session
reaches `idle` and runs statements with its driver connected over TLS, pinning the
certificate livyd made; the driver's settings came as Spark configuration, the secret in
a 0600 properties file and on no command line. livyd is killed with SIGKILL and started
again on the same data directory: the driver reconnects, over TLS, to the same
certificate, and the session's variables live on. Killed again and started with another
certificate, livyd is refused by the driver, whose session ends instead of handing its
secret to a certificate it was not given.

This module runs its own livyd (the shared one must not be killed).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import ssl
import stat
from pathlib import Path

from livyd_testlib import RESTART_SETTINGS, new_marker, process_table, start_livyd, stop_livyd, wait_until

START_TIMEOUT = 120.0
SETTINGS = dict(RESTART_SETTINGS, **{"sessions.driver-tls": "true"})


def text_of(data: dict) -> str:
    return data.get("text/plain", "")


def restart(livyd_bin, spark_home, work, old):
    old.process.send_signal(signal.SIGKILL)
    old.process.wait(timeout=30)
    new = start_livyd(livyd_bin, spark_home, work, SETTINGS)
    new.markers.extend(old.markers)
    return new


def served_fingerprint(port: int) -> str:
    """The SHA-256 of the certificate livyd's driver channel presents (no hello is sent)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3"), tls.version()
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def file_fingerprint(pem: Path) -> str:
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem.read_text())).hexdigest()


def properties(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
    return out


def test_a_session_over_a_tls_driver_channel_survives_sigkill_and_refuses_another_certificate(
        livyd_bin, spark_home, tmp_path_factory):
    work = Path(os.path.realpath(tmp_path_factory.mktemp("driver-tls")))
    marker = new_marker("drivertls")
    client = start_livyd(livyd_bin, spark_home, work, SETTINGS)
    client.markers.append(marker)
    try:
        sid = client.post_json("/sessions", {"kind": "pyspark", "name": marker,
                                             "conf": {"spark.ui.enabled": "false"}})["id"]
        client.wait_session_state(sid, "idle", START_TIMEOUT)
        assert text_of(client.run_ok(sid, "1 + 1")) == "2"
        assert text_of(client.run_ok(sid, "x = 41\nx")) == "41"

        # The driver was told the fingerprint of the certificate livyd made, kept 0600.
        tls_dir = client.data_dir / "driver-tls"
        for name in ("certificate.pem", "key.pem"):
            assert stat.S_IMODE((tls_dir / name).stat().st_mode) == 0o600, name
        pinned = file_fingerprint(tls_dir / "certificate.pem")
        settings = properties(client.data_dir / "sessions" / str(sid) / "spark-submit.properties")
        secret = settings["spark.livy.driver.secret"]
        assert len(secret) == 64, settings.keys()
        assert stat.S_IMODE((client.data_dir / "sessions" / str(sid) / "spark-submit.properties").stat().st_mode) \
            == 0o600
        # The other settings are on spark-submit's command line as conf; the secret is on none.
        table = process_table()
        submit = [p for p in table.values() if marker in p.cmdline and "tls-fingerprint" in p.cmdline]
        assert submit, "no spark-submit of the session found"
        fingerprint_conf = [arg for arg in submit[0].cmdline.split(" ") if "tls-fingerprint" in arg]
        assert fingerprint_conf, submit[0].cmdline
        assert fingerprint_conf[0].split("=", 1)[1].replace(":", "").lower() == pinned
        assert not [p.pid for p in table.values() if secret in p.cmdline]
        # The secret is in neither the driver's Spark conf nor its JVM's properties.
        assert text_of(client.run_ok(sid, "spark.conf.get('spark.livy.driver.secret', 'absent')")) == "'absent'"

        # 1. SIGKILL: the driver reconnects over TLS, to the same certificate.
        running = client.post_statement(sid, "import time\ntime.sleep(4)\ny = x + 1\ny")
        client.wait_statement(sid, running["id"], "running", 30)
        client = restart(livyd_bin, spark_home, work, client)
        assert file_fingerprint(tls_dir / "certificate.pem") == pinned
        done = client.wait_statement(sid, running["id"], timeout=60)
        assert done["state"] == "available", done
        assert text_of(done["output"]["data"]) == "42"
        client.wait_session_state(sid, "idle", 60)
        assert text_of(client.run_ok(sid, "x + y")) == "83"
        log = client.get_json(f"/sessions/{sid}/log", params={"size": 1000})["log"]
        assert any("the driver reconnected" in line for line in log), log[-20:]

        # 2. SIGKILL, and livyd comes back with another certificate: the driver will not
        # talk to it, and its session ends.
        client.process.send_signal(signal.SIGKILL)
        client.process.wait(timeout=30)
        shutil.rmtree(tls_dir)
        old = client
        client = start_livyd(livyd_bin, spark_home, work, SETTINGS)
        client.markers.extend(old.markers)
        assert file_fingerprint(tls_dir / "certificate.pem") != pinned
        client.wait_session_state(sid, ["dead", "error"], 90)
        log = "\n".join(client.get_json(f"/sessions/{sid}/log", params={"size": 1000})["log"])
        assert "is not the one this driver was given" in log, log[-3000:]
    finally:
        problems = stop_livyd(client)
        assert not problems, problems
