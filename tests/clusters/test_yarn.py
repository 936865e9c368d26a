"""YARN for real: spark-submit --master yarn (client and cluster deploy mode) of tiny
PySpark apps on the mini YARN cluster (yarn_cluster.py), and livyd's YarnClusterManager,
through the yarn_probe tool, finding each by the tag tag_submission gives it, following
it to its end, and killing one.

The four applications are submitted at once (module fixture `apps`), so their start-up,
the expensive part, overlaps; each test then follows its own.

Environment: YARN_PROBE_BIN (the yarn_probe tool, set by ctest), SPARK_HOME (a Spark with
YARN support: pyspark's), LIVYD_HADOOP_JARS (see yarn_cluster.py).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

APP = """
import sys, time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
print("COUNT", spark.range(1000).count())
time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 0)
spark.stop()
"""

FAILING_APP = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
spark.range(10).count()
raise RuntimeError("livyd test: this application fails on purpose")
"""

WAIT_S = 600  # for an application to end, on a loaded 2-core machine

# Client deploy mode only: no Spark UI in the driver. Spark's SparkUI.attachAllHandlers (not
# synchronized) races the AddWebUIFilter message of the application master registering on YARN;
# seen once in CI, the driver died in attachAllHandlers and the application failed. The UI is not
# what these tests check (the RM's tracking URL is, and it does not depend on the driver's UI).
_CLIENT_MODE_CONF = ["--conf", "spark.ui.enabled=false"]


def _probe_bin() -> Path:
    path = os.environ.get("YARN_PROBE_BIN")
    if not path or not Path(path).exists():
        pytest.fail("YARN_PROBE_BIN must name the yarn_probe tool (ctest sets it)", pytrace=False)
    return Path(path)


def _spark_home() -> Path:
    if os.environ.get("SPARK_HOME"):
        return Path(os.environ["SPARK_HOME"])
    import pyspark
    return Path(pyspark.__file__).parent


