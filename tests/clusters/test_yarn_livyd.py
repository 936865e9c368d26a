"""livyd itself on the mini YARN cluster (yarn_cluster.py), end to end: a livyd started
here with spark.master=yarn and the cluster's HADOOP_CONF_DIR runs PySpark batches and a
session in cluster deploy mode, and a batch in client deploy mode. livyd finds each
application by the tag it puts in spark.yarn.tags, reports YARN's id, links and state,
and a DELETE kills the application at the ResourceManager.

The three batches of cluster mode are submitted at once (module fixture `batches`), so
their start-up, the expensive part, overlaps; each test then follows its own. The session
and the client-mode batch come after them, one application at a time.

What an operator would put in spark-defaults.conf (Spark's jars from the local disk,
small memory, loopback in the containers) is in a SPARK_CONF_DIR of the test's own, in
livyd's environment: requests may not set spark.yarn.jars (the conf blocklist).
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import textwrap
import time
from pathlib import Path

import pytest

from livyd_testlib import (
    SetupError,
    livyd_bin_from_env,
    procs_with_marker,
    running_livyd,
    new_marker,
    spark_home_from_env,
    start_livyd,
    wait_until,
)

WAIT_S = 600  # for an application to start or end, on a loaded 2-core machine
APP_ID = re.compile(r"^application_\d+_\d{4,}$")

APP = textwrap.dedent("""\
    import sys
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.getOrCreate()
    print("COUNT", sys.argv[1], spark.sparkContext.master, spark.range(1000).count(), flush=True)
    spark.stop()
""")

SLEEPING_APP = textwrap.dedent("""\
    import sys, time
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.getOrCreate()
    print("SLEEPING", sys.argv[1], flush=True)
    time.sleep(3600)
""")

FAILING_APP = textwrap.dedent("""\
    import sys
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.getOrCreate()
    raise RuntimeError("livyd test: this batch fails on purpose " + sys.argv[1])
