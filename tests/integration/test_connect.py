"""Spark Connect on a session's own driver (livy.connect.enabled, a livyd extension), with
pyspark's real Connect client: GET /sessions/{id}/connect-info, temporary views shared both
ways between REST statements and the Connect client, the token (refused when wrong, absent
from Spark's configuration and from every command line), and the refusals (Connect not asked
for, session not ready, Spark before 4.0)."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pyspark
import pytest

from livyd_testlib import RESTART_SETTINGS, new_marker, process_table, start_livyd, stop_livyd, wait_until

SPARK_MAJOR = int(pyspark.__version__.split(".")[0])
needs_spark4 = pytest.mark.skipif(SPARK_MAJOR < 4, reason="Spark Connect on the driver needs Spark 4; "
                                  "on Spark 3.5 test_connect_refused_before_spark4 runs instead")
ON = {"livy.connect.enabled": "true"}


def connect_client(url):
    from pyspark.sql.connect.session import SparkSession as ConnectSession
    return ConnectSession.builder.remote(url).create()


@pytest.fixture(scope="module")
def connect_session(livyd):
    if SPARK_MAJOR < 4:
        pytest.skip("Spark Connect needs Spark 4")
    created = livyd.post_json("/sessions", {"kind": "pyspark", "conf": ON})
    sid = created["id"]
    # Right after the POST the driver is still starting: there is no endpoint yet.
    early = livyd.get(f"/sessions/{sid}/connect-info")
    assert early.status_code == 409, early.text
    assert "idle" in early.json()["msg"]
    assert livyd.wait_session_state(sid, ("idle",)) == "idle", livyd.session_diagnostics(sid)
    yield sid
    livyd.delete(f"/sessions/{sid}")


@needs_spark4
def test_connect_info_describes_the_endpoint(livyd, connect_session):
    resp = livyd.get(f"/sessions/{connect_session}/connect-info")
    assert resp.status_code == 200, resp.text
    assert resp.headers.get("Cache-Control") == "no-store"
    info = resp.json()
    assert info["id"] == connect_session
    assert info["host"] == "127.0.0.1"  # the default bind address: loopback
    assert 0 < info["port"] < 65536 and info["port"] != 15002  # a free port the driver chose
    assert len(info["token"]) >= 32
    assert info["shared"] is True and info["userId"] and len(info["sessionId"]) == 36
    assert info["url"] == (f"sc://localhost:{info['port']}/;token={info['token']};"
                           f"session_id={info['sessionId']};user_id={info['userId']}")
    # The token is in no other reply and on no command line.
    assert info["token"] not in livyd.get(f"/sessions/{connect_session}").text
    assert info["token"] not in livyd.get("/sessions").text
    # The driver writes the line to its stderr before it sends `ready`, but livyd reads that pipe
    # on its own thread: the line can reach the session log a moment after the session is idle.
    listens = "Spark Connect listens on 127.0.0.1:%d" % info["port"]

    def log_with_line():
        lines = livyd.get_json(f"/sessions/{connect_session}/log", params={"size": 100000})["log"]
        return lines if any(listens in line for line in lines) else None
    log = wait_until(log_with_line, 30, what=f"'{listens}' in the session log")
    assert not [line for line in log if info["token"] in line]
    assert not [p for p in process_table().values() if info["token"] in p.cmdline]


@needs_spark4
def test_token_is_not_in_spark_conf(livyd, connect_session):
    data = livyd.run_ok(connect_session, "\n".join([
        "k = 'spark.connect.authenticate.token'",
        "print(sc.getConf().get(k, 'absent'), spark.conf.get(k, 'absent'), "
        "sc.getConf().get('livy.connect.enabled', 'absent'))",
    ]))
    assert data["text/plain"].strip() == "absent absent absent"


@needs_spark4
def test_views_are_shared_both_ways(livyd, connect_session):
    url = livyd.get_json(f"/sessions/{connect_session}/connect-info")["url"]
    livyd.run_ok(connect_session, "spark.range(7).createOrReplaceTempView('from_rest')")
    client = connect_client(url)
    try:
        assert client.sql("SELECT count(*) AS n FROM from_rest").collect()[0].n == 7
        client.range(11).createOrReplaceTempView("from_connect")
        data = livyd.run_ok(connect_session, "print(spark.sql('SELECT count(*) AS n FROM from_connect').first().n)")
        assert data["text/plain"].strip() == "11"
        # A SQL statement sees it too (same SparkSession).
        sql = livyd.run_ok(connect_session, "SELECT count(*) AS n FROM from_connect", kind="sql")
        assert sql["application/json"]["data"] == [[11]]
    finally:
        client.stop()  # releases the Connect session: the driver registers it again
    # The same URL attaches again after a client's release (within the keeper's 2 s).
    def attached_again():
        try:
            again = connect_client(url)
        except Exception:
            return False
        try:
            return again.sql("SELECT count(*) AS n FROM from_rest").collect()[0].n == 7
        except Exception:
            return False
        finally:
            again.client.close()
    wait_until(attached_again, timeout=20.0, what="the shared Connect session to be usable again")


@needs_spark4
def test_wrong_token_is_refused(livyd, connect_session):
    info = livyd.get_json(f"/sessions/{connect_session}/connect-info")
    for token in ("wrong", info["token"][:-1]):
        bad = info["url"].replace(info["token"], token)
        with pytest.raises(Exception) as caught:
            connect_client(bad).range(1).collect()
        assert "UNAUTHENTICATED" in str(caught.value) or "authentication" in str(caught.value).lower()
    without = f"sc://localhost:{info['port']}/;session_id={info['sessionId']};user_id={info['userId']}"
    with pytest.raises(Exception):
        connect_client(without).range(1).collect()


def test_connect_info_refused_when_not_enabled(livyd):
    created = livyd.post_json("/sessions", {"kind": "pyspark"})
    sid = created["id"]
    try:
        for path in (f"/sessions/{sid}/connect-info",):
            resp = livyd.get(path)
            assert resp.status_code == 400, resp.text
            assert "livy.connect.enabled=true" in resp.json()["msg"]
        assert livyd.get("/sessions/987654/connect-info").status_code == 404
    finally:
        livyd.delete(f"/sessions/{sid}")


def test_connect_conf_value_must_be_a_boolean(livyd):
    resp = livyd.post("/sessions", {"kind": "pyspark", "conf": {"livy.connect.enabled": "yes"}})
    assert resp.status_code == 400, resp.text
    assert "livy.connect.enabled" in resp.json()["msg"]


@pytest.mark.skipif(SPARK_MAJOR >= 4, reason="on Spark 4 Connect starts (the tests above)")
def test_connect_refused_before_spark4(livyd):
    resp = livyd.post("/sessions", {"kind": "pyspark", "conf": ON})
    assert resp.status_code == 400, resp.text
    assert "Spark 4.0" in resp.json()["msg"]


@needs_spark4
def test_endpoint_is_reported_again_after_a_livyd_restart(livyd_bin, spark_home, tmp_path_factory):
    """livyd keeps the endpoint in memory only: after a SIGKILL the reconnecting driver's
    repeated `ready` brings it back, the same, and the Connect session lived on."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("connect-recovery")))
    client = start_livyd(livyd_bin, spark_home, work, RESTART_SETTINGS)
    client.markers.append(new_marker("connect-recovery"))
    try:
        sid = client.post_json("/sessions", {"kind": "pyspark", "name": client.markers[0],
                                             "conf": {**ON, "spark.ui.enabled": "false"}})["id"]
        assert client.wait_session_state(sid, ("idle",)) == "idle", client.session_diagnostics(sid)
        before = client.get_json(f"/sessions/{sid}/connect-info")
        remote = connect_client(before["url"])
        remote.range(4).createOrReplaceTempView("before_restart")

        client.process.send_signal(signal.SIGKILL)
        client.process.wait(timeout=30)
        restarted = start_livyd(livyd_bin, spark_home, work, RESTART_SETTINGS)
        restarted.markers.extend(client.markers)
        client = restarted
        early = client.get(f"/sessions/{sid}/connect-info")
        assert early.status_code in (200, 409), early.text  # 409 until the driver is back
        assert client.wait_session_state(sid, ("idle",)) == "idle", client.session_diagnostics(sid)
        after = client.get_json(f"/sessions/{sid}/connect-info")
        assert after == before
        # The Connect server never stopped: the open client goes on, and REST sees its view.
        assert remote.sql("SELECT count(*) AS n FROM before_restart").collect()[0].n == 4
        data = client.run_ok(sid, "print(spark.table('before_restart').count())")
        assert data["text/plain"].strip() == "4"
        remote.client.close()
    finally:
        problems = stop_livyd(client)
        assert not problems, problems