@dataclass
class Probe:
    binary: Path
    env: dict

    def run(self, *args: str, timeout: float = WAIT_S + 60) -> tuple[int, dict]:
        done = subprocess.run([str(self.binary), *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        assert lines, f"yarn_probe {args} printed nothing: {done.stdout} {done.stderr}"
        return done.returncode, json.loads(lines[-1])

    def wait(self, phases: str, *, tag: str | None = None, app_id: str | None = None,
             timeout: float = WAIT_S) -> dict:
        which = ["--tag", tag] if tag else ["--id", app_id]
        rc, out = self.run("wait", *which, phases, "--timeout", str(timeout))
        assert rc == 0, f"waiting for {phases} of {tag or app_id}: {out}\n{self.last_log()}"
        return out


    logs: list = None

    def last_log(self) -> str:
        """The end of the submissions' logs, for a failure's message."""
        return "\n".join(f"--- {p.name}:\n{p.read_text(errors='replace')[-2000:]}" for p in (self.logs or []))


@dataclass
class Submission:
    name: str
    tag: str
    mode: str
    queue: str
    proc: subprocess.Popen
    log: Path


@pytest.fixture(scope="module")
def probe(yarn_cluster) -> Probe:
    return Probe(_probe_bin(), yarn_cluster.env())


@pytest.fixture(scope="module")
def apps(yarn_cluster, probe, tmp_path_factory):
    spark_home = _spark_home()
    work = Path(os.path.realpath(tmp_path_factory.mktemp("yarn-apps")))
    (work / "app.py").write_text(APP)
    (work / "fail.py").write_text(FAILING_APP)
    python = sys.executable
    env = dict(yarn_cluster.env(), PYSPARK_PYTHON=python, SPARK_HOME=str(spark_home))

    def submit(name, mode, queue, script, *args):
        tag = f"livy-test-{name}-{uuid.uuid4().hex[:8]}"
        rc, tags = probe.run("tag", tag, "User-Tag")  # livyd's tag_submission, with a user's own tag
        assert rc == 0, tags
        cmd = [str(spark_home / "bin/spark-submit"), "--master", "yarn", "--deploy-mode", mode, "--queue", queue,
               "--name", f"livyd-{name}",
               "--conf", f"spark.yarn.tags={tags['spark.yarn.tags']}",
               "--conf", f"spark.yarn.jars=local:{spark_home}/jars/*",  # no upload of Spark's jars
               "--conf", "spark.yarn.am.memory=512m", "--conf", "spark.driver.memory=512m",
               "--conf", "spark.executor.memory=512m", "--conf", "spark.executor.instances=1",
               "--conf", "spark.executor.cores=1", "--conf", "spark.ui.showConsoleProgress=false",
               "--conf", f"spark.yarn.appMasterEnv.PYSPARK_PYTHON={python}",
               # Loopback only, in the application master and executors too (a cluster-mode
               # driver would otherwise bind the machine's first non-loopback address).
               "--conf", "spark.yarn.appMasterEnv.SPARK_LOCAL_IP=127.0.0.1",
               "--conf", "spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1",
               "--conf", f"spark.executorEnv.PYSPARK_PYTHON={python}",
               "--conf", "spark.yarn.submit.waitAppCompletion=false",  # cluster mode: submit and return
               *(_CLIENT_MODE_CONF if mode == "client" else []),
               str(work / script), *args]
        log = work / f"{name}.log"
        probe.logs = (probe.logs or []) + [log]
        proc = subprocess.Popen(cmd, env=env, cwd=work, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                                start_new_session=True)
        return Submission(name, tag, mode, queue, proc, log)

    subs = {
        "cluster": submit("cluster", "cluster", "livy", "app.py"),
        "client": submit("client", "client", "default", "app.py"),
        "long": submit("long", "cluster", "default", "app.py", "3600"),
        "failing": submit("failing", "cluster", "default", "fail.py"),
    }
    yield subs
    for sub in subs.values():
        if sub.proc.poll() is None:
            try:
                os.killpg(sub.proc.pid, 15)
                sub.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(sub.proc.pid, 9)
                sub.proc.wait(timeout=10)


def _rm_app(yarn_cluster, app_id: str) -> dict:
    status, body = yarn_cluster.get(f"/ws/v1/cluster/apps/{app_id}")
    assert status == 200, body
    return body["app"]


def _check_links(report: dict) -> None:
    app_id = report["appId"]
    assert report["driverLogUrl"].startswith("http://"), report
    assert "/node/containerlogs/container_" + app_id[len("application_"):] in report["driverLogUrl"], report
    assert report["sparkUiUrl"].startswith("http://") and app_id in report["sparkUiUrl"], report


def test_cluster_mode_app_is_found_by_tag_and_succeeds_in_its_queue(yarn_cluster, probe, apps):
    sub = apps["cluster"]
    running = probe.wait("running,succeeded", tag=sub.tag)
    assert running["appId"].startswith("application_")
    report = probe.wait("succeeded", tag=sub.tag)
    assert report["appId"] == running["appId"]
    _check_links(report)
    rm = _rm_app(yarn_cluster, report["appId"])
    assert rm["queue"] in ("livy", "root.livy"), rm["queue"]           # --queue reached YARN
    assert set(rm["applicationTags"].split(",")) == {"user-tag", sub.tag}  # the user's tag kept, lower-cased
    assert (rm["state"], rm["finalStatus"]) == ("FINISHED", "SUCCEEDED")
    # By id too, as livyd follows an application once it knows it.
    assert probe.wait("succeeded", app_id=report["appId"], timeout=30)["appId"] == report["appId"]


def test_client_mode_app_is_found_by_tag_and_succeeds(yarn_cluster, probe, apps):
    sub = apps["client"]
    report = probe.wait("succeeded", tag=sub.tag)
    _check_links(report)
    assert sub.proc.wait(timeout=120) == 0, sub.log.read_text()[-3000:]
    assert "COUNT 1000" in sub.log.read_text()  # the driver ran here, in spark-submit
    assert _rm_app(yarn_cluster, report["appId"])["queue"] in ("default", "root.default")


def test_a_long_running_app_is_killed_through_the_resourcemanager(yarn_cluster, probe, apps):
    sub = apps["long"]
    running = probe.wait("running", tag=sub.tag)
    rc, out = probe.run("kill", running["appId"])
    assert rc == 0 and out == {"killed": running["appId"]}, out
    killed = probe.wait("killed", app_id=running["appId"], timeout=120)
    assert "killed" in killed["diagnostics"].lower(), killed
    rm = _rm_app(yarn_cluster, running["appId"])
    assert rm["state"] == "KILLED", rm
    # Killing it again is fine: it has ended already.
    rc, out = probe.run("kill", running["appId"])
    assert rc == 0, out


def test_a_failing_app_is_failed_with_yarns_diagnostics(probe, apps):
    report = probe.wait("failed,succeeded,killed", tag=apps["failing"].tag)
    assert report["phase"] == "failed", report
    assert report["diagnostics"], report


def test_a_tag_yarn_does_not_know_is_not_found(probe):
    rc, out = probe.run("wait", "--tag", f"livy-test-none-{uuid.uuid4().hex[:8]}", "pending,running", "--timeout", "2")
    assert rc == 1 and out["error"] == "timed out; last: not found", out


def test_a_resourcemanager_that_does_not_answer_is_a_clear_error(probe):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    rc, out = probe.run("--url", f"http://127.0.0.1:{port}", "--set", "yarn.connect-timeout=500ms",
                        "wait", "--tag", "x", "running", "--timeout", "1")
    assert rc == 1 and "cannot connect to the YARN ResourceManager" in out["error"], out
    assert time.monotonic() - started < 30
