"""Whole results (livyd extension, docs/rest-api.md "Whole results"): a session with the conf
livy.results.spill=true keeps the whole result of a statement whose inline output is capped
or cut, on disk beside the session, and GET /sessions/{id}/statements/{sid}/result serves it
by pages (JSON) or whole (JSON lines, CSV, Arrow IPC stream), read back here with pyarrow.

One livyd of this module's own (its quota is small enough for the over-quota case) and one
real pyspark session: 1,000,000 rows of a DataFrame travel through the driver channel, are
paged through and downloaded, and every row is checked.
"""
from __future__ import annotations

import csv
import datetime
import io
import json
import math
import os
import time
from pathlib import Path

import pyarrow as pa
import pytest

from livyd_testlib import running_livyd

ROWS = 1_000_000
PAGE = 10_000          # statements.result-page-max-rows (the default)
QUOTA = 64 << 20       # sessions.results-quota-bytes: one 1M-row result (about 38 MB) fits, two do not
WHOLE = "application/vnd.livyd.result.v1+json"
QUERY = ("SELECT id, concat('r', id) AS name, CAST(id AS DOUBLE) / 2 AS half, id % 3 = 0 AS three, "
         "IF(id % 7 = 0, NULL, id * 2) AS twice FROM range(" + str(ROWS) + ")")
COLUMNS = [("id", "int64"), ("name", "string"), ("half", "float64"), ("three", "bool"), ("twice", "int64")]


def expected(i: int) -> list:
    return [i, f"r{i}", i / 2, i % 3 == 0, None if i % 7 == 0 else i * 2]


@pytest.fixture(scope="module")
def livyd(livyd_bin, spark_home, tmp_path_factory):
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd-results")))
    settings = {"spark.master": "local[2]", "sessions.results-quota-bytes": str(QUOTA)}
    with running_livyd(livyd_bin, spark_home, work, settings) as client:
        yield client


@pytest.fixture(scope="module")
def session(livyd):
    s = livyd.post_json("/sessions", {"kind": "pyspark", "conf": {"livy.results.spill": "true"}})
    livyd.wait_session_state(s["id"], {"idle"}, timeout=180)
    return s["id"]


@pytest.fixture(scope="module")
def big(livyd, session):
    """The 1M-row SQL statement, run once: (statement id, its output data, seconds it took)."""
    started = time.monotonic()
    st = livyd.post_statement(session, QUERY, kind="sql")
    done = livyd.wait_statement(session, st["id"], timeout=300)
    assert done["state"] == "available" and done["output"]["status"] == "ok", json.dumps(done)[:2000]
    return st["id"], done["output"]["data"], time.monotonic() - started


def result_url(session, statement):
    return f"/sessions/{session}/statements/{statement}/result"


def test_inline_output_is_livys_and_notes_the_whole_result(big, session):
    sid, data, _ = big
    inline = data["application/json"]
    assert len(inline["data"]) == 1000  # spark.livy.sql.max-result: what Livy's clients get, unchanged
    assert [f["name"] for f in inline["schema"]["fields"]] == [c for c, _ in COLUMNS]
    assert data[WHOLE] == {"rows": ROWS, "complete": True, "href": result_url(session, sid)}


def test_every_row_reads_back_through_the_pages(livyd, big, session):
    sid, _, took = big
    started = time.monotonic()
    offset = 0
    while offset < ROWS:
        page = livyd.get_json(result_url(session, sid), params={"offset": offset, "limit": PAGE})
        if offset == 0:
            assert [(c["name"], c["type"]) for c in page["columns"]] == COLUMNS
            assert page["total"] == ROWS and page["complete"] is True
        assert page["offset"] == offset
        rows = page["rows"]
        assert len(rows) == min(PAGE, ROWS - offset)
        for k, row in enumerate(rows):
            assert row == expected(offset + k), f"row {offset + k}"
        offset += len(rows)
    paged = time.monotonic() - started
    print(f"\n1M rows: statement {took:.1f} s (Spark, driver, channel, disk); paged back in {paged:.1f} s")
    # Past the end: an empty page, not an error.
    assert livyd.get_json(result_url(session, sid), params={"offset": ROWS})["rows"] == []


