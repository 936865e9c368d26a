"""livyd on a real Spark standalone cluster (tests/clusters/standalone.py): sessions and
batches in client deploy mode run their executors on the worker, a JVM batch runs its
driver on the worker in cluster deploy mode, Python in standalone cluster mode is a 400,
and the C++ StandaloneClusterManager follows and kills a real driver."""
from __future__ import annotations

import os
import re
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from livyd_testlib import new_marker, procs_with_marker, wait_until
from standalone import DRIVER_MEMORY, EXECUTOR_MEMORY

APP_ID = re.compile(r"^app-\d{14}-\d{4,}$")
DRIVER_ID = re.compile(r"^driver-\d{14}-\d{4,}$")
# Each application takes one core of the worker's two, so a session and a batch run side by side.
SMALL = {"executorMemory": EXECUTOR_MEMORY, "conf": {"spark.cores.max": "1"}}

PI_JOB = textwrap.dedent("""\
    import sys
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.getOrCreate()
    sc = spark.sparkContext
    total = sc.parallelize(range(1000), 2).map(lambda x: x * 3).sum()
    print("standalone batch", sys.argv[1], sc.master, sc.applicationId, total, flush=True)
    spark.stop()
""")


@pytest.fixture(scope="module")
def client_batch(standalone_livyd, standalone_jobs_dir: Path):
    """A PySpark batch in client deploy mode, started first so that it runs while the
    session test does."""
    job = standalone_jobs_dir / "standalone_pi.py"
    job.write_text(PI_JOB)
    marker = new_marker("standalone-batch")
    standalone_livyd.markers.append(marker)
    body = standalone_livyd.post_json("/batches", {"file": str(job), "args": [marker], **SMALL})
    return body["id"], marker


def wait_app(cluster, app_id: str) -> dict:
    return wait_until(lambda: cluster.app(app_id), timeout=30, what=f"{app_id} in the master's JSON")


def test_session_runs_its_executors_on_the_worker(standalone_livyd, standalone_cluster, client_batch):
    livyd, cluster = standalone_livyd, standalone_cluster
    session = livyd.post_json("/sessions", {"kind": "pyspark", "name": new_marker("standalone-session"), **SMALL})
    sid = session["id"]
    try:
        livyd.wait_session_state(sid, {"idle"}, timeout=300)
        data = livyd.run_ok(sid, "print(sc.master, sc.parallelize(range(100), 2).map(lambda x: x * 2).sum())",
                            timeout=240)
        assert data["text/plain"].strip() == f"{cluster.master_url} 9900"

        app_id = livyd.session(sid)["appId"]
        assert app_id and APP_ID.match(app_id), f"session appId {app_id!r} is not a standalone application id"
        app = wait_app(cluster, app_id)
        # The master granted the application a core of the worker, and the worker ran its executor.
        assert app["state"] == "RUNNING"
        assert app["cores"] >= 1
        assert app["memoryperexecutor"] == 512
        executors = cluster.worker_executors(app_id)
        assert executors, f"the worker ran no executor of {app_id}: {cluster.worker_state()}"
        assert all(e["memory"] == 512 for e in executors)
    finally:
        livyd.delete(f"/sessions/{sid}")


def test_batch_runs_its_executors_on_the_worker(standalone_livyd, standalone_cluster, client_batch):
    livyd, cluster = standalone_livyd, standalone_cluster
    batch_id, marker = client_batch
    state = livyd.wait_terminal(batch_id, timeout=300)
    assert state == "success", livyd.diagnostics(batch_id)
    line = next((l for l in livyd.full_log(batch_id) if l.startswith("standalone batch " + marker)), None)
    assert line is not None, livyd.diagnostics(batch_id)
    _, _, _, master, app_id, total = line.split()
    assert master == cluster.master_url
    assert APP_ID.match(app_id) and total == str(3 * sum(range(1000)))
    assert livyd.batch(batch_id)["appId"] == app_id
    app = wait_app(cluster, app_id)
    assert app["state"] == "FINISHED" and app["cores"] >= 1
    assert cluster.worker_executors(app_id), f"the worker ran no executor of {app_id}"


