"""A real Spark standalone cluster for the tests: one master and one worker, started from
the pyspark distribution (SPARK_HOME) on loopback with free ports, shared by every test of
a pytest session and stopped at its end with nothing left running.

The master serves its REST submission server (spark.master.rest.enabled=true), which
livyd's StandaloneClusterManager uses for the state and kill of cluster-mode drivers.
The worker is small (2 cores, 1 GiB: one executor of 512m for a session or a client-mode
batch, and room for a cluster-mode driver of 512m); the machine is shared.

Fixtures (imported by tests/clusters/conftest.py):
  standalone_cluster    the running cluster (StandaloneCluster)
  standalone_livyd      a livyd whose spark.master is the cluster's master, client deploy mode
  cluster_job_jar       tests/clusters/ClusterJob.java compiled with javac into a jar
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from livyd_testlib import (
    SetupError,
    livyd_bin_from_env,
    process_table,
    running_livyd,
    spark_home_from_env,
    tail_file,
)

HERE = Path(__file__).resolve().parent
WORKER_CORES = 2
WORKER_MEMORY = "1g"
# What the tests ask of the cluster for each application: small, the machine is shared.
EXECUTOR_MEMORY = "512m"
DRIVER_MEMORY = "512m"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 10.0):
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    with opener.open(request, timeout=timeout) as resp:
        return json.load(resp)


@dataclass
class StandaloneCluster:
    spark_home: Path
    work: Path
    master_url: str        # spark://127.0.0.1:<rpc>
    master_ui: str         # http://127.0.0.1:<web ui>
    rest_url: str          # http://127.0.0.1:<rest>: the REST submission server
    worker_ui: str         # http://127.0.0.1:<worker web ui>
    master: subprocess.Popen
    worker: subprocess.Popen

    def master_state(self) -> dict:
        """The master's JSON (what its web UI shows): workers, apps, drivers."""
        return get_json(self.master_ui + "/json/")

    def worker_state(self) -> dict:
        """The worker's JSON: its executors (running and finished), with their app ids."""
        return get_json(self.worker_ui + "/json/")

    def app(self, app_id: str) -> dict | None:
        """The master's record of an application, active or completed."""
        state = self.master_state()
        for app in state["activeapps"] + state["completedapps"]:
            if app["id"] == app_id:
                return app
        return None

    def driver(self, driver_id: str) -> dict | None:
        """The master's record of a cluster-mode driver, active or completed."""
        state = self.master_state()
        for driver in state["activedrivers"] + state["completeddrivers"]:
            if driver["id"] == driver_id:
                return driver
        return None

    def worker_executors(self, app_id: str) -> list[dict]:
        """The worker's executors (running or finished) of an application."""
        state = self.worker_state()
        return [e for e in state["executors"] + state["finishedexecutors"] if e["appid"] == app_id]

    def logs(self) -> str:
        return (f"master log:\n{tail_file(self.work / 'master.log')}\n"
                f"worker log:\n{tail_file(self.work / 'worker.log')}")


def _daemon_env(spark_home: Path, opts_var: str, opts: str) -> dict:
    env = dict(os.environ)
    env.update({
        "SPARK_HOME": str(spark_home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_MEMORY": "256m",  # the master and the worker themselves
        opts_var: opts,
    })
    env.pop("SPARK_CONF_DIR", None)
    return env


def _start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        # Its own process group: stopping the cluster signals the daemon and everything it
        # started (the worker's executors and drivers stay in the worker's group).
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                start_new_session=True)


def _wait(what: str, predicate, procs, work: Path):
    deadline = time.monotonic() + START_TIMEOUT
    last_error = None
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise SetupError(f"{what}: a daemon exited with {p.returncode}\n"
                                 f"master log:\n{tail_file(work / 'master.log')}\n"
                                 f"worker log:\n{tail_file(work / 'worker.log')}")
        try:
            if predicate():
                return
        except OSError as e:  # not listening yet
            last_error = e
        time.sleep(0.5)
    raise SetupError(f"{what} within {START_TIMEOUT:.0f} s (last error: {last_error})\n"
                     f"master log:\n{tail_file(work / 'master.log')}\n"
                     f"worker log:\n{tail_file(work / 'worker.log')}")


def start_standalone(spark_home: Path, work: Path) -> StandaloneCluster:
    rpc, ui, rest, worker_rpc, worker_ui = (free_port() for _ in range(5))
    spark_class = str(spark_home / "bin" / "spark-class")
    master_opts = (f"-Dspark.master.rest.enabled=true -Dspark.master.rest.host=127.0.0.1 "
                   f"-Dspark.master.rest.port={rest}")
    master = _start([spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                     "--port", str(rpc), "--webui-port", str(ui)],
                    _daemon_env(spark_home, "SPARK_MASTER_OPTS", master_opts), work / "master.log")
    cluster = StandaloneCluster(spark_home=spark_home, work=work, master_url=f"spark://127.0.0.1:{rpc}",
                                master_ui=f"http://127.0.0.1:{ui}", rest_url=f"http://127.0.0.1:{rest}",
                                worker_ui=f"http://127.0.0.1:{worker_ui}", master=master, worker=None)
    try:
        _wait("the standalone master was not ALIVE", lambda: cluster.master_state()["status"] == "ALIVE",
              [master], work)
        worker_dir = work / "worker"
        worker_dir.mkdir()
        cluster.worker = _start(
            [spark_class, "org.apache.spark.deploy.worker.Worker", cluster.master_url, "--host", "127.0.0.1",
             "--port", str(worker_rpc), "--webui-port", str(worker_ui), "--cores", str(WORKER_CORES),
             "--memory", WORKER_MEMORY, "--work-dir", str(worker_dir)],
            _daemon_env(spark_home, "SPARK_WORKER_OPTS", ""), work / "worker.log")
        _wait("the worker did not register with the master",
              lambda: cluster.master_state()["aliveworkers"] == 1, [master, cluster.worker], work)
        # The REST submission server answers (an unknown driver: success false).
        _wait("the master's REST server did not answer",
              lambda: get_json(cluster.rest_url + "/v1/submissions/status/driver-20000101000000-0000")[
                  "action"] == "SubmissionStatusResponse", [master, cluster.worker], work)
    except BaseException:
        stop_standalone(cluster)
        raise
    return cluster


