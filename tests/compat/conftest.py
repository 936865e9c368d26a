"""Fixtures for the compatibility tests: real, unmodified Livy clients from PyPI
(see scripts/requirements-test.txt) talking to a real livyd running local Spark.

The server is started with the integration tests' helpers (tests/integration/
livyd_testlib.py). Environment: LIVYD_BIN (required), SPARK_HOME (default: the
pyspark package in .venv).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from livyd_testlib import (  # noqa: E402  (needs the path above)
    SetupError,
    livyd_bin_from_env,
    running_livyd,
    spark_home_from_env,
)


@pytest.fixture(scope="session")
def livyd(tmp_path_factory):
    """One livyd for the compat tests; yields a LivydClient (its base_url is what a client
    is given). At the end livyd must stop cleanly and leave no marked process behind."""
    try:
        livyd_bin, spark_home = livyd_bin_from_env(), spark_home_from_env()
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd-compat")))
    with running_livyd(livyd_bin, spark_home, work, {"spark.master": "local[2]"}) as client:
        yield client
