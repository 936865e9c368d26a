"""Several Spark versions on one livyd: Spark 4.0.1 (SPARK_HOME, the .venv's pyspark) and
3.5.7 (LIVY_TEST_SPARK35_HOME, the .venv-spark35's) named in spark.versions; a pyspark
session on each at the same time, each reporting its own Spark version, and a name that
is not configured refused with the configured ones."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from livyd_testlib import (
    SetupError,
    livyd_bin_from_env,
    new_marker,
    running_livyd,
    spark_home_from_env,
)


@pytest.fixture(scope="module")
def versions_livyd(tmp_path_factory):
    try:
        livyd_bin, spark4 = livyd_bin_from_env(), spark_home_from_env()
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)
    spark35 = os.environ.get("LIVY_TEST_SPARK35_HOME", "")
    if not spark35 or not (Path(spark35) / "bin" / "spark-submit").is_file():
        pytest.fail(f"LIVY_TEST_SPARK35_HOME={spark35!r} names no Spark 3.5 (ctest sets it from .venv-spark35; "
                    "configure with -DLIVY_TEST_SPARK35=OFF to leave this test out)", pytrace=False)
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd-versions")))
    settings = {
        "spark.master": "local[1]",
        # The livy.conf spelling of the key, names with a dot and a blank in them.
        "livy.server.spark.versions": f"4.0={spark4}, 3.5 (legacy)={spark35}",
        "spark.default-version": "4.0",
    }
    with running_livyd(livyd_bin, spark4, work, settings) as client:
        client.spark_homes = {"4.0": str(spark4), "3.5 (legacy)": spark35}
        yield client


def test_two_spark_versions_side_by_side(versions_livyd):
    livyd = versions_livyd
    ids = {}
    for name in ("4.0", "3.5 (legacy)"):
        marker = new_marker("versions")
        livyd.markers.append(marker)
        body = livyd.post_json("/sessions", {"kind": "pyspark", "name": marker,
                                             "conf": {"livy.spark.version": name}})
        ids[name] = body["id"]
        # The request's conf is the client's: the key stays in it, as Livy keeps what it was given.
        assert body["conf"]["livy.spark.version"] == name
    try:
        for sid in ids.values():
            livyd.wait_session_state(sid, {"idle"}, timeout=300)
        # Both live at once, each on its own Spark.
        assert {livyd.session_state(sid) for sid in ids.values()} == {"idle"}
        expected = {"4.0": "4.0.1", "3.5 (legacy)": "3.5.7"}
        for name, sid in ids.items():
            data = livyd.run_ok(sid, "print(spark.version, sc.parallelize(range(10)).sum())", timeout=180)
            assert data["text/plain"].strip() == f"{expected[name]} 45"
            log = livyd.get_json(f"/sessions/{sid}/log", params={"from": 0, "size": 1000})["log"]
            line = f"livyd: Spark {name} ({expected[name]}) at {livyd.spark_homes[name]}"
            assert line in log, "\n".join(log[:20])
            # livy.spark.version is livyd's: Spark never saw it.
            data = livyd.run_ok(sid, "print(sc.getConf().get('livy.spark.version', 'absent'))")
            assert data["text/plain"].strip() == "absent"
    finally:
        for sid in ids.values():
            livyd.delete(f"/sessions/{sid}")


def test_a_version_not_configured_is_a_400_listing_the_configured_ones(versions_livyd):
    for path, body in (("/sessions", {"kind": "pyspark"}), ("/batches", {"file": "hdfs:///jobs/pi.py"})):
        resp = versions_livyd.post(path, {**body, "conf": {"livy.spark.version": "2.4"}})
        assert resp.status_code == 400, resp.text
        msg = resp.json()["msg"]
        assert "'2.4'" in msg and "3.5 (legacy), 4.0" in msg, msg