def _group_members(pgids: set[int]) -> list:
    return [p for p in process_table().values() if p.pgid in pgids]


def stop_standalone(cluster: StandaloneCluster) -> list[str]:
    """SIGTERM to the worker's group (its executors and drivers) and the master's, then
    SIGKILL to whatever remains; returns what had to be killed or would not die."""
    procs = [p for p in (cluster.worker, cluster.master) if p is not None]
    pgids = {p.pid for p in procs}  # each daemon leads its own group
    for pgid in pgids:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_TIMEOUT
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    while _group_members(pgids) and time.monotonic() < deadline:
        time.sleep(0.2)
    problems = [f"still running after SIGTERM: pid {p.pid}: {p.cmdline[:160]}" for p in _group_members(pgids)]
    for pgid in pgids:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for p in procs:
        if p.poll() is None:
            p.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _group_members(pgids) and time.monotonic() < deadline:
        time.sleep(0.2)
    problems += [f"survived SIGKILL: pid {p.pid}: {p.cmdline[:160]}" for p in _group_members(pgids)]
    return problems


# ---- fixtures ------------------------------------------------------------------------

def _from_env(read):
    try:
        return read()
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def standalone_cluster(tmp_path_factory):
    spark_home_path = _from_env(spark_home_from_env)
    work = Path(os.path.realpath(tmp_path_factory.mktemp("standalone")))
    try:
        cluster = start_standalone(spark_home_path, work)
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield cluster
    finally:
        problems = stop_standalone(cluster)
        # Daemons that die on SIGTERM leave nothing: anything SIGKILL had to take is a failure.
        if problems:
            pytest.fail("the standalone cluster did not stop cleanly:\n- " + "\n- ".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def standalone_jobs_dir(tmp_path_factory) -> Path:
    """Whitelisted for the livyds of these tests: the jar and the Python jobs live here."""
    return Path(os.path.realpath(tmp_path_factory.mktemp("cluster-jobs")))


def _tool(name: str) -> str:
    found = shutil.which(name)
    java_home = os.environ.get("JAVA_HOME")
    if not found and java_home and (Path(java_home) / "bin" / name).exists():
        found = str(Path(java_home) / "bin" / name)
    if not found:
        pytest.fail(f"{name} not found on PATH or in JAVA_HOME (a JDK is needed)", pytrace=False)
    return found


@pytest.fixture(scope="session")
def cluster_job_jar(standalone_jobs_dir: Path, standalone_cluster) -> Path:
    """tests/clusters/ClusterJob.java compiled against the pyspark jars (it needs none of
    them, but it is built as a Spark job would be)."""
    classes = standalone_jobs_dir / "cluster-job-classes"
    classes.mkdir(exist_ok=True)
    jar = standalone_jobs_dir / "cluster-job.jar"
    subprocess.run([_tool("javac"), "--release", "17", "-cp", str(standalone_cluster.spark_home / "jars" / "*"),
                    "-d", str(classes), str(HERE / "ClusterJob.java")], check=True, capture_output=True)
    subprocess.run([_tool("jar"), "--create", "--file", str(jar), "-C", str(classes), "."],
                   check=True, capture_output=True)
    return jar


def standalone_settings(cluster: StandaloneCluster, standalone_jobs_dir: Path, deploy_mode: str = "client") -> dict:
    return {
        "spark.master": cluster.master_url,
        "spark.deploy-mode": deploy_mode,
        "standalone.rest-url": cluster.rest_url,
        "files.local-dir-whitelist": str(standalone_jobs_dir),
        "batches.kill-grace": "3s",
        # The tests wait up to 300 s for a session to be idle: livyd must not give up first. Beside
        # the YARN entry on a slow 2-core machine a driver took longer than the default 2 minutes
        # (2026-12-08: Spark was ready for scheduling about 90 s after spark-submit began).
        "sessions.start-timeout": "300s",
    }


@pytest.fixture(scope="session")
def standalone_livyd(standalone_cluster, standalone_jobs_dir, tmp_path_factory):
    """A livyd whose Spark master is the cluster's (client deploy mode)."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd-standalone")))
    with running_livyd(_from_env(livyd_bin_from_env), standalone_cluster.spark_home, work,
                       standalone_settings(standalone_cluster, standalone_jobs_dir)) as client:
        yield client


@pytest.fixture(scope="session")
def standalone_cluster_livyd(standalone_cluster, standalone_jobs_dir, tmp_path_factory):
    """A livyd on the same master in cluster deploy mode: drivers run on the worker."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd-standalone-cluster")))
    with running_livyd(_from_env(livyd_bin_from_env), standalone_cluster.spark_home, work,
                       standalone_settings(standalone_cluster, standalone_jobs_dir, "cluster")) as client:
        yield client
