"""livyd's session driver: runs inside spark-submit, owns the session's SparkSession,
connects back to livyd and runs the statements it is sent, one at a time (or, with
spark.livy.driver.parallel above 1, several at once: livy_parallel.py).

Protocol: docs/driver-protocol.md (newline-delimited JSON over TCP or TLS, version 1).
Settings: Spark configuration, which reaches the driver under every cluster manager and
deploy mode: spark.livy.driver.callback=host:port, spark.livy.driver.secret,
spark.livy.driver.session-id, optionally spark.livy.driver.connect-timeout (seconds,
default 60), .reconnect-timeout, .max-output-bytes, .cache-dir (where compiled helpers
are kept), .session-kind (a `spark` session starts its Scala REPL before it is ready),
.parallel (statements at once), .tls-fingerprint (the SHA-256 of livyd's certificate:
connect over TLS and pin it) and .connect (true: also serve Spark Connect, livy_connect.py).
Exit status: 0 after livyd's shutdown message, 1 otherwise (refused, unreachable,
no SparkSession, connection lost).
"""
import ast
import base64
import collections
import datetime
import decimal
import hashlib
import hmac
import io
import json
import os
import pickle
import queue
import re
import rlcompleter
import select
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
import traceback



def module_dir():
    """The directory of the driver's sibling modules (livy_scala.py, livy_r.py, ...): this
    file's own, or, for a driver that runs in the cluster (cluster deploy mode), where
    spark-submit unpacked the archive livyd ships with it (--archives ...#livy-drivers)."""
    here = os.path.dirname(os.path.abspath(__file__))
    shipped = os.path.join(os.getcwd(), "livy-drivers", "python")
    if not os.path.exists(os.path.join(here, "livy_scala.py")) and os.path.isdir(shipped):
        return shipped
    return here


MODULE_DIR = module_dir()
if MODULE_DIR not in sys.path:
    sys.path.insert(1, MODULE_DIR)
try:
    import livy_scala  # Scala statements; found in MODULE_DIR, with its sources in ../scala
except ImportError:    # the driver was shipped alone: no Scala statements
    livy_scala = None
try:
    import livy_connect  # Spark Connect on this driver (livy.connect.enabled), next to this file
except ImportError:
    livy_connect = None
try:
    import livy_parallel  # statements in parallel (spark.livy.driver.parallel); next to this file
except ImportError:       # the driver was shipped alone: statements run one at a time
    livy_parallel = None
try:
    import livy_results  # whole results (livy.results.spill); found next to this file
except ImportError:      # the driver was shipped alone: outputs are cut as without the opt-in
    livy_results = None

PROTOCOL_VERSION = 1
USER_FILENAME = "<stdin>"
PYTHON_KINDS = (None, "pyspark", "python")
R_KINDS = ("sparkr", "r")    # run by livy_r.py, next to this file
HANDSHAKE_TIMEOUT_S = 30.0   # how long livyd may take to answer the hello
PROGRESS_INTERVAL_S = 0.25   # how often a running statement's Spark jobs are polled
CANCEL_REPEAT_S = 1.0        # a cancelled statement is interrupted again this often until it ends
EXIT_GRACE_S = 30.0          # after shutdown or a lost connection, the most a statement and spark.stop() may take
EXCERPT_BYTES = 200          # how much of a line it cannot read the driver quotes back to livyd
LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # in a str, what UTF-8 cannot encode


def log(message):
    """Driver diagnostics go to the process's own stderr (the session log), never into a statement's output."""
    print("livy_driver: %s" % message, file=sys.__stderr__, flush=True)


class Refused(Exception):
    """livyd did not answer the hello with welcome, or presented a certificate other than the
    one pinned. Not an OSError: connecting again would not help."""


class Unreadable(Exception):
    """A line from livyd the driver cannot use; str() says why. `message` is what could still
    be read of it (a dict whose strings may hold surrogate escapes), or None."""

    def __init__(self, problem, message=None):
        super().__init__(problem)
        self.message = message


def read_message(line):
    """livyd's line (bytes, newline included or not) as a dict, or Unreadable. A line that
    is not UTF-8 is still parsed, its bad bytes as surrogate escapes, so that the statement
    it is about can be told."""
    problem = None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as e:
        text = line.decode("utf-8", "surrogateescape")
        problem = "the line is not valid UTF-8 (byte 0x%02x at offset %d)" % (line[e.start], e.start)
    try:
        message = json.loads(text)
    except ValueError as e:
        raise Unreadable(problem or "the line is not JSON: %s" % e) from None
    if not isinstance(message, dict):
        raise Unreadable(problem or "the line is a JSON %s, not an object" % type(message).__name__)
    if problem:
        raise Unreadable(problem, message)
    return message


def excerpt(line):
    """The start of a line, as text that is safe to send back (bad bytes as \\xNN)."""
    cut = line[:EXCERPT_BYTES].rstrip(b"\n").decode("utf-8", "backslashreplace")
    return cut + ("..." if len(line.rstrip(b"\n")) > EXCERPT_BYTES else "")


def encode_line(message):
    """One message as the UTF-8 line livyd reads. A str may hold lone surrogates (user code
    can print "\\ud800") that UTF-8 cannot carry and livyd's JSON reader refuses even as
    escapes: they become U+FFFD, so every result reaches livyd."""
    text = json.dumps(message, separators=(",", ":"), default=str, ensure_ascii=False)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = LONE_SURROGATE.sub("\ufffd", text).encode("utf-8")
    return data + b"\n"


def fingerprint_text(fingerprint):
    """A SHA-256 fingerprint as lower-case hex without separators (livyd sends AB:CD:...)."""
    return fingerprint.replace(":", "").strip().lower()