def test_jvm_batch_in_cluster_deploy_mode_runs_its_driver_on_the_worker(
        standalone_cluster_livyd, standalone_cluster, cluster_job_jar):
    livyd, cluster = standalone_cluster_livyd, standalone_cluster
    marker = new_marker("standalone-cluster")
    body = livyd.post_json("/batches", {"file": str(cluster_job_jar), "className": "livyd.test.ClusterJob",
                                        "args": ["hello", marker], "driverMemory": DRIVER_MEMORY})
    batch_id = body["id"]
    assert livyd.wait_terminal(batch_id, timeout=300) == "success", livyd.diagnostics(batch_id)
    # spark-submit printed the master's id of the driver, which is the batch's appId.
    driver_id = livyd.batch(batch_id)["appId"]
    assert driver_id and DRIVER_ID.match(driver_id), f"appId {driver_id!r}: {livyd.diagnostics(batch_id)}"
    driver = wait_until(lambda: (d := cluster.driver(driver_id)) and d["state"] == "FINISHED" and d,
                        timeout=120, what=f"{driver_id} FINISHED in the master's JSON")
    assert driver["mainclass"] == "livyd.test.ClusterJob"
    assert driver["worker"] == cluster.worker_state()["id"]
    # The driver ran on the worker: its output is in the worker's directory, not in livyd's log.
    stdout = cluster.work / "worker" / driver_id / "stdout"
    assert f"hello from the cluster {marker}" in stdout.read_text()
    assert not any(marker in l and "hello from the cluster" in l for l in livyd.full_log(batch_id))


def test_python_in_standalone_cluster_mode_is_a_400(standalone_cluster_livyd, standalone_jobs_dir):
    livyd = standalone_cluster_livyd
    job = standalone_jobs_dir / "standalone_pi.py"
    job.write_text(PI_JOB)
    resp = livyd.post("/batches", {"file": str(job), "args": ["x"]})
    assert resp.status_code == 400, resp.text
    assert "cluster deploy mode on a standalone master" in resp.json()["msg"]
    resp = livyd.post("/sessions", {"kind": "pyspark"})
    assert resp.status_code == 400, resp.text
    assert "sessions cannot run in cluster deploy mode on a standalone master" in resp.json()["msg"]
    assert livyd.get_json("/batches")["total"] == len(livyd.get_json("/batches")["sessions"])
    assert all(b["appId"] is None or DRIVER_ID.match(b["appId"]) for b in livyd.get_json("/batches")["sessions"])


def test_cluster_manager_follows_and_kills_a_real_driver(standalone_cluster, cluster_job_jar):
    """The C++ StandaloneClusterManager (the unit test binary's [.standalone_live] case) on a
    driver submitted here with spark-submit: RUNNING, killed, KILLED."""
    cluster = standalone_cluster
    unit_tests = os.environ.get("LIVY_UNIT_TESTS")
    if not unit_tests or not Path(unit_tests).is_file():
        pytest.fail("LIVY_UNIT_TESTS must name the unit test binary (ctest sets it)", pytrace=False)
    env = dict(os.environ, SPARK_HOME=str(cluster.spark_home), SPARK_LOCAL_IP="127.0.0.1")
    submit = subprocess.run(
        [str(cluster.spark_home / "bin" / "spark-submit"), "--master", cluster.master_url, "--deploy-mode", "cluster",
         "--driver-memory", "256m", "--class", "livyd.test.ClusterJob", str(cluster_job_jar), "sleep", "300"],
        capture_output=True, text=True, env=env, timeout=180)
    found = re.search(r"Driver successfully submitted as (driver-\d{14}-\d{4,})", submit.stdout + submit.stderr)
    assert found, f"spark-submit printed no driver id:\n{submit.stderr[-3000:]}"
    driver_id = found.group(1)
    try:
        run = subprocess.run([unit_tests, "[.standalone_live]"], capture_output=True, text=True, timeout=180,
                             env=dict(os.environ, LIVY_TEST_STANDALONE_REST_URL=cluster.rest_url,
                                      LIVY_TEST_STANDALONE_DRIVER=driver_id))
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert "1 test case" in run.stdout or "All tests passed" in run.stdout, run.stdout[-2000:]
        # The master agrees: the driver was killed.
        assert wait_until(lambda: (cluster.driver(driver_id) or {}).get("state") == "KILLED", timeout=60,
                          what=f"{driver_id} KILLED in the master's JSON")
    finally:
        subprocess.run(["curl", "-s", "-X", "POST", f"{cluster.rest_url}/v1/submissions/kill/{driver_id}"],
                       capture_output=True, timeout=30)