def test_csv_download_holds_every_row(livyd, big, session):
    sid, _, _ = big
    resp = livyd.get(result_url(session, sid), params={"format": "csv"}, stream=True, timeout=120)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    resp.raw.decode_content = True
    # csv reads the records itself (CRLF, quoted newlines): iter_lines may split a CRLF in two.
    reader = csv.reader(io.TextIOWrapper(resp.raw, encoding="utf-8", newline=""))
    assert next(reader) == [c for c, _ in COLUMNS]
    n = 0
    for n, record in enumerate(reader):
        want = expected(n)
        got = [int(record[0]), record[1], float(record[2]), record[3] == "true",
               None if record[4] == "" else int(record[4])]
        assert got == want, f"row {n}"
        assert record[3] in ("true", "false")
    assert n == ROWS - 1


def test_arrow_download_reads_back_with_pyarrow(livyd, big, session):
    sid, _, _ = big
    resp = livyd.get(result_url(session, sid), headers={"Accept": "application/vnd.apache.arrow.stream"},
                     timeout=120)
    assert resp.status_code == 200, resp.text[:500]
    assert resp.headers["Content-Type"] == "application/vnd.apache.arrow.stream"
    table = pa.ipc.open_stream(pa.BufferReader(resp.content)).read_all()
    assert table.schema.names == [c for c, _ in COLUMNS]
    assert [str(t) for t in table.schema.types] == ["int64", "string", "double", "bool", "int64"]
    assert table.num_rows == ROWS
    columns = table.to_pydict()
    for i in range(ROWS):
        assert [columns[c][i] for c, _ in COLUMNS] == expected(i), f"row {i}"
    assert table.column("twice").null_count == len(range(0, ROWS, 7))


def test_jsonl_download_is_one_array_per_row(livyd, big, session):
    sid, _, _ = big
    resp = livyd.get(result_url(session, sid), params={"format": "jsonl"}, stream=True, timeout=120)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/jsonl"
    count = 0
    for count, line in enumerate(resp.iter_lines()):
        if count % 99_991 == 0:  # a sample: the pages and the other formats check every row
            assert json.loads(line) == expected(count)
    assert count == ROWS - 1


EDGE = """import datetime
from pyspark.sql import functions as F
edge = spark.range(1500).select(
    F.col('id'),
    F.when(F.col('id') % 2 == 0, F.lit(float('nan'))).otherwise(F.col('id') / 4).alias('f'),
    F.concat(F.lit('\u00e9"\\n,'), F.col('id').cast('string')).alias('s'),
    F.lit(None).alias('n'),
    F.date_add(F.lit(datetime.date(2024, 1, 1)), F.col('id').cast('int')).alias('d'))
%table edge"""


def test_a_table_of_every_column_type_reads_back_with_pyarrow(livyd, session):
    st = livyd.run(session, EDGE, timeout=180)
    assert st["state"] == "available" and st["output"]["status"] == "ok", json.dumps(st)[:2000]
    data = st["output"]["data"]
    assert len(data["application/vnd.livy.table.v1+json"]["data"]) == 1000  # inline: spark.livy.sql.max-result
    assert data[WHOLE]["rows"] == 1500 and data[WHOLE]["complete"] is True
    page = livyd.get_json(result_url(session, st["id"]), params={"limit": 1})
    assert [(c["name"], c["type"], c["sourceType"]) for c in page["columns"]] == [
        ("id", "int64", "bigint"), ("f", "float64", "double"), ("s", "string", "string"), ("n", "null", "void"),
        ("d", "string", "date")]
    resp = livyd.get(result_url(session, st["id"]), params={"format": "arrow"})
    table = pa.ipc.open_stream(pa.BufferReader(resp.content)).read_all()
    table.validate(full=True)
    assert [str(t) for t in table.schema.types] == ["int64", "double", "string", "null", "string"]
    cols = table.to_pydict()
    first = datetime.date(2024, 1, 1)
    for i in range(1500):
        assert cols["id"][i] == i
        assert math.isnan(cols["f"][i]) if i % 2 == 0 else cols["f"][i] == i / 4
        assert cols["s"][i] == '\u00e9"\n,%d' % i
        assert cols["n"][i] is None
        assert cols["d"][i] == (first + datetime.timedelta(days=i)).isoformat()