""")


def _spark_defaults(spark_home: Path) -> str:
    return textwrap.dedent(f"""\
        spark.yarn.jars local:{spark_home}/jars/*
        spark.driver.memory 512m
        spark.yarn.am.memory 512m
        spark.executor.memory 512m
        spark.executor.instances 1
        spark.executor.cores 1
        spark.ui.showConsoleProgress false
        spark.yarn.appMasterEnv.SPARK_LOCAL_IP 127.0.0.1
        spark.executorEnv.SPARK_LOCAL_IP 127.0.0.1
    """)


@pytest.fixture(scope="module")
def yarn_jobs(tmp_path_factory) -> Path:
    jobs = Path(os.path.realpath(tmp_path_factory.mktemp("yarn-livyd-jobs")))
    (jobs / "app.py").write_text(APP)
    (jobs / "sleep.py").write_text(SLEEPING_APP)
    (jobs / "fail.py").write_text(FAILING_APP)
    return jobs


def _livyd_on_yarn(yarn_cluster, yarn_jobs: Path, work: Path, deploy_mode: str):
    """running_livyd with spark.master=yarn; the cluster's HADOOP_CONF_DIR, JAVA_HOME and a
    SPARK_CONF_DIR in livyd's environment (only while it starts: it keeps its own copy).
    The client's `restart(how)` stops livyd with a signal and starts it again on the same data
    directory, in place: the fixture's teardown then stops the new one."""
    try:
        livyd_bin, spark_home = livyd_bin_from_env(), spark_home_from_env()
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)
    conf_dir = work / "spark-conf"
    conf_dir.mkdir(parents=True)
    defaults = _spark_defaults(spark_home)
    if deploy_mode == "client":
        # No Spark UI in a client-mode driver: Spark's SparkUI.attachAllHandlers races the YARN
        # application master's AddWebUIFilter (the driver died of it once in CI, in test_yarn.py).
        defaults += "spark.ui.enabled false\n"
    (conf_dir / "spark-defaults.conf").write_text(defaults)
    env = {k: v for k, v in yarn_cluster.env().items() if k in ("HADOOP_CONF_DIR", "JAVA_HOME")}
    env["SPARK_CONF_DIR"] = str(conf_dir)
    settings = {
        "spark.master": "yarn",
        "spark.deploy-mode": deploy_mode,
        "files.local-dir-whitelist": str(yarn_jobs),
        "batches.kill-grace": "3s",
        "clusters.app-lookup-timeout": f"{WAIT_S}s",
        "sessions.driver-host": "127.0.0.1",  # the NodeManager runs on this machine
        "sessions.start-timeout": f"{WAIT_S}s",
    }

    @contextlib.contextmanager
    def yarn_environment():
        saved = dict(os.environ)
        os.environ.pop("YARN_CONF_DIR", None)
        os.environ.update(env)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    with yarn_environment():
        livyd = running_livyd(livyd_bin, spark_home, work, settings)
        client = livyd.__enter__()

    def restart(how: signal.Signals) -> None:
        client.process.send_signal(how)
        client.process.wait(timeout=60)
        with yarn_environment():
            new = start_livyd(livyd_bin, spark_home, work, settings)
        client.port, client.base_url, client.process, client.stderr_path = (
            new.port, new.base_url, new.process, new.stderr_path)

    client.restart = restart
    return livyd, client


@pytest.fixture(scope="module")
def yarn_livyd(yarn_cluster, yarn_jobs, tmp_path_factory):
    """A livyd on the mini YARN cluster in cluster deploy mode."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd-yarn-cluster")))
    livyd, client = _livyd_on_yarn(yarn_cluster, yarn_jobs, work, "cluster")
    try:
        yield client
    finally:
        livyd.__exit__(None, None, None)


@pytest.fixture(scope="module")
def batches(yarn_livyd, yarn_jobs) -> dict:
    """The three cluster-mode batches, submitted at once: name -> (batch id, marker)."""
    submitted = {}
    for name, script in (("ok", "app.py"), ("long", "sleep.py"), ("failing", "fail.py")):
        marker = new_marker(f"yarn-{name}")
        yarn_livyd.markers.append(marker)
        body = yarn_livyd.post_json("/batches", {"file": str(yarn_jobs / script), "args": [marker],
                                                 "name": f"livyd-yarn-{name}-{marker[-8:]}"})
        submitted[name] = (body["id"], marker)
    return submitted


def _rm_app(yarn_cluster, app_id: str) -> dict:
    status, body = yarn_cluster.get(f"/ws/v1/cluster/apps/{app_id}")
    assert status == 200, body
    return body["app"]


def _livyd_tag(rm_app: dict, kind: str, livy_id: int) -> str:
    """livyd's tag among the RM's tags of the application (livy-<kind>-<id>-<random>)."""
    tags = [t for t in rm_app["applicationTags"].split(",") if t]
    mine = [t for t in tags if re.fullmatch(rf"livy-{kind}-{livy_id}-[a-z0-9]+", t)]
    assert len(mine) == 1, f"no single livyd tag for {kind} {livy_id} in {tags}"
    return mine[0]


def _check_app_info(body: dict) -> str:
    app_id = body["appId"]
    assert app_id and APP_ID.match(app_id), f"appId {app_id!r} is not YARN's: {body}"
    info = body["appInfo"]
    assert info["driverLogUrl"] and info["driverLogUrl"].startswith("http://"), body
    assert "/node/containerlogs/container_" + app_id[len("application_"):] in info["driverLogUrl"], body
    assert info["sparkUiUrl"] and info["sparkUiUrl"].startswith("http://") and app_id in info["sparkUiUrl"], body
    return app_id


def _container_stdout(yarn_cluster, app_id: str) -> str:
    """The stdout files of the application's containers in the NodeManager's log dirs."""
    files = sorted(yarn_cluster.work_dir.glob(f"**/{app_id}/container_*/stdout"))
    return "".join(f.read_text(errors="replace") for f in files)


def _wait_rm_state(yarn_cluster, app_id: str, states: set[str], timeout: float = 120) -> dict:
    return wait_until(lambda: (a := _rm_app(yarn_cluster, app_id))["state"] in states and a, timeout=timeout,
                      what=f"{app_id} in {sorted(states)} at the RM")


