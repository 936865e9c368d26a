"""Fixtures of the OpenAPI tests (helpers are in openapi_testlib.py).

Environment (set by ctest):
  LIVYD_BIN   path of the livyd binary (for the tests that start a livyd)
"""
from __future__ import annotations

from pathlib import Path

import pytest

import openapi_testlib  # noqa: F401  (puts tests/integration on sys.path)
from livyd_testlib import SetupError, livyd_bin_from_env


@pytest.fixture(scope="session")
def livyd_bin() -> Path:
    try:
        return livyd_bin_from_env()
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)
