"""livyd's session driver: runs inside spark-submit, owns the session's SparkSession,
connects back to livyd and runs the statements it is sent, one at a time.

Protocol: docs/driver-protocol.md (newline-delimited JSON over TCP, version 1).
Environment: LIVY_DRIVER_CALLBACK=host:port, LIVY_DRIVER_SECRET, LIVY_SESSION_ID.
"""
import ast
import base64
import datetime
import decimal
import io
import json
import os
import queue
import re
import rlcompleter
import socket
import sys
import threading
import time
import traceback
import _thread

PROTOCOL_VERSION = 1
USER_FILENAME = "<stdin>"


class Channel:
    """The TCP connection to livyd; send() may be called from any thread."""

    def __init__(self, address, secret, session_id):
        host, port = address.rsplit(":", 1)
        self._sock = socket.create_connection((host, int(port)), timeout=30)
        self._sock.settimeout(None)
        self._reader = self._sock.makefile("r", encoding="utf-8", newline="\n")
        self._lock = threading.Lock()
        self.send({"type": "hello", "version": PROTOCOL_VERSION, "session": session_id, "secret": secret,
                   "pid": os.getpid()})
        reply = self.receive()
        if not reply or reply.get("type") != "welcome":
            raise ConnectionError("livyd refused the driver: %r" % (reply,))

    def send(self, message):
        data = (json.dumps(message, separators=(",", ":"), default=str) + "\n").encode("utf-8")
        with self._lock:
            self._sock.sendall(data)

    def receive(self):
        line = self._reader.readline()
        if not line:
            return None
        return json.loads(line)


def connect_with_retry(address, secret, session_id, deadline_s):
    delay = 0.1
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return Channel(address, secret, session_id)
        except OSError as e:
            if time.monotonic() + delay > deadline:
                raise ConnectionError("cannot reach livyd at %s: %s" % (address, e))
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


# ---------------------------------------------------------------- values to JSON

def json_safe(value):
    """Spark and Python values as JSON values, the way Livy's clients read them."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "asDict"):
        return {k: json_safe(v) for k, v in value.asDict().items()}
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    return str(value)


TABLE_TYPES = [(bool, "BOOLEAN_TYPE"), (int, "BIGINT_TYPE"), (float, "DOUBLE_TYPE"), (str, "STRING_TYPE"),
               (decimal.Decimal, "DECIMAL_TYPE"), (datetime.datetime, "TIMESTAMP_TYPE"),
               (datetime.date, "DATE_TYPE"), (list, "ARRAY_TYPE"), (tuple, "ARRAY_TYPE"), (dict, "MAP_TYPE")]


def table_type(value):
    if value is None:
        return "NULL_TYPE"
    for python_type, name in TABLE_TYPES:
        if isinstance(value, python_type):
            return name
    return "STRING_TYPE"


def to_table(value):
    """%table: rows (dicts, tuples, lists, Rows) or a DataFrame -> Livy's table MIME value."""
    if hasattr(value, "schema") and hasattr(value, "take"):
        headers = [{"name": f.name, "type": f.dataType.typeName().upper() + "_TYPE"} for f in value.schema.fields]
        return {"headers": headers, "data": [json_safe(list(r)) for r in value.take(1000)]}
    rows = list(value)
    if not rows:
        return {"headers": [], "data": []}
    first = rows[0]
    if hasattr(first, "asDict"):
        rows = [r.asDict() for r in rows]
        first = rows[0]
    if isinstance(first, dict):
        names = list(first.keys())
        data = [[row.get(n) for n in names] for row in rows]
    elif isinstance(first, (list, tuple)):
        names = [str(i) for i in range(len(first))]
        data = [list(row) for row in rows]
    else:
        raise TypeError("%table needs a list of rows (dicts, tuples or lists) or a DataFrame")
    headers = [{"name": n, "type": table_type(first_value)} for n, first_value in zip(names, data[0])]
    return {"headers": headers, "data": json_safe(data)}


# ---------------------------------------------------------------- execution

class UserError(Exception):
    """An error in the user's code, with the output Livy reports for it."""

    def __init__(self, ename, evalue, tb):
        super().__init__(evalue)
        self.ename, self.evalue, self.traceback = ename, evalue, tb