def tls_connect(sock, fingerprint):
    """sock wrapped in TLS to livyd, whose certificate must have the pinned SHA-256
    fingerprint: livyd's certificate is its own (often self-signed), so the pin is the check,
    not a CA or a host name. It is checked before the hello, so the secret never reaches
    anyone else. A certificate other than the pinned one is a Refused."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    tls = context.wrap_socket(sock)
    try:
        seen = hashlib.sha256(tls.getpeercert(binary_form=True) or b"").hexdigest()
        if not hmac.compare_digest(seen, fingerprint_text(fingerprint)):
            raise Refused("livyd's certificate (SHA-256 %s) is not the one this driver was given (%s): "
                          "not connecting" % (seen, fingerprint_text(fingerprint)))
    except BaseException:
        tls.close()
        raise
    return tls


class TlsLines:
    """Lines over a non-blocking TLS socket shared by one reader thread and any senders.
    OpenSSL's state of one connection must not be used by two threads at once (a blocking
    read in one thread and a write in another would), so every call into it is under one
    lock, and waiting for the socket happens outside it."""

    def __init__(self, tls, deadline=None):
        self._tls = tls
        self._lock = threading.Lock()
        self._buffer = bytearray()
        self._closed = False
        self.deadline = deadline  # time.monotonic() by which each wait must end (the handshake's), or None
        tls.setblocking(False)

    def _wait(self, waiting):
        timeout = 1.0
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - time.monotonic())
            if timeout <= 0:
                raise socket.timeout("livyd did not answer in time")
        select.select(*waiting, timeout)

    def sendall(self, data):
        """Callers send one at a time (the Channel's lock): between the tries of one write only
        the reader may use the TLS state, so the lock is not held while the socket is awaited
        and the reader goes on reading meanwhile."""
        view = memoryview(data)
        while view:
            with self._lock:
                try:
                    view = view[self._tls.send(view):]
                    continue
                except ssl.SSLWantWriteError:
                    waiting = ([], [self._tls], [])
                except ssl.SSLWantReadError:
                    waiting = ([self._tls], [], [])
            if self._closed:
                raise BrokenPipeError("the connection to livyd is closed")
            self._wait(waiting)

    def readline(self):
        """The next line with its newline, or the bytes left (b"" at the end)."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[:end + 1])
                del self._buffer[:end + 1]
                return line
            with self._lock:
                try:
                    data = self._tls.recv(65536)
                    waiting = None
                except ssl.SSLWantReadError:
                    data, waiting = None, ([self._tls], [], [])
                except ssl.SSLWantWriteError:
                    data, waiting = None, ([], [self._tls], [])
                pending = self._tls.pending() if waiting else 0
            if data is not None:
                if not data:
                    rest = bytes(self._buffer)
                    self._buffer.clear()
                    return rest
                self._buffer += data
            elif not pending:
                if self._closed:
                    return b""
                self._wait(waiting)

    def close(self):
        self._closed = True


class Channel:
    """The connection to livyd (TCP, or TLS with a pinned certificate), handshake done;
    send() may be called from any thread."""

    def __init__(self, address, secret, session_id, resume=None, fingerprint=None):
        host, port = address.rsplit(":", 1)
        self._sock = socket.create_connection((host.strip("[]"), int(port)), timeout=HANDSHAKE_TIMEOUT_S)
        # Messages are small and come in bursts (started, then result): without this, Nagle holds
        # the second until livyd's delayed ACK, ~40 ms on every statement.
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._lines = None
        try:
            if fingerprint:
                self._sock = tls_connect(self._sock, fingerprint)  # within the socket's timeout
                self._lines = TlsLines(self._sock, time.monotonic() + HANDSHAKE_TIMEOUT_S)
            else:
                self._reader = self._sock.makefile("rb")
            self._lock = threading.Lock()
            hello = {"type": "hello", "version": PROTOCOL_VERSION, "session": session_id, "secret": secret,
                     "pid": os.getpid()}
            if resume is not None:
                hello["resume"] = resume
            self.send(hello)
            try:
                reply = self.receive()
            except (ConnectionResetError, BrokenPipeError):
                reply = None
            except ValueError:
                raise Refused("livyd answered the hello with something that is not JSON")
            if reply is None:
                # livyd refuses with a `refused` line. A bare close is a livyd going away, or
                # one that closed this connection among a flood of others that said nothing
                # (sessions.driver-max-pending): trying again may work.
                raise ConnectionResetError("livyd closed the connection after the hello")
            if not isinstance(reply, dict) or reply.get("type") != "welcome":
                raise Refused("livyd refused the driver: %s" % json.dumps(reply)[:500])
            if self._lines is not None:
                self._lines.deadline = None
            else:
                self._sock.settimeout(None)
        except BaseException:
            self._sock.close()
            raise

    def send(self, message):
        data = encode_line(message)
        with self._lock:
            if self._lines is not None:
                self._lines.sendall(data)
            else:
                self._sock.sendall(data)

    def receive(self):
        """The next message, or None at end of stream. ValueError: a line that is not UTF-8 JSON."""
        line = self.receive_line()
        return None if line is None else json.loads(line.decode("utf-8"))

    def receive_line(self):
        """The next line as bytes, or None at end of stream."""
        if self._lines is not None:
            return self._lines.readline() or None
        return self._reader.readline() or None

    def close(self):
        if self._lines is not None:
            self._lines.close()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()


def with_retries(attempt, deadline_s, keep_going=lambda: True):
    """Returns attempt(), retrying network errors (OSError) with a back-off of 0.1 s doubling up
    to 5 s, until deadline_s has passed or keep_going() is false: then the last one is raised.
    A Refused is final."""
    delay = 0.1
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return attempt()
        except OSError:
            if time.monotonic() + delay > deadline or not keep_going():
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def connect_with_retry(address, secret, session_id, deadline_s, fingerprint=None):
    """Connects and says hello, retrying network errors until deadline_s; a refusal is final."""
    try:
        return with_retries(lambda: Channel(address, secret, session_id, fingerprint=fingerprint), deadline_s)
    except OSError as e:
        raise ConnectionError("cannot reach livyd at %s within %g s: %s" % (address, deadline_s, e))


class Link:
    """The driver's side of the channel across livyd restarts: a Channel that, when the
    connection drops, is opened again with a `resume` hello for up to reconnect_s seconds.
    While it is down, sends are dropped; `ready`, the last `result` (the last N, see
    keep_results) and the last `job-result` are kept and sent again after the reconnect, so
    livyd learns what it missed."""

    def __init__(self, channel, address, secret, session_id, reconnect_s, fingerprint=None):
        self._channel = channel
        self._where = (address, secret, session_id)
        self._fingerprint = fingerprint
        self._reconnect_s = reconnect_s
        self._lock = threading.Lock()  # guards _channel, _ready, _results, _last_job_result; held while sending
        self._ready = None
        self._results = collections.deque(maxlen=1)  # the last results sent; more with keep_results()
        self._last_job_result = None
        # Set by the Driver: the statement ids and job_key()s received and not yet answered, in order.
        self.unanswered = lambda: []
        self.closing = False            # set when the driver stops: no reconnect then
        self._lists = False             # the resume hello lists every statement (parallel statements)

    def keep_results(self, count):
        """With `count` statements in flight at once, each of the last `count` results may be lost
        with a connection: all are kept, sent again after a reconnect, and listed in the resume."""
        with self._lock:
            self._results = collections.deque(self._results, maxlen=count)
            self._lists = True

    def send(self, message):
        """Sends without raising: a broken connection is the reader's to notice and mend."""
        with self._lock:
            if message.get("type") == "ready":
                self._ready = message
            elif message.get("type") == "result":
                self._results.append(message)
            elif message.get("type") == "job-result":
                self._last_job_result = message
            if self._channel is None:
                return
            try:
                self._channel.send(message)
            except OSError as e:
                log("cannot send %s to livyd: %s" % (message.get("type"), e))

    def receive_line(self):
        """The next line (bytes); None when the connection is lost for good."""
        while True:
            channel = self._channel
            if channel is None:  # closed by the driver stopping
                return None
            try:
                line = channel.receive_line()
            except OSError as e:
                log("reading from livyd failed: %s" % e)
                line = None
            if line is not None:
                return line
            if not self._reconnect():
                return None

    def _reconnect(self):
        with self._lock:
            broken, self._channel = self._channel, None
        broken.close()
        if self._reconnect_s <= 0 or self.closing:
            return False
        log("connection to livyd lost; trying to reconnect for up to %g s" % self._reconnect_s)

        def attempt():
            with self._lock:
                pending = self.unanswered()
                resume = {
                    "running": next((k for k in pending if not isinstance(k, tuple)), None),
                    "last": self._results[-1]["id"] if self._results else None,
                    "runningJob": next((k[1] for k in pending if isinstance(k, tuple)), None),
                    "lastJob": self._last_job_result["id"] if self._last_job_result else None,
                }
                if self._lists:
                    resume["unanswered"] = [k for k in pending if not isinstance(k, tuple)]
                    resume["replay"] = [m["id"] for m in self._results]
                channel = Channel(*self._where, resume=resume, fingerprint=self._fingerprint)
                for message in (self._ready, *self._results, self._last_job_result):
                    if message is not None:
                        channel.send(message)
                self._channel = channel

        try:
            with_retries(attempt, self._reconnect_s, lambda: not self.closing)
        except Refused as e:
            log(str(e))
            return False
        except OSError as e:
            log("cannot reach livyd again within %g s: %s" % (self._reconnect_s, e))
            return False
        log("reconnected to livyd")
        return True

    def claimed(self, session_id, reconnect_s):
        """A warm driver now serves session `session_id` (livy_warm.py): it reconnects as it."""
        with self._lock:
            self._where = (self._where[0], self._where[1], session_id)
            self._reconnect_s = reconnect_s
            self._ready = None  # the warm `ready` was the pool's; the session's comes next

    def close(self):
        self.closing = True
        with self._lock:
            channel, self._channel = self._channel, None
        if channel is not None:
            channel.close()


# ---------------------------------------------------------------- values to JSON

def completion_word(text):
    """The dotted name that ends `text` ("spark.rang"), starting with a letter or '_'; "" if none.
    Scanned by hand, backwards: a regular expression searching for it retried from every
    start, quadratic in the code's length (half a MiB of code took minutes)."""
    start = len(text)
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_."):
        start -= 1
    while start < len(text) and not (text[start].isascii() and (text[start].isalpha() or text[start] == "_")):
        start += 1
    return text[start:]

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


class TableError(Exception):
    """A value %table cannot show; `ename` is the error name Livy's REPL gives for it."""

    def __init__(self, ename, message):
        super().__init__(message)
        self.ename = ename


def _table_sequence(items):
    converted, kind = [], None
    for item in items:
        item_kind, item = table_value(item)
        if item_kind != "NULL_TYPE":  # Livy refuses a None among other values; livyd lets it pass
            if kind is not None and kind != item_kind:
                raise TableError("ValueError", "value has inconsistent types")
            kind = item_kind
        converted.append(item)
    return "ARRAY_TYPE", converted


def _table_map(mapping):
    converted, key_kind, value_kind = {}, None, None
    for key, value in mapping.items():
        k_kind, key = table_value(key)
        v_kind, value = table_value(value)
        if (key_kind not in (None, k_kind)) or (v_kind != "NULL_TYPE" and value_kind not in (None, v_kind)):
            raise TableError("ValueError", "value has inconsistent types")
        key_kind = k_kind
        value_kind = v_kind if v_kind != "NULL_TYPE" else value_kind
        converted[key if isinstance(key, str) else str(key)] = value
    return "MAP_TYPE", converted


def _table_float(value):
    # JSON has no NaN or infinity: those travel as text, as in json_safe.
    return "DOUBLE_TYPE", (value if value == value and value not in (float("inf"), float("-inf")) else str(value))


# Livy's Python REPL's table types (repl/src/main/resources/fake_shell.py, magic_table_types),
# looked up by the value's exact type, as Livy does: any other type, subclasses included
# (a numpy integer, a nested Row), is STRING_TYPE with str(value).
TABLE_CONVERTERS = {
    type(None): lambda v: ("NULL_TYPE", None),
    bool: lambda v: ("BOOLEAN_TYPE", v),
    int: lambda v: ("INT_TYPE", v),
    float: _table_float,
    str: lambda v: ("STRING_TYPE", str(v)),
    datetime.date: lambda v: ("DATE_TYPE", str(v)),
    datetime.datetime: lambda v: ("TIMESTAMP_TYPE", str(v)),
    decimal.Decimal: lambda v: ("DECIMAL_TYPE", str(v)),
    tuple: _table_sequence,
    list: _table_sequence,
    dict: _table_map,
}


def table_value(value):
    """One %table cell: (Livy's type name, its JSON value)."""
    return TABLE_CONVERTERS.get(type(value), TABLE_CONVERTERS[str])(value)


def _table_cells(row):
    """A row's (column name, value) pairs, as Livy reads a row: a Row or dict by name, a
    list or tuple by position, anything else as a row of one column."""
    if type(row).__name__ == "Row":
        row = row.asDict()
    if isinstance(row, dict):
        return list(row.items())
    if isinstance(row, (list, tuple)):
        return list(enumerate(row))
    return [(0, row)]


def to_table(value, max_rows):
    """%table: Livy's table MIME value of a list of rows (dicts, Rows, tuples, lists, or single
    values), of any other value as a list of one row, or of a DataFrame (its first rows)."""
    names = None
    if hasattr(value, "schema") and hasattr(value, "take"):  # a DataFrame: its columns in its order
        names = [f.name for f in value.schema.fields]
        value = [tuple(r) for r in value.take(max_rows)]
    elif not isinstance(value, (list, tuple)):
        value = [value]
    rows = [_table_cells(row) for row in value]
    types = {}  # column key -> type name; NULL_TYPE until a value that is not None is seen
    cells = []
    for row in rows:
        converted = {}
        for key, cell in row:
            kind, cell = table_value(cell)
            seen = types.get(key)
            if seen is None or seen == "NULL_TYPE":
                types[key] = kind if kind != "NULL_TYPE" or seen is None else seen
            elif kind != "NULL_TYPE" and kind != seen:
                raise TableError("Exception", "table rows have different types")
            converted[key] = cell
        cells.append(converted)
    try:
        keys = sorted(types)  # Livy sorts the columns: by name, or by position
    except TypeError:
        raise TableError("TypeError", "%table rows must be all dicts or Rows, or all tuples or lists")
    headers = [{"name": names[k] if names else str(k), "type": types[k]} for k in keys]
    if names and not rows:
        headers = [{"name": n, "type": "NULL_TYPE"} for n in names]
    return {"headers": headers, "data": [[row.get(k) for k in keys] for row in cells]}


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


def user_error(exc, tb):
    evalue = str(exc) or ("interrupted" if isinstance(exc, KeyboardInterrupt) else "")
    return UserError(type(exc).__name__, evalue, tb)


class Interpreter:
    """One persistent namespace; Python, SQL and the magics run against it."""

    def __init__(self, spark, max_sql_rows):
        self.spark = spark
        self.max_sql_rows = max_sql_rows
        self.namespace = {"__name__": "__main__", "__builtins__": __builtins__, "spark": spark,
                          "sc": spark.sparkContext, "sqlContext": spark}
        self.last_frame = None  # the DataFrame the last output showed rows of (whole results)

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
        except (SyntaxError, ValueError) as e:  # ValueError: null bytes in the source
            raise UserError(type(e).__name__, str(e), traceback.format_exception_only(type(e), e))
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        try:
            exec(compile(tree, USER_FILENAME, "exec"), self.namespace)
            if last is not None:
                value = eval(compile(last, USER_FILENAME, "eval"), self.namespace)
                if value is not None:
                    print(repr(value))
        except (Exception, KeyboardInterrupt, SystemExit) as e:
            raise user_error(e, user_traceback(e))
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
                value = self._lookup(magic, name)
                self.last_frame = value if hasattr(value, "schema") and hasattr(value, "take") else None
                return {"application/vnd.livy.table.v1+json": to_table(value, self.max_sql_rows)}
            except TableError as e:
                raise UserError(e.ename, str(e), [])
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
            self.last_frame = df
        except (Exception, KeyboardInterrupt) as e:
            raise user_error(e, traceback.format_exception_only(type(e), e))
        return {"application/json": {"schema": json.loads(df.schema.json()),
                                     "data": [json_safe(list(r)) for r in rows]}}

    def complete(self, code, cursor):
        word = completion_word(code[:max(0, min(cursor, len(code)))])
        if not word:
            return []
        completer = rlcompleter.Completer(self.namespace)
        out, state = [], 0
        while state < 1000:
            candidate = completer.complete(word, state)
            if candidate is None:
                break
            out.append(candidate.rstrip("("))
            state += 1
        return sorted(set(out))


def job_key(job_id):
    """Jobs and statements share the running/cancelled bookkeeping; a job's key is a tuple."""
    return ("job", job_id)


def cloudpickle_module():
    """The cloudpickle that reads clients' jobs: the package if installed (it must match the
    client's major version), else the copy inside pyspark, registered under the package's name
    so that pickles which name `cloudpickle.cloudpickle` find it."""
    try:
        import cloudpickle
        return cloudpickle
    except ImportError:
        from pyspark import cloudpickle
        sys.modules.setdefault("cloudpickle", cloudpickle)
        sys.modules.setdefault("cloudpickle.cloudpickle", cloudpickle.cloudpickle)
        return cloudpickle


class JobContext:
    """What a job is called with, as Livy's Python JobContext offers it."""

    def __init__(self, spark, tmp_dir):
        self.spark_session = spark
        self.sc = spark.sparkContext
        self.sql_ctx = spark          # the SparkSession has the SQLContext methods
        self.local_tmp_dir_path = tmp_dir
        self._streaming_ctx = None
        self._shared = {}
        self._lock = threading.Lock()

    @property
    def hive_ctx(self):
        """Spark has no HiveContext any more: the SparkSession (with Hive when it was built with it)."""
        return self.spark_session

    @property
    def streaming_ctx(self):
        with self._lock:
            if self._streaming_ctx is None:
                raise ValueError("create_streaming_ctx must be called first")
            return self._streaming_ctx

    def create_streaming_ctx(self, batch_duration):
        from pyspark.streaming import StreamingContext
        with self._lock:
            if self._streaming_ctx is not None:
                raise ValueError("the streaming context already exists")
            self._streaming_ctx = StreamingContext(self.sc, batch_duration)

    def stop_streaming_ctx(self):
        with self._lock:
            if self._streaming_ctx is None:
                raise ValueError("there is no streaming context to stop")
            self._streaming_ctx.stop(stopSparkContext=False)
            self._streaming_ctx = None

    # Objects jobs share with later jobs of the session (Livy keeps the last 100).
    def get_shared_object(self, name):
        with self._lock:
            return self._shared.get(name)

    def set_shared_object(self, name, value):
        with self._lock:
            self._shared.pop(name, None)
            self._shared[name] = value
            while len(self._shared) > 100:
                del self._shared[next(iter(self._shared))]

    def remove_shared_object(self, name):
        with self._lock:
            self._shared.pop(name, None)


class JobRunner:
    """Runs pickled jobs and adds files to the SparkContext."""

    def __init__(self, spark, max_result_bytes):
        self.spark = spark
        self.sc = spark.sparkContext
        self.max_result_bytes = max_result_bytes
        self._context = None

    def context(self):
        if self._context is None:
            self._context = JobContext(self.spark, tempfile.mkdtemp(prefix="livy-jobs-"))
        return self._context

    def run(self, msg):
        """(result, error): the base64 text of the pickled result, or an error text."""
        if msg.get("jobType", "pyspark") != "pyspark":
            return None, "jobType %r is not supported by this driver" % msg.get("jobType")
        try:
            cloudpickle = cloudpickle_module()
            job = pickle.loads(base64.b64decode(msg["job"]))
            try:
                value = job(self.context())
            except (Exception, KeyboardInterrupt, SystemExit) as e:
                # The traceback without the driver's own frame.
                tb = e.__traceback__.tb_next if e.__traceback__ is not None else None
                return None, "".join(traceback.format_exception(type(e), e, tb)).rstrip()
            result = base64.b64encode(cloudpickle.dumps(value)).decode("ascii")
        except (Exception, KeyboardInterrupt, SystemExit) as e:
            return None, "".join(traceback.format_exception_only(type(e), e)).rstrip()
        if len(result) > self.max_result_bytes:
            return None, ("the job's pickled result is %d bytes in base64, over the limit "
                          "statements.max-output-bytes (%d)" % (len(result), self.max_result_bytes))
        return result, None

    def add(self, msg):
        """add-resource: None when added, else the error text."""
        kind, uri = msg.get("kind"), msg.get("uri")
        try:
            if not isinstance(uri, str) or not uri:
                raise ValueError("add-resource needs a uri")
            if kind == "jar":
                self.sc._jsc.sc().addJar(uri)
            elif kind == "pyfile":
                self.sc.addPyFile(uri)
                importlib_invalidate()
            elif kind == "file":
                self.sc.addFile(uri)
            else:
                raise ValueError("unknown resource kind %r" % (kind,))
        except Exception as e:
            log("could not add %s %s: %s" % (kind, uri, e))
            return "".join(traceback.format_exception_only(type(e), e)).strip()
        return None


def importlib_invalidate():
    """A module added to sys.path is importable at once, even if its directory was cached as empty."""
    import importlib
    importlib.invalidate_caches()


def is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)


