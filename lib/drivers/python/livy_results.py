"""Whole results for livyd's session driver (livy_driver.py), when the session asked for them
(livyd's session conf livy.results.spill, the driver's spark.livy.driver.results=spill).

A statement's inline output stays what Livy's clients expect: a `sql` result or a %table of a
DataFrame has at most spark.livy.sql.max-result rows, and an output over
spark.livy.driver.max-output-bytes is cut to its text. When a statement's output is cut that
way, this module sends the whole of it to livyd first, in chunks (docs/driver-protocol.md,
"Whole results"):

    result-begin {id, columns: [{name, type, sourceType}]}
    result-rows  {id, seq, rows: [[cell, ...], ...]}     seq = 0, 1, ...; about CHUNK_BYTES each
    result-end   {id, complete, error?}

livyd answers each result-rows with result-ack {id, seq, stop} once it has written the chunk
to disk. At most WINDOW chunks are sent and not yet acknowledged, so neither side holds more
than WINDOW chunks of one result in memory, and a slow disk at livyd's end slows the driver
rather than filling livyd's memory. `stop` (the session's quota is spent, or livyd does not
want the result) ends the stream early; result-end then says complete: false.

A DataFrame is read with toLocalIterator: one partition at a time in the driver, not all of
it. Column types are the storage types livyd writes Arrow and CSV from: string, int64,
float64, bool and null; other Spark or Livy types travel as JSON values (dates as ISO text,
arrays as arrays) in a string column, with their own type name in sourceType.
"""

import json
import math
import threading

CHUNK_BYTES = 512 * 1024   # a result-rows message's target size (livyd reads lines up to 1 MiB and more)
WINDOW = 4                 # result-rows sent and not yet acknowledged by livyd, at most
ACK_TIMEOUT_S = 60.0       # a livyd that acknowledges nothing for this long gets no more rows
FIRST_CHUNK_ROWS = 256     # rows of the first chunk, whose size sets the rows per chunk after it
MAX_CHUNK_ROWS = 100000

SPARK_TYPES = {"long": "int64", "integer": "int64", "short": "int64", "byte": "int64",
               "double": "float64", "float": "float64", "boolean": "bool", "string": "string",
               "void": "null", "null": "null"}
LIVY_TYPES = {"INT_TYPE": "int64", "DOUBLE_TYPE": "float64", "BOOLEAN_TYPE": "bool",
              "STRING_TYPE": "string", "NULL_TYPE": "null"}
TABLE_MIME = "application/vnd.livy.table.v1+json"


def _float(value):
    # JSON has no NaN or infinity: they travel as text, as the driver's other outputs write them.
    if value is None or math.isfinite(value):
        return value
    return str(value)


class Spiller:
    """Sends the whole result of a statement whose inline output is cut. Used on the main
    thread (spill) and the reader thread (on_ack)."""

    def __init__(self, send, json_safe, max_rows, max_output_bytes):
        self.send = send                  # the driver's send: never raises
        self.json_safe = json_safe        # the driver's conversion of Spark and Python values
        self.max_rows = max_rows          # spark.livy.sql.max-result
        self.max_output_bytes = max_output_bytes
        self.changed = threading.Condition()  # guards acked and stopped
        self.acked = {}                   # statement id -> the highest seq livyd acknowledged
        self.stopped = set()              # statement ids livyd said stop for

    def on_ack(self, msg):
        """A result-ack from livyd (reader thread)."""
        ident, seq = msg.get("id"), msg.get("seq")
        if not isinstance(ident, int) or not isinstance(seq, int):
            return
        with self.changed:
            self.acked[ident] = max(seq, self.acked.get(ident, -1))
            if msg.get("stop") is True:
                self.stopped.add(ident)
            self.changed.notify_all()

    def spill(self, statement_id, data, frame):
        """After a statement's output `data` is made and before it is cut: sends its whole
        result when the inline output will not hold all of it. `frame`: the DataFrame the
        output showed rows of (a `sql` statement, a %table of a DataFrame), else None."""
        table = data.get(TABLE_MIME)
        too_big = len(json.dumps(data, default=str)) > self.max_output_bytes
        if frame is not None:
            shown = table if isinstance(table, dict) else data.get("application/json")
            rows = shown.get("data") if isinstance(shown, dict) else None
            if too_big or (isinstance(rows, list) and len(rows) >= self.max_rows):
                return self._stream(statement_id, *self._frame_rows(frame))
        if not too_big:
            return None
        if isinstance(table, dict):
            columns = [{"name": h.get("name"), "type": LIVY_TYPES.get(h.get("type"), "string"),
                        "sourceType": h.get("type")} for h in table.get("headers", [])]
            return self._stream(statement_id, columns, iter(table.get("data", [])))
        text = data.get("text/plain")
        if isinstance(text, str):
            columns = [{"name": "text", "type": "string", "sourceType": "text/plain"}]
            return self._stream(statement_id, columns, ([line] for line in text.split("\n")))
        return None

    def _frame_rows(self, frame):
        columns, converters = [], []
        for field in frame.schema.fields:
            name = field.dataType.typeName()
            kind = SPARK_TYPES.get(name, "string")
            columns.append({"name": field.name, "type": kind, "sourceType": field.dataType.simpleString()})
            if kind == "float64":
                converters.append(_float)
            elif kind in ("int64", "bool", "string", "null"):
                converters.append(None)
            else:
                converters.append(self.json_safe)

        def rows():
            for row in frame.toLocalIterator():
                yield [v if c is None or v is None else c(v) for c, v in zip(converters, row)]
        return columns, rows()

    def _stream(self, statement_id, columns, rows):
        """Sends result-begin, the rows in chunks under the window, and result-end; True if every row went."""
        with self.changed:
            self.acked.pop(statement_id, None)
            self.stopped.discard(statement_id)
        self.send({"type": "result-begin", "id": statement_id, "columns": columns})
        seq, per_chunk, batch, error = 0, FIRST_CHUNK_ROWS, [], None
        try:
            for row in rows:
                batch.append(row)
                if len(batch) < per_chunk:
                    continue
                if seq == 0 or seq % 16 == 0:  # the rows' size, now and then: chunks stay near CHUNK_BYTES
                    size = max(1, len(json.dumps(batch, default=str)))
                    per_chunk = max(1, min(MAX_CHUNK_ROWS, len(batch) * CHUNK_BYTES // size))
                error = self._send_rows(statement_id, seq, batch)
                if error:
                    break
                seq, batch = seq + 1, []
            else:
                if batch:
                    error = self._send_rows(statement_id, seq, batch)
        except Exception as e:  # the DataFrame failed while it was read (a cancel, say)
            error = "the result could not be read whole: %s: %s" % (type(e).__name__, e)
        end = {"type": "result-end", "id": statement_id, "complete": error is None}
        if error:
            end["error"] = error
        self.send(end)
        with self.changed:
            self.acked.pop(statement_id, None)
            self.stopped.discard(statement_id)
        return error is None

    def _send_rows(self, statement_id, seq, batch):
        """Waits for room in the window, then sends; the reason to stop, or None."""
        with self.changed:
            waited = self.changed.wait_for(
                lambda: statement_id in self.stopped or seq - self.acked.get(statement_id, -1) <= WINDOW,
                ACK_TIMEOUT_S)
            if statement_id in self.stopped:
                return "livyd stopped the result (the session's result quota, sessions.results-quota-bytes)"
            if not waited:
                return "livyd acknowledged no rows for %g s" % ACK_TIMEOUT_S
        self.send({"type": "result-rows", "id": statement_id, "seq": seq, "rows": batch})
        return None
