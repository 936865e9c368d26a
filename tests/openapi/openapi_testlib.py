"""Helpers of the OpenAPI tests: where the spec is, livyd_testlib from tests/integration
(how livyd is started and stopped for tests), and a stand-in Spark home."""
from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "docs" / "openapi.yaml"

if str(REPO_ROOT / "tests" / "integration") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "tests" / "integration"))


def make_fake_spark_home(root: Path) -> Path:
    """A stand-in Spark distribution: bin/spark-submit sleeps 1 s and exits 1.

    These tests are about the HTTP layer, not Spark: a batch or session created
    against it is a real child process of livyd that fails fast (batch `dead`,
    session `error`), without starting a JVM. Its path is unique, so it also marks
    the processes it runs (see livyd_testlib.reap_marked_processes)."""
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True)
    submit = bin_dir / "spark-submit"
    submit.write_text("#!/bin/sh\n# fake spark-submit of tests/openapi\nsleep 1\nexit 1\n")
    submit.chmod(0o755)
    return root