class Unrunnable:
    """An execute or job whose id could be read but not the rest: queued like the others,
    and answered in its turn with an error instead of being run."""

    def __init__(self, kind, ident, problem):
        self.kind, self.id, self.problem = kind, ident, problem


class Driver:
    """Serves one livyd connection. The main thread runs statements (or, with `parallel` above
    1, hands them to livy_parallel's worker threads) and jobs; a reader thread takes livyd's
    messages (cancel, complete and ping are answered at once); a progress thread polls the
    running statements' Spark jobs."""
    log = staticmethod(log)
    cancel_repeat_s = CANCEL_REPEAT_S
    r_kinds = R_KINDS

    def __init__(self, channel, spark, max_sql_rows, max_output_bytes=4 << 20, scala=None, parallel=1, spill=False):
        self.channel = channel
        self.scala = scala             # livy_scala.Scala, or None without Scala support
        self.max_output_bytes = max_output_bytes  # livyd's statements.max-output-bytes
        self.spark = spark
        self.sc = spark.sparkContext
        self.interpreter = Interpreter(spark, max_sql_rows)
        self.r = None                  # livy_r.RInterpreter, made by the first R statement
        self.jobs = JobRunner(spark, max_output_bytes)
        # livy_results.Spiller when the session asked for whole results, else None
        self.results = (livy_results.Spiller(self.send, json_safe, max_sql_rows, max_output_bytes)
                        if spill and livy_results else None)
        self.work = queue.Queue()      # execute and job messages (or Unrunnable) for the main thread; None = stop
        self.execution_count = 0       # main thread only
        self.lock = threading.Lock()   # guards running, cancelled, clean_shutdown; held while sending
        self.changed = threading.Condition(self.lock)  # notified when running changes
        self.running = None            # id of the statement running now
        self.unanswered = []           # ids and job_key()s received and not yet answered, in order
        channel.unanswered = lambda: list(self.unanswered)
        self.cancelled = set()         # ids cancelled before their result was sent
        self.clean_shutdown = False    # livyd sent shutdown (rather than the connection dropping)
        self.closing = threading.Event()   # shutdown asked or connection lost
        self.finished = threading.Event()  # run() is over
        # The id of the statement whose user code is running, else None. Read by the SIGINT
        # handler, which must not take self.lock (the main thread may hold it then).
        self.interruptible = None
        self.parallel = None           # livy_parallel.Runner with statements in parallel
        if parallel > 1 and livy_parallel is None:
            log("livy_parallel.py is missing: statements run one at a time")
        elif parallel > 1:
            self.parallel = livy_parallel.Runner(self, parallel, Interpreter, user_error, UserError)

    # -------- sending (any thread)
    def send(self, message):
        self.channel.send(message)  # never raises: the reader notices a broken connection

    # -------- the reader thread
    def reader(self):
        while True:
            line = self.channel.receive_line()
            kind = msg = None
            if line is None:
                log("connection to livyd lost")
                self.stop(clean=False)
                return
            try:
                msg = read_message(line)
                kind = msg.get("type")
                if kind == "shutdown":
                    self.stop(clean=True)
                    return
                self.handle(kind, msg)
            except Unreadable as e:
                self.unreadable(e, line)
            except Exception as e:
                log("ignored %s message %.200r: %s" % (kind, msg, e))

    def unreadable(self, error, line):
        """Answers a line the driver cannot use, rather than dropping it: an `execute` or `job`
        whose id it can read gets an error result in its turn (livyd waits for it); a
        `complete` or `add-resource` gets its answer; anything else a `protocol-error`."""
        msg = error.message or {}
        kind, ident = msg.get("type"), msg.get("id")
        log("cannot read a line from livyd: %s: %s" % (error, excerpt(line)))
        if kind in ("execute", "job") and is_id(ident):
            with self.lock:
                self.unanswered.append(ident if kind == "execute" else job_key(ident))
            self.work.put(Unrunnable(kind, ident, str(error)))
        elif kind == "complete":
            self.send({"type": "completion", "rid": msg.get("rid"), "candidates": []})
        elif kind == "add-resource":
            self.send({"type": "resource-added", "rid": msg.get("rid"),
                       "error": "the driver could not read the add-resource message: %s" % error})
        else:
            self.send({"type": "protocol-error", "error": str(error), "line": excerpt(line)})

    def handle(self, kind, msg):
        if kind == "execute":
            if not is_id(msg.get("id")) or not isinstance(msg.get("code"), str):
                raise Unreadable("execute needs an integer id and a string code", msg)
            with self.lock:
                self.unanswered.append(msg["id"])
            self.work.put(msg)
        elif kind == "cancel":
            if not is_id(msg.get("id")):
                raise Unreadable("cancel needs an integer id", msg)
            self.cancel(msg["id"])
        elif kind == "complete":
            candidates = []
            try:
                if msg.get("kind") in PYTHON_KINDS:
                    code = str(msg.get("code", ""))
                    candidates = (self.parallel or self.interpreter).complete(code, int(msg.get("cursor", len(code))))
                elif msg.get("kind") in R_KINDS and self.r is not None:
                    code = str(msg.get("code", ""))
                    candidates = self.r.complete(code, int(msg.get("cursor", len(code))))
                elif self.scala and msg.get("kind") in livy_scala.KINDS:
                    code = str(msg.get("code", ""))
                    candidates = sorted(set(self.scala.complete(code, int(msg.get("cursor", len(code))))))
            except Exception as e:  # a bad cursor, or the namespace changing under the completer
                log("completion failed: %s" % e)
            self.send({"type": "completion", "rid": msg.get("rid"), "candidates": candidates})
        elif kind == "ping":
            self.send({"type": "pong"})
        elif kind == "result-ack" and self.results is not None:
            self.results.on_ack(msg)
        elif kind == "job":
            if not is_id(msg.get("id")) or not isinstance(msg.get("job"), str):
                raise Unreadable("job needs an integer id and a string job", msg)
            with self.lock:
                self.unanswered.append(job_key(msg["id"]))
            self.work.put(msg)
        elif kind == "job-cancel":
            if not is_id(msg.get("id")):
                raise Unreadable("job-cancel needs an integer id", msg)
            self.cancel(job_key(msg["id"]))
        elif kind == "add-resource":
            self.send({"type": "resource-added", "rid": msg.get("rid"), "error": self.jobs.add(msg)})
        elif isinstance(kind, str):
            log("ignored a message of unknown type %.100r" % kind)  # a newer livyd's optional message
        else:
            raise Unreadable("the message has no string type", msg)

    # -------- cancel and stop
    @staticmethod
    def job_group(key):
        """A statement's id, or a job's job_key()."""
        if isinstance(key, tuple):
            return "livy-job-%d" % key[1]
        return "livy-statement-%d" % key

    def cancel(self, statement_id):
        if self.parallel and self.parallel.cancel(statement_id):
            return
        with self.lock:
            already = statement_id in self.cancelled
            self.cancelled.add(statement_id)
            running = self.running == statement_id
        if running and not already:
            self.start_stopper(statement_id)

    def start_stopper(self, statement_id):
        threading.Thread(target=self.stop_statement, args=(statement_id,), daemon=True,
                         name="livy-cancel-%s" % (statement_id,)).start()

    def stop_statement(self, statement_id):
        """Cancels the statement's job group and interrupts its Python code, again every
        CANCEL_REPEAT_S until it is over (user code may catch the interrupt or start new jobs)."""
        while True:
            with self.lock:
                if self.running != statement_id:
                    return
            try:
                self.sc.cancelJobGroup(self.job_group(statement_id))
            except Exception as e:
                log("cancelJobGroup failed: %s" % e)
            if self.scala:
                try:
                    self.scala.interrupt()  # Scala code runs in the JVM, where SIGINT does not reach
                except Exception as e:
                    log("interrupting the Scala statement failed: %s" % e)
            # A real signal, not _thread.interrupt_main(): only a signal wakes a main thread
            # blocked in a system call (time.sleep, a socket read inside py4j).
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            with self.changed:
                self.changed.wait_for(lambda: self.running != statement_id, CANCEL_REPEAT_S)

    def on_sigint(self, signum, frame):
        # Interrupts only user code, and only of a cancelled statement: a late interrupt meant
        # for the previous statement, or one landing between statements, is dropped.
        statement_id = self.interruptible
        if statement_id is not None and statement_id in self.cancelled:
            raise KeyboardInterrupt

    def stop(self, clean):
        """Shutdown or lost connection: no new statement starts, the running one is cancelled."""
        with self.lock:
            self.clean_shutdown = clean
            running = self.running
            stopper_needed = running is not None and running not in self.cancelled
            if running is not None:
                self.cancelled.add(running)
        self.closing.set()
        self.work.put(None)
        if self.parallel:
            self.parallel.stop()
        if stopper_needed:
            self.start_stopper(running)
        threading.Thread(target=self.exit_if_stuck, daemon=True, name="livy-exit-watchdog").start()

    def exit_if_stuck(self):
        if not self.finished.wait(EXIT_GRACE_S):
            log("still running %g s after %s; exiting without stopping Spark"
                % (EXIT_GRACE_S, "shutdown" if self.clean_shutdown else "losing livyd"))
            os._exit(1)

    # -------- progress thread
    def report_progress(self):
        tracker = self.sc.statusTracker()
        last = {}  # statement id -> the progress last sent
        while not self.closing.wait(PROGRESS_INTERVAL_S):
            ids = self.parallel.running_ids() if self.parallel else [self.running]
            last = {k: v for k, v in last.items() if k in ids}
            for statement_id in ids:
                if not is_id(statement_id):  # nothing running, or a job (jobs report no progress)
                    continue
                try:
                    total = completed = 0
                    for job_id in tracker.getJobIdsForGroup(self.job_group(statement_id)):
                        job = tracker.getJobInfo(job_id)
                        for stage_id in (job.stageIds if job else []):
                            stage = tracker.getStageInfo(stage_id)
                            if stage:
                                total += stage.numTasks
                                completed += stage.numCompletedTasks
                except Exception:
                    continue
                if not total or last.get(statement_id) == completed / total:
                    continue
                with self.lock:  # the result is sent under this lock too: no progress after it
                    if self.running == statement_id or (self.parallel and statement_id in self.parallel.running):
                        last[statement_id] = completed / total
                        self.send({"type": "progress", "id": statement_id, "progress": completed / total})

    # -------- statements (main thread)
    def execute(self, msg, problem=None):
        """Runs a statement; with `problem` (its execute could not be read), answers it with that error."""
        statement_id = msg["id"]
        with self.lock:
            if statement_id in self.cancelled:  # cancelled before it started: it never runs
                self.cancelled.discard(statement_id)
                output = {"status": "error", "execution_count": self.execution_count, "ename": "KeyboardInterrupt",
                          "evalue": "cancelled before it started", "traceback": []}
                self.execution_count += 1
                self.answered(statement_id)
                self.send({"type": "result", "id": statement_id, "output": output, "cancelled": True})
                return
            if problem is not None:
                output = {"status": "error", "execution_count": self.execution_count, "ename": "DriverProtocolError",
                          "evalue": "the driver could not read this statement: %s" % problem, "traceback": []}
                self.execution_count += 1
                self.answered(statement_id)
                self.send({"type": "result", "id": statement_id, "output": output, "cancelled": False})
                return
            self.running = statement_id
            self.changed.notify_all()
            self.send({"type": "started", "id": statement_id})
        count = self.execution_count
        self.execution_count += 1
        try:
            self.sc.setJobGroup(self.job_group(statement_id), "livy statement %d" % statement_id, True)
        except Exception as e:
            log("setJobGroup failed: %s" % e)
        output = self.run_statement(msg, count)
        with self.lock:
            self.running = None
            self.changed.notify_all()
            was_cancelled = statement_id in self.cancelled
            self.cancelled.discard(statement_id)
            self.answered(statement_id)
            self.send({"type": "result", "id": statement_id, "output": output, "cancelled": was_cancelled})

    def answered(self, statement_id):  # requires self.lock
        if statement_id in self.unanswered:
            self.unanswered.remove(statement_id)

    def run_job(self, msg, problem=None):
        """A job on the main thread, like a statement: job-started, then one job-result. With
        `problem` (its message could not be read), only a job-result with that error."""
        key = job_key(msg["id"])
        with self.lock:
            if key in self.cancelled:  # cancelled before it started: it never runs
                self.cancelled.discard(key)
                self.answered(key)
                self.send({"type": "job-result", "id": msg["id"], "result": None, "error": None, "cancelled": True})
                return
            if problem is not None:
                self.answered(key)
                self.send({"type": "job-result", "id": msg["id"], "result": None,
                           "error": "DriverProtocolError: the driver could not read this job: %s" % problem,
                           "cancelled": False})
                return
            self.running = key
            self.changed.notify_all()
            self.send({"type": "job-started", "id": msg["id"]})
        try:
            self.sc.setJobGroup(self.job_group(key), "livy job %d" % msg["id"], True)
        except Exception as e:
            log("setJobGroup failed: %s" % e)
        try:
            self.interruptible = key
            result, error = self.jobs.run(msg)
        finally:
            self.interruptible = None
        with self.lock:
            self.running = None
            self.changed.notify_all()
            was_cancelled = key in self.cancelled
            self.cancelled.discard(key)
            self.answered(key)
            self.send({"type": "job-result", "id": msg["id"], "result": None if was_cancelled else result,
                       "error": None if was_cancelled else error, "cancelled": was_cancelled})

    def is_scala(self, kind):
        return self.scala is not None and kind in livy_scala.KINDS

    def run_kind(self, kind, code, interpreter):
        """Runs code of `kind` (Python and SQL in `interpreter`); the data dict of its output."""
        if kind == "sql":
            return interpreter.run_sql(code)
        if kind in PYTHON_KINDS:
            return interpreter.run_python(code)
        if kind in R_KINDS:
            return self.r_interpreter().run(code)
        if self.is_scala(kind):
            return self.run_scala(code)
        raise UserError("UnsupportedKind", "statement kind %r is not supported by this driver" % kind, [])

    def ok_output(self, data, text, count, statement_id=None, frame=None):
        """The output of a statement that ran: its data, with what it printed as text/plain.
        With whole results asked for, a statement's (`statement_id`; `frame`: the DataFrame its
        output showed rows of) goes to livyd before the output is cut. Not for statements run
        in parallel (livy_parallel passes no id): their outputs are cut as without the opt-in."""
        text = text.rstrip()
        if "text/plain" not in data and (text or not data):
            data = dict(data, **{"text/plain": text})
        if self.results is not None and statement_id is not None:
            self.results.spill(statement_id, data, frame)
        return {"status": "ok", "execution_count": count, "data": limit_output(data, self.max_output_bytes)}

    def run_statement(self, msg, count):
        kind, code = msg.get("kind"), msg["code"]
        if livy_parallel:  # one namespace for all: a `%repl NAME` first line changes nothing
            code = livy_parallel.split_repl(code)[1]
        captured = io.StringIO()
        self.interpreter.last_frame = None
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = captured
        try:
            try:
                # Scala code is stopped in the JVM (stop_statement): a KeyboardInterrupt would only
                # abandon the py4j call and leave the code running after its result.
                self.interruptible = None if self.is_scala(kind) else msg["id"]
                data = self.run_kind(kind, code, self.interpreter)
            finally:
                self.interruptible = None
            return self.ok_output(data, captured.getvalue(), count, msg["id"], self.interpreter.last_frame)
        except UserError as e:
            return {"status": "error", "execution_count": count, "ename": e.ename, "evalue": e.evalue,
                    "traceback": e.traceback}
        except BaseException as e:  # a magic's conversion failing, an interrupt landing in a magic
            e = user_error(e, traceback.format_exception_only(type(e), e))
            return {"status": "error", "execution_count": count, "ename": e.ename, "evalue": e.evalue,
                    "traceback": e.traceback}
        finally:
            sys.stdout, sys.stderr = old_out, old_err

    def r_interpreter(self):
        """The session's R interpreter; the first R statement loads livy_r.py from MODULE_DIR."""
        if self.r is None:
            import importlib.util
            path = os.path.join(MODULE_DIR, "livy_r.py")
            spec = importlib.util.spec_from_file_location("livy_r", path)
            livy_r = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(livy_r)
            except OSError as e:
                raise UserError("RUnavailable", "the driver's R support (%s) is missing: %s" % (path, e), [])
            self.r = livy_r.RInterpreter(self.spark, UserError)
        return self.r

    def run_scala(self, code):
        try:
            return self.scala.execute(code)
        except livy_scala.ScalaError as e:
            raise UserError(e.ename, e.evalue, e.traceback)

    def run(self):
        """Serves livyd until shutdown or a lost connection, then stops Spark.
        True after a shutdown message, False after a lost connection."""
        signal.signal(signal.SIGINT, self.on_sigint)  # replaces pyspark's, which would interrupt anywhere
        threading.Thread(target=self.reader, daemon=True, name="livy-reader").start()
        threading.Thread(target=self.report_progress, daemon=True, name="livy-progress").start()
        try:
            while not self.closing.is_set():
                try:
                    msg = self.work.get()
                    if msg is None or self.closing.is_set():
                        break
                    if isinstance(msg, Unrunnable):
                        run = self.run_job if msg.kind == "job" else self.execute
                        run({"type": msg.kind, "id": msg.id}, problem=msg.problem)
                    elif msg.get("type") == "job":
                        self.run_job(msg)
                    elif self.parallel:
                        self.parallel.submit(msg)
                    else:
                        self.execute(msg)
                except KeyboardInterrupt:
                    continue  # a SIGINT that landed outside user code
        finally:
            if self.parallel:  # their results are sent before the channel closes
                self.parallel.join(EXIT_GRACE_S)
            self.channel.close()
            if self.r is not None:
                try:
                    self.r.close()
                except Exception as e:
                    log("stopping R failed: %s" % e)
            try:
                self.spark.stop()
            except Exception as e:
                log("stopping Spark failed: %s" % e)
            self.finished.set()
        return self.clean_shutdown


