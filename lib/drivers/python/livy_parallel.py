"""Statements in parallel in one session (livyd's opt-in livy.statements.parallel, which livyd
hands to the driver as spark.livy.driver.parallel): the driver's side.

livy_driver.Driver runs statements one at a time on its main thread. With a parallelism N
above 1 it gives each `execute` to a Runner of N worker threads instead; they share the
session's SparkContext:

- Each statement runs in a namespace of its own (a fresh Interpreter with spark, sc and
  sqlContext), unless its first line is `%repl NAME`: then it runs in the session's REPL of
  that name, whose variables persist across the statements that name it. livyd sends
  statements of one REPL one at a time, in order (lib/sessions/statement_dispatch.h); so it
  does for `spark` (Scala) and `sparkr` (R) statements, each kind having one interpreter.
- Spark jobs: every statement sets its own job group (pyspark's pinned thread mode gives
  each Python thread its JVM thread, whose local properties are its own) and runs in the
  fair-scheduler pool of its worker (`livy-parallel-K`; livyd sets spark.scheduler.mode FAIR),
  so cancelling one statement cancels only its jobs and concurrent jobs share the executors.
- Output: sys.stdout and sys.stderr become a ThreadStreams that writes to the buffer of the
  statement running on the writing thread (other threads write to the real stream).
- Cancel: its job group is cancelled and a KeyboardInterrupt is raised asynchronously in its
  thread (an R statement: R gets a SIGINT; a Scala one: its JVM thread is interrupted), again
  every second until it ends. Unlike the main thread's SIGINT, that exception
  lands only when the thread next runs Python code: a `time.sleep` or a blocking read in
  user code ends first. It is never raised while the thread is inside a py4j call (JavaCalls):
  py4j's handler of an interrupt between a command and its answer shuts down sockets of the
  connection pool all threads share. The interrupt waits for the call to return (a Spark job
  in that call is stopped by the job group's cancel meanwhile).
"""
import ctypes
import io
import queue
import sys
import threading
import traceback

REPL_MAGIC = "%repl"
MAX_REPL_NAME = 64
REPL_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def split_repl(code):
    """(NAME, the code without its first line) for code whose first line is `%repl NAME`, else
    (None, code). livyd refuses a bad NAME at submit; here one is taken as no magic."""
    first, newline, rest = code.partition("\n")
    line = first.strip(" \t\r")
    if not line.startswith(REPL_MAGIC):
        return None, code
    name = line[len(REPL_MAGIC):]
    if name and name[0] not in " \t":
        return None, code  # another magic (%replay)
    name = name.strip(" \t")
    if not name or len(name) > MAX_REPL_NAME or not set(name) <= REPL_NAME_CHARS:
        return None, code
    return name, rest


class ThreadStreams(io.TextIOBase):
    """A sys.stdout (or sys.stderr) whose writes go to the buffer of the statement that the
    writing thread runs, if any, else to the stream it replaced."""

    def __init__(self, fallback, captures):
        super().__init__()
        self._fallback = fallback
        self._captures = captures  # a threading.local with .buffer (an io.StringIO or None)

    def _target(self):
        return getattr(self._captures, "buffer", None) or self._fallback

    def write(self, text):
        return self._target().write(text)

    def flush(self):
        target = self._target()
        if hasattr(target, "flush"):
            target.flush()

    def writable(self):
        return True

    @property
    def encoding(self):
        return getattr(self._fallback, "encoding", "utf-8")

    def isatty(self):
        return False

    def fileno(self):
        return self._fallback.fileno()


