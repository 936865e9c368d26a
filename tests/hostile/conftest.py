"""One livyd for the hostile-client tests (issue 9), with its own settings: a
short head deadline and few workers, so the tests stay short and prove that
dawdling and flooding clients hold no worker thread.

Environment: LIVYD_BIN, SPARK_HOME (set by the ctest runner).
"""
from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from livyd_testlib import SetupError, livyd_bin_from_env, running_livyd, spark_home_from_env  # noqa: E402

HEAD_TIMEOUT_S = 2
WORKERS = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def livyd(tmp_path_factory):
    try:
        livyd_bin, spark_home = livyd_bin_from_env(), spark_home_from_env()
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)
    work = Path(os.path.realpath(tmp_path_factory.mktemp("hostile")))
    settings = {
        "spark.master": "local[1]",
        "server.threads": str(WORKERS),
        "server.request-head-timeout": f"{HEAD_TIMEOUT_S}s",
        "sessions.driver-port": str(free_port()),
    }
    with running_livyd(livyd_bin, spark_home, work, settings) as client:
        client.driver_port = int(settings["sessions.driver-port"])
        yield client