def limit_output(data, limit):
    """An output over `limit` bytes of JSON is cut to its text, truncated with a note, so a
    huge result never travels to livyd (which would apply the same limit)."""
    size = len(json.dumps(data, default=str))
    if size <= limit:
        return data
    text = data.get("text/plain")
    text = text if isinstance(text, str) else ""
    note = ("\n[livyd: output truncated: it was %d bytes, over the limit statements.max-output-bytes (%d)]"
            % (size, limit))
    return {"text/plain": text[:max(0, limit // 2)] + note}


CONF_PREFIX = "spark.livy.driver."
CONF_KEYS = ("callback", "secret", "session-id", "session-kind", "connect-timeout", "reconnect-timeout",
             "max-output-bytes", "cache-dir", "tls-fingerprint", "connect", "parallel", "results")


def driver_conf():
    """The driver's settings (spark.livy.driver.* without the prefix) from the Spark
    configuration: spark-submit, or YARN's application master, or the Kubernetes driver pod,
    has set them as system properties of the driver's JVM, whose gateway this process was
    started with. No SparkContext starts here: the driver reaches livyd first. The secret
    is then removed from the JVM's properties, before the SparkContext copies them into its
    configuration: neither Spark's UI nor user code (spark.conf) sees it."""
    from pyspark import SparkConf
    from pyspark.context import SparkContext
    SparkContext._ensure_initialized()  # connects to the gateway; the SparkContext later reuses it
    conf = SparkConf()                  # loads the JVM's spark.* system properties
    settings = {key: conf.get(CONF_PREFIX + key, None) for key in CONF_KEYS}
    SparkContext._jvm.java.lang.System.clearProperty(CONF_PREFIX + "secret")
    return {key: value for key, value in settings.items() if value not in (None, "")}


def setting(conf, key, default=None):
    value = conf.get(key)
    if value is None:
        if default is None:
            raise ValueError("the Spark configuration has no %s%s" % (CONF_PREFIX, key))
        return default
    return value


def number(kind, key, text):
    try:
        return kind(text)
    except ValueError:
        raise ValueError("%s%s must be a number, not %r" % (CONF_PREFIX, key, text)) from None


def fatal(channel, error, details=None):
    """Tells livyd the session cannot start; the driver's exit status."""
    channel.send({"type": "fatal", "error": error})
    channel.close()
    log(details or error)
    return 1


def main():
    try:
        conf = driver_conf()
    except Exception as e:
        log("cannot read the Spark configuration: %s" % e)
        return 1
    try:
        address = setting(conf, "callback")
        secret = setting(conf, "secret")
        session_id = number(int, "session-id", setting(conf, "session-id", "0"))
        connect_timeout = number(float, "connect-timeout", setting(conf, "connect-timeout", "60"))
        reconnect_timeout = number(float, "reconnect-timeout", setting(conf, "reconnect-timeout", "0"))
        max_output = number(int, "max-output-bytes", setting(conf, "max-output-bytes", str(4 << 20)))
        cache_dir = setting(conf, "cache-dir", "") or None
        session_kind = setting(conf, "session-kind", "") or None
        fingerprint = setting(conf, "tls-fingerprint", "") or None
        parallel = max(1, number(int, "parallel", setting(conf, "parallel", "1")))
        spill = setting(conf, "results", "") == "spill"
        if ":" not in address:
            raise ValueError("%scallback must be host:port, not %r" % (CONF_PREFIX, address))
        if fingerprint and len(fingerprint_text(fingerprint)) != 64:
            raise ValueError("%stls-fingerprint must be a SHA-256 fingerprint, not %r" % (CONF_PREFIX, fingerprint))
    except ValueError as e:
        log(str(e))
        return 1
    try:
        channel = Link(connect_with_retry(address, secret, session_id, connect_timeout, fingerprint), address,
                       secret, session_id, reconnect_timeout, fingerprint)
    except (Refused, ConnectionError, ValueError) as e:
        log(str(e))
        return 1
    try:
        from pyspark.sql import SparkSession
        scala = livy_scala.Scala(cache_dir) if livy_scala else None
        builder = scala.configure(SparkSession.builder) if scala else SparkSession.builder
        spark = builder.getOrCreate()
        if scala:
            scala.attach(spark)
    except Exception as e:
        return fatal(channel, "cannot create the SparkSession: %s" % e, traceback.format_exc())
    try:
        max_rows = int(spark.sparkContext.getConf().get("spark.livy.sql.max-result", "1000"))
    except ValueError as e:
        spark.stop()
        return fatal(channel, "spark.livy.sql.max-result is not an integer: %s" % e)
    if scala and session_kind in livy_scala.KINDS:
        # As in Livy, a spark session is ready once its interpreter is up: the first statement
        # after `idle` does not pay for the compile and the REPL's start. livyd gives the
        # warm-up a start timeout of its own.
        channel.send({"type": "warming"})
        scala.warm_up()
    ready = {"type": "ready", "appId": spark.sparkContext.applicationId,
             "sparkUiUrl": spark.sparkContext.uiWebUrl, "sparkVersion": spark.version}
    if conf.get("connect") == "true":  # reported in `ready`, which goes again after a reconnect
        if livy_connect is None:
            spark.stop()
            return fatal(channel, "Spark Connect was asked for, but livy_connect.py is not beside the driver")
        try:
            ready["connect"] = livy_connect.start(spark, log)
        except livy_connect.ConnectError as e:
            spark.stop()
            return fatal(channel, str(e))
    if session_id < 0:  # a warm driver: ready for the pool, then claimed by a session (livy_warm.py)
        import livy_warm
        livy_warm.warm_up(spark)
        channel.send(ready)
        try:
            claim = livy_warm.wait_for_claim(channel, spark)
        except ValueError as e:
            spark.stop()
            return fatal(channel, str(e))
        if claim is None:
            channel.close()
            spark.stop()
            return 0
    if parallel > 1:
        channel.keep_results(parallel)
    driver = Driver(channel, spark, max_rows, max_output, scala, parallel, spill)
    channel.send(ready)
    return 0 if driver.run() else 1


if __name__ == "__main__":
    sys.exit(main())
