"""The driver's whole results (lib/drivers/python/livy_results.py; docs/driver-protocol.md,
"Whole results"), against the stand-in for livyd: what it sends, the window of
unacknowledged chunks it keeps to, and a `stop` ending the stream early."""
from __future__ import annotations

import time

import pytest

from test_python_driver import start_driver, stop_driver

ROWS = 50_000


@pytest.fixture(scope="module")
def spilling(tmp_path_factory):
    session = start_driver(tmp_path_factory.mktemp("spill"), "spill", {"spark.livy.sql.max-result": "10"},
                           results="spill")
    yield session
    stop_driver(session)


def read_stream(session, statement_id, ack=True, timeout=120.0):
    """Reads result-begin, the result-rows (acknowledging each when `ack`) and result-end."""
    channel = session.channel
    begin, seen = channel.wait_for(lambda m: m.get("type") in ("result-begin", "result"), timeout, "result-begin")
    assert begin["type"] == "result-begin" and begin["id"] == statement_id, begin
    session.consumed.setdefault(statement_id, []).extend(seen)  # started, progress: for session.result()
    chunks = []
    while True:
        msg = channel.next(timeout)
        if msg.get("type") == "progress":
            session.consumed[statement_id].append(msg)
            continue
        if msg["type"] == "result-end":
            return begin, chunks, msg
        assert msg["type"] == "result-rows" and msg["id"] == statement_id, msg
        assert msg["seq"] == len(chunks), msg
        chunks.append(msg)
        if ack:
            channel.send({"type": "result-ack", "id": statement_id, "seq": msg["seq"], "stop": False})


def test_a_capped_sql_result_is_sent_whole_before_its_capped_result(spilling):
    sid = spilling.submit(
        "SELECT id, CAST(id AS DOUBLE) / 2 AS half, concat('r', id) AS name, id % 2 = 0 AS even, "
        "CAST(NULL AS STRING) AS nothing, date_add(DATE'2024-01-01', CAST(id % 5 AS INT)) AS day "
        "FROM range(" + str(ROWS) + ")", "sql")
    begin, chunks, end = read_stream(spilling, sid)
    assert begin["columns"] == [
        {"name": "id", "type": "int64", "sourceType": "bigint"},
        {"name": "half", "type": "float64", "sourceType": "double"},
        {"name": "name", "type": "string", "sourceType": "string"},
        {"name": "even", "type": "bool", "sourceType": "boolean"},
        {"name": "nothing", "type": "string", "sourceType": "string"},
        {"name": "day", "type": "string", "sourceType": "date"}]
    rows = [row for chunk in chunks for row in chunk["rows"]]
    assert len(rows) == ROWS
    for i, row in enumerate(rows):
        assert row == [i, i / 2, "r%d" % i, i % 2 == 0, None, "2024-01-0%d" % (1 + i % 5)], i
    assert len(chunks) > 1  # chunked, not one line
    assert end == {"type": "result-end", "id": sid, "complete": True}
    msg, _ = spilling.result(sid)
    assert len(msg["output"]["data"]["application/json"]["data"]) == 10  # the inline result, capped as ever


def test_the_driver_waits_for_acknowledgements_and_stops_when_told(spilling):
    sid = spilling.submit("SELECT id, repeat('x', 200) AS pad FROM range(%d)" % ROWS, "sql")
    channel = spilling.channel
    _, seen = channel.wait_for(lambda m: m.get("type") == "result-begin", 120, "result-begin")
    spilling.consumed.setdefault(sid, []).extend(seen)

    def rows_message(timeout):
        while True:
            msg = channel.next(timeout)
            if msg["type"] != "progress":
                return msg
            spilling.consumed[sid].append(msg)

    # Unacknowledged, the driver stops after its window of 4 chunks.
    sent = [rows_message(60) for _ in range(4)]
    assert [(m["type"], m["seq"]) for m in sent] == [("result-rows", k) for k in range(4)]
    time.sleep(2)
    while not channel.messages.empty():
        msg = channel.messages.get()
        assert msg["type"] == "progress", "the driver sent more than its window without acknowledgements: %r" % msg
        spilling.consumed[sid].append(msg)
    channel.send({"type": "result-ack", "id": sid, "seq": 0, "stop": False})
    fifth = rows_message(30)
    assert fifth["type"] == "result-rows" and fifth["seq"] == 4, fifth
    channel.send({"type": "result-ack", "id": sid, "seq": 1, "stop": True})
    end = rows_message(30)
    assert end["type"] == "result-end", end
    assert end["complete"] is False and "quota" in end["error"], end
    msg, _ = spilling.result(sid)
    assert msg["output"]["status"] == "ok"


def test_small_outputs_send_nothing_more(spilling):
    sid = spilling.submit("SELECT 1 AS one", "sql")
    msg, seen = spilling.result(sid)
    assert msg["output"]["data"]["application/json"]["data"] == [[1]]
