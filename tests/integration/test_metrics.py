"""GET /metrics of a real livyd on real Spark, read with Prometheus' own text-format parser
(prometheus_client.parser), checked against what this test did: a pyspark session created,
statements run in it (pyspark and sql), the session deleted, a batch run and deleted.

Counters and histogram counts are compared as deltas between two scrapes, and must move by
exactly what this test sent (every request it makes is counted by a hook on its HTTP
session, by route template, method and status). Gauges that other tests' leftovers can move
(finished sessions and batches leaving the table after state-retain, background batches
ending) are compared with what the REST API lists at the same moment.
"""
from __future__ import annotations

import collections
import time

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from livyd_testlib import BATCH_FIXTURES, REPO_ROOT, LivydClient, new_marker, wait_until

START_TIMEOUT = 120.0  # a session start on a busy 2-core machine
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def spec_templates() -> list[list[str]]:
    with open(REPO_ROOT / "docs" / "openapi.yaml", encoding="utf-8") as f:
        return [p.strip("/").split("/") for p in yaml.safe_load(f)["paths"]]


TEMPLATES = spec_templates()


def template_of(path: str) -> str:
    """The route template of a request path, worked out here independently of livyd's."""
    segments = [s for s in path.split("?")[0].split("/") if s]
    best = None
    for t in TEMPLATES:
        t = [s for s in t if s]
        if len(t) != len(segments):
            continue
        if all(p == s or (p.startswith("{") and p.endswith("}")) for p, s in zip(t, segments)):
            literals = sum(not p.startswith("{") for p in t)
            if best is None or literals > best[0]:
                best = (literals, "/" + "/".join(t))
    return best[1] if best else "other"


class Sent:
    """Every request the test's HTTP session sends, counted as livyd should count it."""

    def __init__(self, livyd: LivydClient):
        self.requests: collections.Counter = collections.Counter()  # (route, method, status)
        self.livyd = livyd

    def hook(self, resp, *args, **kwargs):
        req = resp.request
        path = req.path_url
        self.requests[(template_of(path), req.method, str(resp.status_code))] += 1


@pytest.fixture
def sent(livyd: LivydClient):
    counter = Sent(livyd)
    livyd.http.hooks["response"].append(counter.hook)
    try:
        yield counter
    finally:
        livyd.http.hooks["response"].remove(counter.hook)


class Scrape:
    """One GET /metrics, parsed by prometheus_client: sample name and labels -> value."""

    def __init__(self, livyd: LivydClient):
        resp = livyd.get("/metrics")
        assert resp.status_code == 200, resp.text[:500]
        assert resp.headers["Content-Type"] == CONTENT_TYPE
        self.families = {f.name: f for f in text_string_to_metric_families(resp.text)}
        self.samples: dict[tuple, float] = {}
        for family in self.families.values():
            for s in family.samples:
                key = (s.name, frozenset(s.labels.items()))
                assert key not in self.samples, f"series {key} appears twice"
                self.samples[key] = s.value

    def value(self, name: str, **labels) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def series(self, name: str) -> dict[frozenset, float]:
        return {labels: v for (n, labels), v in self.samples.items() if n == name}

    def by(self, name: str, label: str) -> dict[str, float]:
        out: dict[str, float] = collections.Counter()
        for labels, v in self.series(name).items():
            out[dict(labels)[label]] += v
        return dict(out)


def deltas(before: Scrape, after: Scrape, name: str) -> dict[frozenset, float]:
    keys = set(before.series(name)) | set(after.series(name))
    out = {k: after.samples.get((name, k), 0.0) - before.samples.get((name, k), 0.0) for k in keys}
    return {k: v for k, v in out.items() if v != 0}


def agree_with_rest(livyd: LivydClient, name: str, path: str) -> None:
    """livyd_sessions / livyd_batches by state equal what GET /sessions or /batches lists: read
    between two scrapes that agree (background batches may change state meanwhile)."""
    for _ in range(10):
        first = Scrape(livyd).by(name, "state")
        listed = livyd.get_json(path, params={"size": 10000})
        second = Scrape(livyd).by(name, "state")
        if first == second:
            counts = collections.Counter(item["state"] for item in listed["sessions"])  # Livy names both lists so
            assert {s: v for s, v in first.items() if v} == dict(counts), (name, first, listed)
            assert listed["total"] == sum(first.values())
            return
        time.sleep(0.5)
    pytest.fail(f"{name} kept changing")


def test_families_follow_prometheus_conventions(livyd):
    scrape = Scrape(livyd)
    for name, family in scrape.families.items():
        assert name.startswith(("livyd_", "process_")), name
        if family.type == "counter":
            assert all(s.name.endswith("_total") for s in family.samples), name
        if family.type == "histogram":
            assert name.endswith("_seconds"), name
            for labels in {frozenset((k, v) for k, v in s.labels.items() if k != "le") for s in family.samples}:
                buckets = sorted(((float(s.labels["le"]), s.value) for s in family.samples
                                  if s.name == name + "_bucket"
                                  and frozenset((k, v) for k, v in s.labels.items() if k != "le") == labels))
                assert buckets[-1][0] == float("inf")
                assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), (name, "cumulative")
                assert scrape.samples[(name + "_count", labels)] == buckets[-1][1]
    for name in ("process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds",
                 "livyd_process_threads"):
        assert scrape.value(name) > 0, name
    pid = livyd.process.pid
    with open(f"/proc/{pid}/status") as f:
        threads = int(next(line for line in f if line.startswith("Threads:")).split()[1])
    assert abs(scrape.value("livyd_process_threads") - threads) <= 8  # idle workers come and go