def raise_in_thread(ident, exception):
    """Sets (or, with None, clears) an exception to be raised in thread `ident` at its next
    Python instruction."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident),
                                               ctypes.py_object(exception) if exception else None)


class JavaCalls:
    """Counts, per thread, the py4j calls in progress, by wrapping the send_command of the
    gateway's client (every call to the JVM goes through it), so that an interrupt never lands
    inside one. The canceller calls interrupt(): a thread outside the JVM gets the exception
    at once; one inside gets it from the wrapper when the call has returned (or before its next
    call is sent). The wrapper and interrupt() share `lock`, so an exception set just before a
    call lands on the wrapper's first instruction, before a byte goes to the JVM."""

    def __init__(self, gateway_client, lock):
        self.lock = lock
        self.depth = {}       # thread ident -> py4j calls in progress (under lock)
        self.pending = set()  # idents to interrupt when their py4j call returns (under lock)
        send = gateway_client.send_command

        def guarded_send(*args, **kwargs):
            ident = threading.get_ident()
            with lock:
                if ident in self.pending:
                    self.pending.discard(ident)
                    raise KeyboardInterrupt
                self.depth[ident] = self.depth.get(ident, 0) + 1
            try:
                return send(*args, **kwargs)
            finally:
                with lock:
                    left = self.depth.pop(ident) - 1
                    if left:
                        self.depth[ident] = left
                    elif ident in self.pending:
                        self.pending.discard(ident)
                        raise KeyboardInterrupt

        gateway_client.send_command = guarded_send

    def interrupt(self, ident):
        """Raises KeyboardInterrupt in thread `ident` now, or when its py4j call returns. The
        caller holds the lock."""
        if ident in self.depth:
            self.pending.add(ident)
        else:
            raise_in_thread(ident, KeyboardInterrupt)

    def forget(self, ident):
        """Drops an interrupt not delivered yet (the statement's code is over). The caller holds
        the lock."""
        self.pending.discard(ident)