def test_cluster_mode_batch_succeeds_with_yarn_id_links_and_tag(yarn_livyd, yarn_cluster, batches):
    livyd = yarn_livyd
    batch_id, marker = batches["ok"]
    assert livyd.wait_terminal(batch_id, timeout=WAIT_S) == "success", livyd.diagnostics(batch_id)
    body = livyd.batch(batch_id)
    app_id = _check_app_info(body)
    rm = _rm_app(yarn_cluster, app_id)
    assert (rm["state"], rm["finalStatus"]) == ("FINISHED", "SUCCEEDED"), rm
    tag = _livyd_tag(rm, "batch", batch_id)
    # The RM finds it by that tag, as livyd did.
    status, found = yarn_cluster.get(f"/ws/v1/cluster/apps?applicationTags={tag}")
    assert status == 200 and [a["id"] for a in found["apps"]["app"]] == [app_id], found
    # The driver ran in the application master's container, not in livyd's spark-submit.
    assert f"COUNT {marker} yarn 1000" in _container_stdout(yarn_cluster, app_id)
    assert not any(f"COUNT {marker}" in line for line in livyd.full_log(batch_id))


def test_cluster_mode_batch_that_raises_ends_dead(yarn_livyd, yarn_cluster, batches):
    livyd = yarn_livyd
    batch_id, marker = batches["failing"]
    assert livyd.wait_terminal(batch_id, timeout=WAIT_S) == "dead", livyd.diagnostics(batch_id)
    app_id = _check_app_info(livyd.batch(batch_id))
    rm = _rm_app(yarn_cluster, app_id)
    assert rm["finalStatus"] == "FAILED", rm
    _livyd_tag(rm, "batch", batch_id)
    # YARN's diagnostics are in the batch's log; the driver's traceback is in its container's.
    assert any(f"the application {app_id} failed in yarn: User application exited with status 1" in line
               for line in livyd.full_log(batch_id)), livyd.diagnostics(batch_id)
    # (PySpark's runner sends the Python process's stderr to the container's stdout.)
    raised = f"RuntimeError: livyd test: this batch fails on purpose {marker}"
    assert raised in _container_stdout(yarn_cluster, app_id)


def test_cluster_mode_batch_deleted_after_a_livyd_kill_9_is_killed_at_the_resourcemanager(
        yarn_livyd, yarn_cluster, batches):
    livyd = yarn_livyd
    batch_id, marker = batches["long"]
    livyd.wait_state(batch_id, {"running"}, timeout=WAIT_S)
    # livyd reports running when YARN does, with the id it found by the tag.
    app_id = wait_until(lambda: livyd.batch(batch_id)["appId"], timeout=60, what=f"batch {batch_id}'s appId")
    assert _rm_app(yarn_cluster, app_id)["state"] == "RUNNING"
    wait_until(lambda: f"SLEEPING {marker}" in _container_stdout(yarn_cluster, app_id), timeout=WAIT_S,
               what="the sleeping driver's output")
    # kill -9 of livyd: the application (and spark-submit, which waits for it) live on; the
    # restarted livyd knows the batch, its application and its links from its store, and
    # follows it at the ResourceManager by id.
    livyd.restart(signal.SIGKILL)
    assert livyd.state(batch_id) == "running"
    assert livyd.batch(batch_id)["appId"] == app_id
    _check_app_info(livyd.batch(batch_id))
    assert _rm_app(yarn_cluster, app_id)["state"] == "RUNNING"
    started = time.monotonic()
    livyd.delete_json(f"/batches/{batch_id}")
    assert livyd.state(batch_id) == "killed"
    rm = _wait_rm_state(yarn_cluster, app_id, {"KILLED"})
    kill_seconds = time.monotonic() - started
    _livyd_tag(rm, "batch", batch_id)
    assert livyd.state(batch_id) == "killed"
    assert livyd.batch(batch_id)["appId"] == app_id
    assert any("asked yarn to kill the application" in line for line in livyd.full_log(batch_id))
    # spark-submit (it waits for the application in cluster mode) is gone too.
    wait_until(lambda: not procs_with_marker(marker), timeout=60, what=f"no process with {marker}")
    print(f"batch {batch_id}: KILLED at the RM {kill_seconds:.1f} s after DELETE")


