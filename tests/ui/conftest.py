"""Fixtures of the web UI's tests: one livyd, one real pyspark session, one real batch, and a
headless Chromium (Debian's `chromium`) driven by Playwright for Python.

The livyd starts on a store that already holds SEEDED finished batches: a first short run of
livyd writes one real batch record, which is then copied SEEDED times in its SQLite store
before the livyd of the tests starts on it and recovers them all. That is how a server with
10,000 finished batches looks, without running 10,000 spark-submits.

Environment:
  LIVYD_BIN            the livyd binary (set by ctest)
  SPARK_HOME           the Spark of the session and the batch (set by ctest)
  CHROMIUM             the browser (default /usr/bin/chromium)
  LIVYD_UI_SCREENSHOTS a directory: the tests save the main pages there as PNG (docs/ui/)
"""
from __future__ import annotations

import os
import sqlite3
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from livyd_testlib import (  # noqa: E402
    BATCH_FIXTURES,
    FIXTURES_DIR,
    SetupError,
    livyd_bin_from_env,
    new_marker,
    running_livyd,
    spark_home_from_env,
    start_livyd,
    stop_livyd,
)

SEEDED = 10_000
SEED_OWNERS = ("alice", "bob", "carol")
SEED_STATES = ("success", "dead", "killed", "error")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Shown by the pages as text; the XSS test checks that none of it runs or becomes markup.
# (A name may not hold '/': no closing tag.)
HOSTILE_NAME = "<img src=x onerror=\"window.__xss='img'\"><svg onload=\"window.__xss='svg'\"><script>window.__xss='s'"


def seeded_owner(i: int) -> str:
    return SEED_OWNERS[i % len(SEED_OWNERS)]


def seeded_state(i: int) -> str:
    return SEED_STATES[i % len(SEED_STATES)]


def _settings() -> dict[str, str]:
    return {
        "spark.master": "local[2]",
        "files.local-dir-whitelist": os.path.realpath(FIXTURES_DIR),
        "batches.kill-grace": "2s",
        # The pages must send X-Requested-By on every POST and DELETE.
        "server.csrf-protection": "true",
        "sessions.state-retain": "1h",
    }


def _seed(db: Path, count: int) -> tuple[int, int]:
    """Copies the store's one batch `count` times as finished batches of various owners and
    states; returns the first and last new id."""
    con = sqlite3.connect(db)
    try:
        cols = [row[1] for row in con.execute("PRAGMA table_info(batches)")]
        template = con.execute("SELECT * FROM batches ORDER BY id LIMIT 1").fetchone()
        assert template is not None, "the first livyd stored no batch"
        base = con.execute("SELECT MAX(id) FROM batches").fetchone()[0] + 1
        now_ms = int(time.time() * 1000)
        rows = []
        for i in range(count):
            row = dict(zip(cols, template))
            row.update(id=base + i, name=None, owner=seeded_owner(i), proxy_user=None, state=seeded_state(i),
                       pid=0, app_id=f"local-{1_700_000_000_000 + i}", spark_ui_url=None,
                       created_ms=now_ms - 1000, ended_ms=now_ms, forgotten=0)
            for optional in ("pid_identity", "cluster_tag"):
                if optional in row:
                    row[optional] = ""
            if "driver_log_url" in row:
                row["driver_log_url"] = None
            rows.append(tuple(row[c] for c in cols))
        con.executemany(f"INSERT INTO batches ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
        con.execute("UPDATE counters SET next_id = ? WHERE kind = 'batch'", (base + count,))
        con.commit()
        return base, base + count - 1
    finally:
        con.close()


@pytest.fixture(scope="session")
def livyd(tmp_path_factory):
    """The one livyd of these tests, with SEEDED finished batches recovered from its store."""
    try:
        livyd_bin, spark_home = livyd_bin_from_env(), spark_home_from_env()
    except SetupError as e:
        pytest.fail(str(e), pytrace=False)
    work = Path(os.path.realpath(tmp_path_factory.mktemp("ui")))
    first = start_livyd(livyd_bin, spark_home, work, _settings())
    first.http.headers["X-Requested-By"] = "tests/ui"
    try:
        marker = new_marker("ui-seed")
        first.markers.append(marker)
        seed = first.post_json("/batches", {"file": str(BATCH_FIXTURES / "nap.py"), "args": [marker]},
                               expect=201)
        first.delete_json(f"/batches/{seed['id']}")
    finally:
        problems = stop_livyd(first)
    assert not problems, problems
    seeded = _seed(work / "data" / "livyd.db", SEEDED)
    with running_livyd(livyd_bin, spark_home, work, _settings()) as client:
        client.http.headers["X-Requested-By"] = "tests/ui"
        client.seeded = seeded
        yield client


@pytest.fixture(scope="session")
def session_id(livyd) -> int:
    """One real pyspark session, started at once and shared; tests wait for it to be idle."""
    return livyd.post_json("/sessions", {"kind": "pyspark", "name": "notebook"}, expect=201)["id"]


@pytest.fixture(scope="session")
def sleeping_batch(livyd) -> int:
    """A real batch that runs until it is killed."""
    marker = new_marker("ui-sleep")
    livyd.markers.append(marker)
    body = livyd.post_json("/batches", {"file": str(BATCH_FIXTURES / "sleep.py"), "args": [marker],
                                        "name": f"nightly-etl-{uuid.uuid4().hex[:6]}"}, expect=201)
    return body["id"]


@pytest.fixture(scope="session")
def playwright():
    """Playwright's driver, once for the run (its sync API runs one at a time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def launch_chromium(playwright, profile: Path, **options):
    """Headless Chromium from Debian with a fresh profile: never Playwright's own browsers."""
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        pytest.fail(f"{chromium} is not there: apt-get install chromium (scripts/bootstrap does)", pytrace=False)
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 860}, **options)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture(scope="session")
def browser_context(playwright, tmp_path_factory):
    context = launch_chromium(playwright, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield context
    finally:
        context.close()


class Watched:
    """A page whose script errors, console messages and dialogs are recorded."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.console: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def problems(self) -> list[str]:
        """Script errors, failed loads and CSP refusals: a page of the UI has none."""
        return self.errors + [c for c in self.console if c.startswith("error")] + self.dialogs


@pytest.fixture
def page(browser_context):
    """A fresh tab; the test fails if the page had a script error, a console error or a dialog."""
    tab = browser_context.new_page()
    watched = Watched(tab)
    yield watched
    problems = watched.problems()
    tab.close()
    assert not problems, f"the page reported problems: {problems}"


@pytest.fixture(scope="session")
def screenshots() -> Path | None:
    value = os.environ.get("LIVYD_UI_SCREENSHOTS")
    if not value:
        return None
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path