class Runner:
    """N worker threads that run the session's statements; owned by the Driver, which hands
    it every readable `execute` and every `cancel` of a statement."""

    def __init__(self, driver, parallel, interpreter_class, user_error, error_class):
        self.d = driver
        self.parallel = parallel
        self.make_interpreter = lambda: interpreter_class(driver.spark, driver.interpreter.max_sql_rows)
        self.user_error, self.UserError = user_error, error_class
        self.work = queue.Queue()      # execute messages; None stops a worker
        self.repls = {}                # name -> Interpreter of a named REPL (under driver.lock)
        self.running = {}              # statement id -> the ident of the thread running it (under driver.lock)
        self.in_r = set()              # of them, the R statements (under driver.lock)
        # Statement id -> its thread's ident while its user code runs: an interrupt lands only then.
        self.interruptible = {}
        self.interrupt_lock = threading.Lock()  # guards interruptible and every raise_in_thread
        try:
            self.java_calls = JavaCalls(driver.spark.sparkContext._gateway._gateway_client, self.interrupt_lock)
        except AttributeError:  # no py4j gateway to wrap (a stand-in SparkSession in unit tests)
            self.java_calls = None
        self.captures = threading.local()
        sys.stdout = ThreadStreams(sys.stdout, self.captures)
        sys.stderr = ThreadStreams(sys.stderr, self.captures)
        self.threads = [threading.Thread(target=self.worker, args=(k,), daemon=True, name="livy-parallel-%d" % k)
                        for k in range(parallel)]
        for t in self.threads:
            t.start()

    # -------- from the Driver (any thread)
    def submit(self, msg):
        self.work.put(msg)

    def running_ids(self):
        with self.d.lock:
            return list(self.running)

    def cancel(self, statement_id):
        """A cancel: the statement is not run if it has not started, else stopped. True if it
        is a statement (jobs are the main thread's)."""
        if isinstance(statement_id, tuple):
            return False
        with self.d.lock:
            already = statement_id in self.d.cancelled
            self.d.cancelled.add(statement_id)
            running = statement_id in self.running
        if running and not already:
            threading.Thread(target=self.stop_statement, args=(statement_id,), daemon=True,
                             name="livy-cancel-%d" % statement_id).start()
        return True

    def stop(self):
        """Shutdown or lost connection: the statements waiting are not run, the running ones are
        cancelled (their results are still sent)."""
        for _ in self.threads:
            self.work.put(None)
        for statement_id in self.running_ids():
            self.cancel(statement_id)

    def join(self, timeout):
        for t in self.threads:
            t.join(timeout)

    def complete(self, code, cursor):
        """Completion in the named REPL of a `%repl NAME` first line, else in a fresh namespace."""
        name, rest = split_repl(code)
        with self.d.lock:
            interpreter = self.repls.get(name) if name else None
        interpreter = interpreter or self.make_interpreter()
        return interpreter.complete(rest, cursor - (len(code) - len(rest)))

    # -------- cancel
    def stop_statement(self, statement_id):
        d = self.d
        while True:
            with d.lock:
                ident = self.running.get(statement_id)
            if ident is None:
                return
            try:
                d.sc.cancelJobGroup(d.job_group(statement_id))
            except Exception as e:
                d.log("cancelJobGroup failed: %s" % e)
            if d.scala:
                try:
                    d.scala.interrupt()  # only a Scala statement's REPL thread is waiting in the REPL
                except Exception as e:
                    d.log("interrupting the Scala statement failed: %s" % e)
            with d.lock:
                in_r = statement_id in self.in_r
            if in_r and d.r is not None:
                try:
                    d.r.interrupt()  # R answers `interrupted` and keeps its variables
                except Exception as e:
                    d.log("interrupting the R statement failed: %s" % e)
            with self.interrupt_lock:
                if self.interruptible.get(statement_id) == ident:
                    if self.java_calls is not None:
                        self.java_calls.interrupt(ident)
                    else:
                        raise_in_thread(ident, KeyboardInterrupt)
            with d.changed:
                d.changed.wait_for(lambda: statement_id not in self.running, d.cancel_repeat_s)

    def disarm(self, statement_id):
        """The statement's user code is over: no interrupt may land in the runner's own code."""
        while True:
            try:
                with self.interrupt_lock:
                    self.interruptible.pop(statement_id, None)
                    raise_in_thread(threading.get_ident(), None)  # one set just before is dropped
                    if self.java_calls is not None:
                        self.java_calls.forget(threading.get_ident())
                return
            except KeyboardInterrupt:
                continue

    # -------- the workers
    def worker(self, slot):
        pool = "livy-parallel-%d" % slot
        while True:
            msg = self.work.get()
            if msg is None or self.d.closing.is_set():
                return
            try:
                self.execute(msg, pool)
            except KeyboardInterrupt:
                continue  # an interrupt that landed outside the statement's code after all
            except Exception as e:
                self.d.log("the parallel runner failed on statement %r: %s" % (msg.get("id"), e))

    def execute(self, msg, pool):
        d = self.d
        statement_id = msg["id"]
        with d.lock:
            count = d.execution_count
            d.execution_count += 1
            if statement_id in d.cancelled:  # cancelled before it started: it never runs
                d.cancelled.discard(statement_id)
                d.answered(statement_id)
                d.send({"type": "result", "id": statement_id, "cancelled": True, "output": {
                    "status": "error", "execution_count": count, "ename": "KeyboardInterrupt",
                    "evalue": "cancelled before it started", "traceback": []}})
                return
            self.running[statement_id] = threading.get_ident()
            d.changed.notify_all()
            d.send({"type": "started", "id": statement_id})
        try:
            d.sc.setJobGroup(d.job_group(statement_id), "livy statement %d" % statement_id, True)
            d.sc.setLocalProperty("spark.scheduler.pool", pool)
        except Exception as e:
            d.log("setJobGroup failed: %s" % e)
        output = self.run(msg, count)
        with d.lock:
            del self.running[statement_id]
            d.changed.notify_all()
            was_cancelled = statement_id in d.cancelled
            d.cancelled.discard(statement_id)
            d.answered(statement_id)
            d.send({"type": "result", "id": statement_id, "output": output, "cancelled": was_cancelled})

    def interpreter_for(self, name):
        if name is None:
            return self.make_interpreter()
        with self.d.lock:
            if name not in self.repls:
                self.repls[name] = self.make_interpreter()
            return self.repls[name]

    def run(self, msg, count):
        d = self.d
        kind = msg.get("kind")
        name, code = split_repl(msg["code"])
        captured = io.StringIO()
        self.captures.buffer = captured
        try:
            try:
                in_r = kind in d.r_kinds
                if in_r:
                    with d.lock:
                        self.in_r.add(msg["id"])
                # Scala code is stopped in the JVM and R code in R (stop_statement): an exception
                # here would abandon the call and leave the code running. A `sql` statement is
                # nothing but py4j calls, stopped by its job group's cancel: an exception raised
                # into a thread in the middle of a py4j call can break another thread's call
                # (seen: a concurrent statement's collectToPython failed), so none is raised there.
                elif not d.is_scala(kind) and kind != "sql":
                    with self.interrupt_lock:
                        self.interruptible[msg["id"]] = threading.get_ident()
                try:
                    data = d.run_kind(kind, code, self.interpreter_for(name))
                finally:
                    self.disarm(msg["id"])
                    if in_r:
                        with d.lock:
                            self.in_r.discard(msg["id"])
            except self.UserError:
                raise
            except BaseException as e:  # an interrupt landing between the user's code and the runner's
                raise self.user_error(e, traceback.format_exception_only(type(e), e))
            return d.ok_output(data, captured.getvalue(), count)
        except self.UserError as e:
            return {"status": "error", "execution_count": count, "ename": e.ename, "evalue": e.evalue,
                    "traceback": e.traceback}
        finally:
            self.captures.buffer = None
