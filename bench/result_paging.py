#!/usr/bin/env python3
"""Whole-result throughput of a running livyd (bench/README.md, "Whole results").

Creates a pyspark session with livy.results.spill=true, runs a SQL statement of N rows
(spark.range with four computed columns), then reads its whole result back through
GET /sessions/{id}/statements/{sid}/result:
  - by pages of --page rows (JSON), one request after another: rows/s and bytes/s;
  - whole, as JSON lines, CSV and an Arrow IPC stream: rows/s and bytes/s of each download.
It prints the time the statement took (Spark, the driver's chunks, livyd's disk) too, and
deletes the session at the end.

    bench/result_paging.py http://127.0.0.1:8998 [--rows 1000000] [--page 10000]
"""
import argparse
import sys
import time

import requests

QUERY = ("SELECT id, concat('r', id) AS name, CAST(id AS DOUBLE) / 2 AS half, id % 3 = 0 AS three, "
         "IF(id % 7 = 0, NULL, id * 2) AS twice FROM range({rows})")


def wait(fetch, done, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            sys.exit(f"{what}: still {value} after {timeout} s")
        time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--page", type=int, default=10_000, help="rows per page (<= statements.result-page-max-rows)")
    args = ap.parse_args()
    http = requests.Session()
    base = args.url.rstrip("/")

    s = http.post(f"{base}/sessions", json={"kind": "pyspark", "conf": {"livy.results.spill": "true"}}).json()
    sid = s["id"]
    try:
        wait(lambda: http.get(f"{base}/sessions/{sid}/state").json()["state"], lambda v: v == "idle", 300,
             "session")
        started = time.monotonic()
        st = http.post(f"{base}/sessions/{sid}/statements",
                       json={"code": QUERY.format(rows=args.rows), "kind": "sql"}).json()
        url = f"{base}/sessions/{sid}/statements/{st['id']}"
        st = wait(lambda: http.get(url, params={"wait": 10}).json(),
                  lambda v: v["state"] in ("available", "error", "cancelled"), 600, "statement")
        took = time.monotonic() - started
        note = st["output"]["data"].get("application/vnd.livyd.result.v1+json")
        if not note or not note["complete"]:
            sys.exit(f"no complete whole result: {note}")
        print(f"statement: {args.rows} rows in {took:.2f} s ({args.rows / took:,.0f} rows/s through Spark, "
              f"the driver channel and livyd's disk)")

        result = f"{url}/result"
        started, offset, size = time.monotonic(), 0, 0
        while offset < args.rows:
            resp = http.get(result, params={"offset": offset, "limit": args.page})
            resp.raise_for_status()
            size += len(resp.content)
            offset += len(resp.json()["rows"])
        t = time.monotonic() - started
        print(f"pages of {args.page}: {offset / t:,.0f} rows/s, {size / t / 1e6:,.1f} MB/s "
              f"({offset} rows, {size / 1e6:.1f} MB, {t:.2f} s)")

        for fmt in ("jsonl", "csv", "arrow"):
            started, size = time.monotonic(), 0
            with http.get(result, params={"format": fmt}, stream=True) as resp:
                resp.raise_for_status()
                for chunk in resp.iter_content(1 << 20):
                    size += len(chunk)
            t = time.monotonic() - started
            print(f"download {fmt:5}: {args.rows / t:,.0f} rows/s, {size / t / 1e6:,.1f} MB/s "
                  f"({size / 1e6:.1f} MB, {t:.2f} s)")
    finally:
        http.delete(f"{base}/sessions/{sid}")


if __name__ == "__main__":
    main()