def test_cluster_mode_session_answers_across_a_livyd_kill_9_and_delete_kills_its_application(
        yarn_livyd, yarn_cluster, batches):
    """A PySpark session whose driver runs in YARN's application master: it reads livyd's
    callback address and secret from spark.livy.driver.* and connects back over loopback,
    runs Scala too (its modules shipped as --archives livy-drivers.zip),
    also to a livyd restarted after kill -9 (the channel's port is kept in the store)."""
    livyd = yarn_livyd
    # One application at a time beside this one: the batches have ended (the tests above).
    marker = new_marker("yarn-session")
    livyd.markers.append(marker)
    sid = livyd.post_json("/sessions", {"kind": "pyspark", "name": marker})["id"]
    try:
        livyd.wait_session_state(sid, {"idle"}, timeout=WAIT_S)
        # spark-submit returned once the driver was submitted (waitAppCompletion=false): no JVM
        # stays on livyd's host per session; livyd follows the application at the RM.
        def session_log() -> list[str]:
            return livyd.get_json(f"/sessions/{sid}/log", params={"from": 0, "size": 100000})["log"]
        wait_until(lambda: any("spark-submit ended; the session follows its application in yarn" in line
                               for line in session_log()), timeout=60, what="spark-submit to end")
        data = livyd.run_ok(sid, "1+1", timeout=240)
        assert data["text/plain"].strip() == "2", data
        data = livyd.run_ok(sid, "x = 41\nprint(sc.master, spark.range(100).count())", timeout=240)
        assert data["text/plain"].strip() == "yarn 100", data
        # A Scala statement in the same session: the driver in the application master has its
        # Scala support (livy_scala.py and the REPL's sources) from the archive livyd ships.
        data = livyd.run_ok(sid, 'spark.range(7).filter("id > 2").count()', kind="spark", timeout=300)
        assert "Long = 4" in data["text/plain"], data
        body = livyd.session(sid)
        app_id = _check_app_info(body)
        livyd.restart(signal.SIGKILL)
        # The same driver (its variables kept) reconnects to the new livyd: the session is idle
        # again, with the same application.
        livyd.wait_session_state(sid, {"idle"}, timeout=240)
        data = livyd.run_ok(sid, "x + 1", timeout=240)
        assert data["text/plain"].strip() == "42", data
        assert livyd.session(sid)["appId"] == app_id
        rm = _rm_app(yarn_cluster, app_id)
        assert rm["state"] == "RUNNING", rm
        _livyd_tag(rm, "session", sid)
    finally:
        livyd.delete(f"/sessions/{sid}")
    _wait_rm_state(yarn_cluster, app_id, {"KILLED", "FINISHED"})
    rm = _rm_app(yarn_cluster, app_id)
    # Ended by livyd, not failed: killed at the RM, or (the driver heard the DELETE first)
    # stopped on its own.
    assert rm["state"] == "KILLED" or rm["finalStatus"] in ("SUCCEEDED", "KILLED"), rm
    print(f"session {sid}: {app_id} ended {rm['state']}/{rm['finalStatus']} after DELETE")
    wait_until(lambda: not procs_with_marker(marker), timeout=60, what=f"no process with {marker}")


@pytest.fixture(scope="module")
def yarn_client_livyd(yarn_cluster, yarn_jobs, tmp_path_factory):
    """A livyd on the mini YARN cluster in client deploy mode (the driver in spark-submit)."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd-yarn-client")))
    livyd, client = _livyd_on_yarn(yarn_cluster, yarn_jobs, work, "client")
    try:
        yield client
    finally:
        livyd.__exit__(None, None, None)


def test_client_mode_batch_succeeds_with_its_driver_output_in_the_log(yarn_client_livyd, yarn_cluster,
                                                                      yarn_jobs):
    livyd = yarn_client_livyd
    marker = new_marker("yarn-client")
    livyd.markers.append(marker)
    batch_id = livyd.post_json("/batches", {"file": str(yarn_jobs / "app.py"), "args": [marker]})["id"]
    assert livyd.wait_terminal(batch_id, timeout=WAIT_S) == "success", livyd.diagnostics(batch_id)
    app_id = _check_app_info(livyd.batch(batch_id))
    rm = _rm_app(yarn_cluster, app_id)
    assert (rm["state"], rm["finalStatus"]) == ("FINISHED", "SUCCEEDED"), rm
    _livyd_tag(rm, "batch", batch_id)
    # The driver ran in livyd's spark-submit: its output is in the batch's log.
    assert any(f"COUNT {marker} yarn 1000" in line for line in livyd.full_log(batch_id)), \
        livyd.diagnostics(batch_id)
    # livyd says success once the RM does, when the driver unregisters; spark-submit then
    # exits on its own within seconds.
    wait_until(lambda: not procs_with_marker(marker), timeout=120, what=f"spark-submit of {marker} to exit")
