"""Secret conf values (spark.redaction-regex) with real Spark: the application sees
the real value, while no reply, log, store byte or process command line shows it."""
from __future__ import annotations

import hashlib
import os
import stat

from livyd_testlib import new_marker, process_table, wait_until

SPARK_WAIT = 150.0
REDACTED = "*********(redacted)"

# Prints a digest of the value it got (never the value: the log is a view too), then
# stays up a few seconds so that the test can read every process's command line.
APP = """
import hashlib, sys, time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
value = spark.conf.get("spark.hadoop.fs.s3a.secret.key")
print("SECRET-DIGEST=" + hashlib.sha256(value.encode()).hexdigest(), flush=True)
print("PLAIN=" + spark.conf.get("spark.livydtest.plain"), flush=True)
time.sleep(8)
spark.stop()
"""


def _bytes_under(path) -> bytes:
    out = b""
    for root, _, files in os.walk(path):
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as f:
                    out += f.read()
            except OSError:
                pass
    return out


def test_secret_conf_reaches_spark_but_no_view(livyd, whitelisted_dir):
    secret = new_marker("secret") + " p@ss=w\\rd"
    app = whitelisted_dir / "print_secret_digest.py"
    app.write_text(APP)
    body = {"file": str(app), "conf": {"spark.hadoop.fs.s3a.secret.key": secret,
                                       "spark.livydtest.plain": "visible"}}
    created = livyd.post_json("/batches", body)
    batch_id = created["id"]

    # While it runs: no process's command line carries the secret.
    seen_running = []

    def scanned_while_running():
        table = process_table()
        assert not [p for p in table.values() if secret in p.cmdline or "p@ss" in p.cmdline], \
            "a command line shows the secret"
        ours = [p for p in table.values() if f"--properties-file" in p.cmdline and str(app) in p.cmdline]
        if ours:
            seen_running.append(ours)
        return livyd.state(batch_id) in ("running", "success", "dead", "killed") and bool(seen_running)

    wait_until(scanned_while_running, timeout=SPARK_WAIT, interval=0.3, what="spark-submit running")
    assert any("spark.livydtest.plain=visible" in p.cmdline for p in seen_running[0]), \
        "non-secret conf stays on the command line as --conf"

    props = livyd.data_dir / "batches" / str(batch_id) / "spark-submit.properties"
    assert stat.S_IMODE(os.stat(props).st_mode) == 0o600

    assert livyd.wait_terminal(batch_id, timeout=SPARK_WAIT) == "success", livyd.diagnostics(batch_id)
    log = "\n".join(livyd.full_log(batch_id))
    digest = hashlib.sha256(secret.encode()).hexdigest()
    assert f"SECRET-DIGEST={digest}" in log, "the application saw another value:\n" + log[-3000:]
    assert "PLAIN=visible" in log
    assert secret not in log

    # Replies, livyd's own log, its store: none holds the secret.
    assert secret not in livyd.get(f"/batches/{batch_id}").text
    assert secret not in livyd.get("/batches").text
    assert secret not in livyd.stderr_tail(100000)
    assert secret.encode() not in b"".join(
        (livyd.data_dir / n).read_bytes() for n in os.listdir(livyd.data_dir) if n.startswith("livyd.db"))


def test_session_conf_is_redacted_in_replies(livyd):
    secret = new_marker("token")
    created = livyd.post_json("/sessions", {"kind": "pyspark", "conf": {"spark.my.token": secret,
                                                                          "spark.livydtest.plain": "1"}})
    sid = created["id"]
    try:
        assert created["conf"] == {"spark.my.token": REDACTED, "spark.livydtest.plain": "1"}
        assert livyd.session(sid)["conf"]["spark.my.token"] == REDACTED
        assert secret not in livyd.get("/sessions").text
        table = process_table()
        assert not [p for p in table.values() if secret in p.cmdline]
    finally:
        livyd.delete(f"/sessions/{sid}")