def test_bad_requests_get_json_errors(livyd, big, session):
    sid, _, _ = big
    url = result_url(session, sid)
    for params, status in [({"format": "xml"}, 400), ({"limit": PAGE + 1}, 400), ({"offset": -1}, 400),
                           ({"limit": "ten"}, 400), ({"format": "csv", "offset": 5}, 400)]:
        resp = livyd.get(url, params=params)
        assert resp.status_code == status, (params, resp.text)
        assert "msg" in resp.json()
    resp = livyd.get(url, headers={"Accept": "text/html"})
    assert resp.status_code == 406 and "msg" in resp.json()
    resp = livyd.get(result_url(session, 9999))
    assert resp.status_code == 404 and "msg" in resp.json()


def test_text_over_the_output_limit_is_kept_line_by_line(livyd, session):
    lines = 600_000  # about 6.9 MB of text: over statements.max-output-bytes (4 MiB)
    st = livyd.run(session, f"print('\\n'.join('line %d' % i for i in range({lines})))", timeout=180)
    data = st["output"]["data"]
    assert "output truncated" in data["text/plain"]  # the inline output is cut, as without the opt-in
    assert data[WHOLE]["rows"] == lines and data[WHOLE]["complete"] is True
    page = livyd.get_json(result_url(session, st["id"]), params={"offset": lines - 2, "limit": 5})
    assert page["columns"] == [{"name": "text", "type": "string", "sourceType": "text/plain"}]
    assert page["rows"] == [[f"line {lines - 2}"], [f"line {lines - 1}"]]


def test_a_result_over_the_quota_is_kept_up_to_it_and_says_so(livyd, big, session):
    # The 1M-row result and the text hold about 46 MB of the session's 64 MiB: a second one does not fit.
    st = livyd.run(session, QUERY, kind="sql", timeout=300)
    note = st["output"]["data"][WHOLE]
    assert note["complete"] is False and "sessions.results-quota-bytes" in note["reason"]
    assert 0 < note["rows"] < ROWS
    resp = livyd.get(result_url(session, st["id"]), params={"offset": note["rows"] - 1})
    assert resp.headers["X-Livyd-Result-Complete"] == "false"
    page = resp.json()
    assert page["complete"] is False and page["total"] == note["rows"]
    assert page["rows"] == [expected(note["rows"] - 1)]


def test_without_the_opt_in_nothing_changes(livyd):
    s = livyd.post_json("/sessions", {"kind": "sql"})
    livyd.wait_session_state(s["id"], {"idle"}, timeout=180)
    st = livyd.run(s["id"], "SELECT id FROM range(5000)", timeout=120)
    data = st["output"]["data"]
    assert list(data) == ["application/json"] and len(data["application/json"]["data"]) == 1000
    assert livyd.get(result_url(s["id"], st["id"])).status_code == 404
    livyd.delete_json(f"/sessions/{s['id']}")


def test_files_are_removed_with_the_session(livyd, big, session):
    results = livyd.data_dir / "sessions" / str(session) / "results"
    assert (results / str(big[0]) / "rows.jsonl").exists()
    livyd.delete_json(f"/sessions/{session}")
    assert not results.exists()
