"""Fixtures for the tests on real cluster managers (tests/clusters): the mini YARN
cluster comes from yarn_cluster.py."""
from yarn_cluster import pytest_terminal_summary, yarn_cluster  # noqa: F401  (fixtures and hook)