def test_metrics_move_by_what_the_test_did(livyd, sent):
    before = Scrape(livyd)

    # A session: created, idle, statements, deleted.
    created_at = time.monotonic()
    session = livyd.post_json("/sessions", {"kind": "pyspark", "name": new_marker("metrics")})
    sid = session["id"]
    livyd.markers.append(session["name"])
    livyd.wait_session_state(sid, "idle", timeout=START_TIMEOUT)
    start_bound = time.monotonic() - created_at
    statements = [("pyspark", "1 + 1"), ("pyspark", "sum(range(10))"), ("pyspark", "len('abc')"),
                  ("sql", "SELECT 1 AS one")]
    run_started = time.monotonic()
    for kind, code in statements:
        st = livyd.run(sid, code, kind=kind)
        assert st["state"] == "available", st
    run_bound = time.monotonic() - run_started

    during = Scrape(livyd)
    agree_with_rest(livyd, "livyd_sessions", "/sessions")
    assert during.value("livyd_statements", state="available", kind="pyspark") >= 3
    assert during.value("livyd_statements", state="available", kind="sql") >= 1
    assert during.value("livyd_child_processes") >= 1
    assert during.value("livyd_child_processes") <= before.value("livyd_child_processes") + 1
    assert during.value("livyd_driver_connections") >= 1

    livyd.delete_json(f"/sessions/{sid}")
    wait_until(lambda: livyd.get(f"/sessions/{sid}").status_code == 404, timeout=30, what="session gone")

    # A batch: run to its end, deleted.
    marker = new_marker("metrics-batch")
    livyd.markers.append(marker)
    batch = livyd.post_json("/batches", {"file": str(BATCH_FIXTURES / "pi.py"), "args": ["1000", "0", marker]})
    assert livyd.wait_terminal(batch["id"]) == "success"
    agree_with_rest(livyd, "livyd_batches", "/batches")
    livyd.delete_json(f"/batches/{batch['id']}")

    after = Scrape(livyd)

    # HTTP requests: exactly what was sent, by route template, method and status. A request is
    # counted once answered: `before` is in `after`, `after` is not in itself.
    expected = collections.Counter(sent.requests)
    expected[("/metrics", "GET", "200")] -= 1
    got = {tuple(dict(k)[l] for l in ("route", "method", "status")): v
           for k, v in deltas(before, after, "livyd_http_requests_total").items()}
    assert got == {k: float(v) for k, v in expected.items() if v}, (got, expected)
    latency = {tuple(dict(k)[l] for l in ("route", "method")): v
               for k, v in deltas(before, after, "livyd_http_request_duration_seconds_count").items()}
    by_route_method = collections.Counter()
    for (route, method, _), v in expected.items():
        by_route_method[(route, method)] += v
    assert latency == {k: float(v) for k, v in by_route_method.items() if v}
    assert "/sessions/{id}/statements/{sid}" in {r for r, _, _ in expected}

    # Latency histograms: one session start, each statement once, under what this test waited.
    assert after.value("livyd_session_start_duration_seconds_count") - \
        before.value("livyd_session_start_duration_seconds_count") == 1
    started = after.value("livyd_session_start_duration_seconds_sum") - \
        before.value("livyd_session_start_duration_seconds_sum")
    assert 0 < started <= start_bound + 0.5
    for kind, n in (("pyspark", 3), ("sql", 1)):
        assert after.value("livyd_statement_duration_seconds_count", kind=kind) - \
            before.value("livyd_statement_duration_seconds_count", kind=kind) == n, kind
    took = sum(after.value("livyd_statement_duration_seconds_sum", kind=k) -
               before.value("livyd_statement_duration_seconds_sum", kind=k) for k in ("pyspark", "sql"))
    assert 0 < took <= run_bound + 0.5

    # The driver channel: one new driver, nothing resumed, nothing broken.
    assert after.value("livyd_driver_connects_total") - before.value("livyd_driver_connects_total") == 1
    assert after.value("livyd_driver_reconnects_total") == before.value("livyd_driver_reconnects_total")
    assert deltas(before, after, "livyd_driver_protocol_errors_total") == {}
    assert after.value("livyd_driver_channel_connections_total") - \
        before.value("livyd_driver_channel_connections_total") == 1

    # The store: the session's, the statements' and the batch's creates were synced writes.
    assert after.value("livyd_store_write_duration_seconds_count", durability="synced") - \
        before.value("livyd_store_write_duration_seconds_count", durability="synced") >= 2 + len(statements)

    # The deleted session and batch are out of the gauges; their processes are gone.
    assert after.value("livyd_child_processes") <= during.value("livyd_child_processes") - 1
    agree_with_rest(livyd, "livyd_sessions", "/sessions")