def test_jvm_batch_in_cluster_deploy_mode_deleted_is_killed_on_the_master(
        standalone_cluster_livyd, standalone_cluster, cluster_job_jar):
    livyd, cluster = standalone_cluster_livyd, standalone_cluster
    marker = new_marker("standalone-cluster-kill")
    livyd.markers.append(marker)
    body = livyd.post_json("/batches", {"file": str(cluster_job_jar), "className": "livyd.test.ClusterJob",
                                        "args": ["sleep", "600", marker], "driverMemory": DRIVER_MEMORY})
    batch_id = body["id"]
    livyd.wait_state(batch_id, {"running"}, timeout=300)
    driver_id = wait_until(lambda: livyd.batch(batch_id)["appId"], timeout=60, what=f"batch {batch_id}'s appId")
    assert DRIVER_ID.match(driver_id), driver_id
    wait_until(lambda: (cluster.driver(driver_id) or {}).get("state") == "RUNNING", timeout=120,
               what=f"{driver_id} RUNNING in the master's JSON")
    stdout = cluster.work / "worker" / driver_id / "stdout"
    wait_until(lambda: stdout.exists() and "cluster job sleeping" in stdout.read_text(), timeout=120,
               what="the sleeping driver's output")
    started = time.monotonic()
    livyd.delete_json(f"/batches/{batch_id}")
    assert livyd.state(batch_id) == "killed"
    wait_until(lambda: (cluster.driver(driver_id) or {}).get("state") == "KILLED", timeout=120,
               what=f"{driver_id} KILLED in the master's JSON")
    kill_seconds = time.monotonic() - started
    assert livyd.state(batch_id) == "killed"
    assert livyd.batch(batch_id)["appId"] == driver_id
    # Nothing of it runs on the worker any more.
    wait_until(lambda: not procs_with_marker(marker), timeout=60, what=f"no process with {marker}")
    print(f"standalone driver {driver_id}: KILLED {kill_seconds:.1f} s after DELETE")


@pytest.mark.parametrize("mode", ["throw", "fail"])
def test_jvm_batch_in_cluster_deploy_mode_that_fails_ends_dead(
        standalone_cluster_livyd, standalone_cluster, cluster_job_jar, mode):
    livyd, cluster = standalone_cluster_livyd, standalone_cluster
    marker = new_marker(f"standalone-cluster-{mode}")
    livyd.markers.append(marker)
    body = livyd.post_json("/batches", {"file": str(cluster_job_jar), "className": "livyd.test.ClusterJob",
                                        "args": [mode, marker], "driverMemory": DRIVER_MEMORY})
    batch_id = body["id"]
    assert livyd.wait_terminal(batch_id, timeout=300) == "dead", livyd.diagnostics(batch_id)
    driver_id = livyd.batch(batch_id)["appId"]
    assert driver_id and DRIVER_ID.match(driver_id), f"appId {driver_id!r}: {livyd.diagnostics(batch_id)}"
    driver = wait_until(lambda: (d := cluster.driver(driver_id)) and d["state"] in ("FAILED", "ERROR") and d,
                        timeout=120, what=f"{driver_id} FAILED in the master's JSON")
    assert driver["state"] == "FAILED", driver
    stderr = cluster.work / "worker" / driver_id / "stderr"
    expected = "cluster job throwing on purpose" if mode == "throw" else "cluster job failing on purpose"
    assert expected in stderr.read_text(errors="replace")
    # livyd ends the batch when the master says FAILED; its spark-submit, which polls the
    # master too, then exits on its own.
    wait_until(lambda: not procs_with_marker(marker), timeout=60, what=f"spark-submit of {marker} to exit")