def user_traceback(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == USER_FILENAME]
    lines = ["Traceback (most recent call last):\n"] + traceback.format_list(frames)
    return lines + traceback.format_exception_only(type(exc), exc)


class Interpreter:
    """One persistent namespace; Python, SQL and the magics run against it."""

    def __init__(self, spark, max_sql_rows):
        self.spark = spark
        self.max_sql_rows = max_sql_rows
        self.namespace = {"__name__": "__main__", "__builtins__": __builtins__, "spark": spark,
                          "sc": spark.sparkContext, "sqlContext": spark}

    def run_python(self, code):
        """Runs code with magics; returns the data dict (text/plain and maybe another MIME type)."""
        data = {}
        chunk = []
        for line in code.split("\n"):
            if line.strip().startswith("%"):
                if chunk:
                    data = self._run_chunk("\n".join(chunk))
                    chunk = []
                data = self._run_magic(line.strip())
            else:
                chunk.append(line)
        if any(l.strip() for l in chunk):
            data = self._run_chunk("\n".join(chunk))
        return data

    def _run_chunk(self, code):
        try:
            tree = ast.parse(code, filename=USER_FILENAME, mode="exec")
        except SyntaxError as e:
            raise UserError("SyntaxError", str(e), traceback.format_exception_only(type(e), e))
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        try:
            exec(compile(tree, USER_FILENAME, "exec"), self.namespace)
            if last is not None:
                value = eval(compile(last, USER_FILENAME, "eval"), self.namespace)
                if value is not None:
                    print(repr(value))
        except (Exception, KeyboardInterrupt) as e:
            raise UserError(type(e).__name__, str(e), user_traceback(e))
        return {}

    def _lookup(self, magic, name):
        if not name:
            raise UserError("UsageError", "%s needs a variable name" % magic, [])
        if name not in self.namespace:
            raise UserError("NameError", "name '%s' is not defined" % name, [])
        return self.namespace[name]

    def _run_magic(self, line):
        parts = line.split(None, 1)
        magic, name = parts[0], (parts[1].strip() if len(parts) > 1 else "")
        if magic == "%json":
            return {"application/json": json_safe(self._lookup(magic, name))}
        if magic == "%table":
            try:
                return {"application/vnd.livy.table.v1+json": to_table(self._lookup(magic, name))}
            except TypeError as e:
                raise UserError("TypeError", str(e), [])
        if magic == "%matplot":
            figure = self._lookup(magic, name)
            try:
                buf = io.BytesIO()
                (figure.figure if hasattr(figure, "figure") else figure).savefig(buf, format="png")
            except Exception as e:  # not a matplotlib figure, or matplotlib missing
                raise UserError(type(e).__name__, str(e), [])
            return {"image/png": base64.b64encode(buf.getvalue()).decode("ascii")}
        raise UserError("UnknownMagic", "unknown magic %s" % magic, [])

    def run_sql(self, code):
        try:
            df = self.spark.sql(code)
            rows = df.take(self.max_sql_rows)
        except (Exception, KeyboardInterrupt) as e:
            raise UserError(type(e).__name__, str(e), traceback.format_exception_only(type(e), e))
        return {"application/json": {"schema": json.loads(df.schema.json()),
                                     "data": [json_safe(list(r)) for r in rows]}}

    def complete(self, code, cursor):
        text = code[:max(0, min(cursor, len(code)))]
        match = re.search(r"[A-Za-z_][\w.]*$", text)
        if not match:
            return []
        completer = rlcompleter.Completer(self.namespace)
        out, state = [], 0
        while state < 1000:
            candidate = completer.complete(match.group(0), state)
            if candidate is None:
                break
            out.append(candidate.rstrip("("))
            state += 1
        return sorted(set(out))


