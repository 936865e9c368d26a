"""Fixtures for the tests on real clusters (tests/clusters): a Spark standalone
master and worker (standalone.py) and a mini YARN cluster (yarn_cluster.py). Each
cluster's fixtures live in a module of their own; this file only imports them.

Environment (set by ctest's integration.clusters.* entries):
  LIVYD_BIN        the livyd binary (required)
  SPARK_HOME       the Spark of the clusters and of livyd (default: the pyspark in .venv)
  LIVY_UNIT_TESTS  the unit test binary, for its live tests against these clusters
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))  # livyd_testlib

from standalone import (  # noqa: E402,F401  (fixtures)
    cluster_job_jar,
    standalone_cluster,
    standalone_cluster_livyd,
    standalone_jobs_dir,
    standalone_livyd,
)
from yarn_cluster import pytest_terminal_summary, yarn_cluster  # noqa: E402,F401  (fixture and hook)
