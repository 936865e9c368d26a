"""A real YARN for the tests: Hadoop's MiniYARNCluster (tests/clusters/yarn/MiniYarn.java)
in its own JVM on 127.0.0.1, one ResourceManager and one NodeManager, with a generated
HADOOP_CONF_DIR (yarn-site.xml, core-site.xml: the local file system for staging).

The fixture `yarn_cluster` (session scope) compiles the launcher with javac, starts it,
waits until the ResourceManager's REST API answers with one active NodeManager, and at the
end stops it by closing its standard input (SIGTERM, then SIGKILL if it hangs). It then
checks that nothing the cluster started is left running (the NodeManager's containers run
in sessions of their own), kills what is and fails the run if there was anything.

Environment:
  LIVYD_HADOOP_JARS  the jars scripts/bootstrap fetched (default: <repo>/.cache/hadoop/jars)
  JAVA_HOME          the JDK for the cluster and its containers (default: the one of `javac`)
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAUNCHER_SOURCES = [REPO / "tests/clusters/yarn/MiniYarn.java", REPO / "tests/clusters/yarn/MiniYarnParts.java"]
START_TIMEOUT_S = 240  # a cold JVM on a loaded 2-core machine; about 30 s when idle
# YARN's bookkeeping, not real memory: room for four small applications (bench/ asks for more).
NM_MEMORY_MB = int(os.environ.get("LIVYD_YARN_NM_MEMORY_MB", "8192"))

# What the cluster's JVM logs: warnings and worse, to a file in its work dir.
LOG4J = """log4j.rootLogger=WARN,file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File={log}
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=%d{{HH:mm:ss}} %p %c{{1}}: %m%n
"""

# Measurements, printed at the end of the run (pytest_terminal_summary).
MEASUREMENTS: list[str] = []


@dataclass
class YarnCluster:
    conf_dir: Path                 # HADOOP_CONF_DIR for livyd and spark-submit
    rm_url: str                    # http://127.0.0.1:port of the ResourceManager's REST API
    work_dir: Path
    java_home: Path
    pid: int
    start_seconds: float
    rss_mib_at_start: float
    log: Path
    extra: dict = field(default_factory=dict)

    def get(self, path: str, timeout: float = 10.0):
        """GET `path` of the RM's REST API: (status, parsed JSON or None)."""
        req = urllib.request.Request(self.rm_url + path, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            body = e.read().decode(errors="replace")
            try:
                return e.code, json.loads(body)
            except ValueError:
                return e.code, None

    def env(self) -> dict:
        """An environment for spark-submit and livyd against this cluster."""
        env = dict(os.environ)
        env.update(HADOOP_CONF_DIR=str(self.conf_dir), JAVA_HOME=str(self.java_home), SPARK_LOCAL_IP="127.0.0.1")
        env.pop("YARN_CONF_DIR", None)
        return env


def _java_home() -> Path:
    if os.environ.get("JAVA_HOME"):
        return Path(os.environ["JAVA_HOME"])
    javac = shutil.which("javac")
    if not javac:
        pytest.fail("no javac on PATH and no JAVA_HOME: the mini YARN cluster needs a JDK", pytrace=False)
    return Path(os.path.realpath(javac)).parent.parent


def _jar_dir() -> Path:
    jars = Path(os.environ.get("LIVYD_HADOOP_JARS", REPO / ".cache/hadoop/jars"))
    if not any(jars.glob("hadoop-yarn-server-tests-*-tests.jar")):
        pytest.fail(f"no Hadoop jars in {jars}: run scripts/bootstrap (it fetches them with mvn), "
                    "or set LIVYD_HADOOP_JARS", pytrace=False)
    return jars


def _rss_mib(pid: int, field_name: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def processes_under(path: Path) -> list[int]:
    """Processes whose command line or working directory is inside `path` (the
    NodeManager's containers: their launch scripts and JVMs live in its local dirs)."""
    found = []
    needle = str(path)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if needle in cmdline or cwd.startswith(needle):
            found.append(int(entry.name))
    return found


def _wait_ready(proc: subprocess.Popen, deadline: float) -> str:
    """The RM web app's host:port from the launcher's READY line."""
    result: dict = {}

    def read():
        for line in proc.stdout:
            if line.startswith("MINIYARN READY "):
                result["address"] = line.split()[2]
                return
            if line.startswith("MINIYARN FAILED"):
                result["error"] = line.strip()
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(max(0.0, deadline - time.monotonic()))
    if "address" not in result:
        raise RuntimeError(result.get("error", f"not ready within {START_TIMEOUT_S} s"))
    return result["address"]


def _stop(proc: subprocess.Popen) -> None:
    try:
        proc.stdin.close()  # MiniYarn stops the NodeManager (and its containers), then the RM
    except OSError:
        pass
    try:
        proc.wait(timeout=60)
        return
    except subprocess.TimeoutExpired:
        pass
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def yarn_cluster(tmp_path_factory):
    jars = _jar_dir()
    java_home = _java_home()
    base = Path(os.path.realpath(tmp_path_factory.mktemp("miniyarn")))
    classes, conf_dir, work = base / "classes", base / "conf", base / "work"
    for d in (classes, conf_dir, work):
        d.mkdir()
    log = work / "miniyarn.log"
    (classes / "log4j.properties").write_text(LOG4J.format(log=log))
    javac = subprocess.run([str(java_home / "bin/javac"), "-nowarn", "-cp", f"{jars}/*", "-d", str(classes),
                            *map(str, LAUNCHER_SOURCES)], capture_output=True, text=True)
    if javac.returncode != 0:
        pytest.fail(f"javac of the MiniYarn launcher failed:\n{javac.stderr}", pytrace=False)

    env = dict(os.environ, JAVA_HOME=str(java_home))
    cmd = [str(java_home / "bin/java"), "-Xmx512m", "-XX:+UseSerialGC",
           "--add-opens", "java.base/java.lang=ALL-UNNAMED",  # Guice's class generation
           f"-Dlog4j.configuration=file:{classes / 'log4j.properties'}",
           "-cp", str(classes), "MiniYarn", str(jars), str(conf_dir), str(work), str(NM_MEMORY_MB)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=open(work / "miniyarn.stderr", "w"), text=True, start_new_session=True)
    try:
        address = _wait_ready(proc, started + START_TIMEOUT_S)
    except RuntimeError as e:
        _stop(proc)
        stderr = (work / "miniyarn.stderr").read_text(errors="replace")[-3000:]
        pytest.fail(f"the mini YARN cluster did not start: {e}\n{stderr}", pytrace=False)
    cluster = YarnCluster(conf_dir=conf_dir, rm_url=f"http://{address}", work_dir=work, java_home=java_home,
                          pid=proc.pid, start_seconds=time.monotonic() - started,
                          rss_mib_at_start=_rss_mib(proc.pid), log=log)
    status, info = cluster.get("/ws/v1/cluster/info")
    if status != 200 or (info or {}).get("clusterInfo", {}).get("state") != "STARTED":
        _stop(proc)
        pytest.fail(f"the mini YARN cluster's RM REST API answered {status}: {info}", pytrace=False)
    try:
        yield cluster
    finally:
        peak = _rss_mib(proc.pid, "VmHWM")
        stop_started = time.monotonic()
        _stop(proc)
        stop_seconds = time.monotonic() - stop_started
        left = processes_under(base)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        MEASUREMENTS.append(
            f"mini YARN cluster: ready in {cluster.start_seconds:.1f} s, RSS {cluster.rss_mib_at_start:.0f} MiB "
            f"at start, peak {peak:.0f} MiB; stopped in {stop_seconds:.1f} s")
        if left:
            pytest.fail(f"processes of the mini YARN cluster left running after it stopped: {left}", pytrace=False)


def pytest_terminal_summary(terminalreporter):
    for line in MEASUREMENTS:
        terminalreporter.write_line(line)