class Driver:
    def __init__(self, channel, spark, max_sql_rows):
        self.channel = channel
        self.spark = spark
        self.sc = spark.sparkContext
        self.interpreter = Interpreter(spark, max_sql_rows)
        self.work = queue.Queue()
        self.execution_count = 0
        self.running = None          # id of the statement running now
        self.cancelled = set()
        self.lock = threading.Lock()  # guards running and cancelled

    def reader(self):
        """Reads livyd's messages; statements go to the main thread, cancels act at once."""
        while True:
            try:
                msg = self.channel.receive()
            except (OSError, ValueError):
                msg = None
            if msg is None or msg.get("type") == "shutdown":
                self.work.put(None)
                return
            kind = msg.get("type")
            if kind == "execute":
                self.work.put(msg)
            elif kind == "cancel":
                self.cancel(msg["id"])
            elif kind == "complete":
                candidates = self.interpreter.complete(msg.get("code", ""), int(msg.get("cursor", 0)))
                self.channel.send({"type": "completion", "rid": msg.get("rid"), "candidates": candidates})
            elif kind == "ping":
                self.channel.send({"type": "pong"})

    def cancel(self, statement_id):
        with self.lock:
            self.cancelled.add(statement_id)
            running = self.running == statement_id
        if running:
            self.sc.cancelJobGroup(self.job_group(statement_id))
            _thread.interrupt_main()

    @staticmethod
    def job_group(statement_id):
        return "livy-statement-%d" % statement_id

    def progress(self, statement_id, done):
        tracker = self.sc.statusTracker()
        group = self.job_group(statement_id)
        while not done.wait(0.25):
            total = completed = 0
            try:
                for job_id in tracker.getJobIdsForGroup(group):
                    job = tracker.getJobInfo(job_id)
                    for stage_id in (job.stageIds if job else []):
                        stage = tracker.getStageInfo(stage_id)
                        if stage:
                            total += stage.numTasks
                            completed += stage.numCompletedTasks
            except Exception:
                continue
            if total:
                self.channel.send({"type": "progress", "id": statement_id, "progress": completed / total})

    def execute(self, msg):
        statement_id = msg["id"]
        with self.lock:
            if statement_id in self.cancelled:
                return
            self.running = statement_id
        self.channel.send({"type": "started", "id": statement_id})
        self.sc.setJobGroup(self.job_group(statement_id), "livy statement %d" % statement_id, True)
        done = threading.Event()
        watcher = threading.Thread(target=self.progress, args=(statement_id, done), daemon=True)
        watcher.start()
        captured = io.StringIO()
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = captured
        count = self.execution_count
        self.execution_count += 1
        try:
            try:
                if msg.get("kind") == "sql":
                    data = self.interpreter.run_sql(msg["code"])
                else:
                    data = self.interpreter.run_python(msg["code"])
                text = captured.getvalue().rstrip()
                if text or not data:
                    data = dict(data, **{"text/plain": text}) if "text/plain" not in data else data
                output = {"status": "ok", "execution_count": count, "data": data}
            except UserError as e:
                output = {"status": "error", "execution_count": count, "ename": e.ename, "evalue": e.evalue,
                          "traceback": e.traceback}
            except KeyboardInterrupt:
                output = {"status": "error", "execution_count": count, "ename": "KeyboardInterrupt",
                          "evalue": "interrupted", "traceback": []}
        finally:
            sys.stdout, sys.stderr = old_out, old_err
            done.set()
        with self.lock:
            self.running = None
            was_cancelled = statement_id in self.cancelled
        self.channel.send({"type": "result", "id": statement_id, "output": output, "cancelled": was_cancelled})

    def serve(self):
        threading.Thread(target=self.reader, daemon=True).start()
        while True:
            try:
                msg = self.work.get()
                if msg is None:
                    return
                self.execute(msg)
            except KeyboardInterrupt:
                continue  # a cancel that arrived between statements


def main():
    address = os.environ.pop("LIVY_DRIVER_CALLBACK")
    secret = os.environ.pop("LIVY_DRIVER_SECRET")
    session_id = int(os.environ.get("LIVY_SESSION_ID", "0"))
    connect_timeout = float(os.environ.get("LIVY_DRIVER_CONNECT_TIMEOUT", "60"))
    channel = connect_with_retry(address, secret, session_id, connect_timeout)
    try:
        from pyspark.sql import SparkSession
        spark = SparkSession.builder.getOrCreate()
    except Exception as e:
        channel.send({"type": "fatal", "error": "cannot create the SparkSession: %s" % e})
        raise
    conf = spark.sparkContext.getConf()
    max_rows = int(conf.get("spark.livy.sql.max-result", "1000"))
    channel.send({"type": "ready", "appId": spark.sparkContext.applicationId,
                  "sparkUiUrl": spark.sparkContext.uiWebUrl, "sparkVersion": spark.version})
    Driver(channel, spark, max_rows).serve()
    spark.stop()


if __name__ == "__main__":
    main()
