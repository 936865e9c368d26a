"""R statements (kind sparkr) for livyd's session driver, livy_driver.py.

The driver imports this module on a session's first R statement. RInterpreter then
starts one R process (livy_r.R) for the rest of the session, so R variables persist
between statements, and Python-only sessions never start R. When SparkR is installed
($SPARK_HOME/R/lib/SparkR, or under SPARKR_PACKAGE_DIR), the R process attaches it to
the session's own SparkContext through a SparkR backend (RBackend) started in the
driver's JVM; otherwise R statements run as plain R and the session log says so.

The R binary is the Spark property spark.r.shell.command, else the environment
variable SPARKR_DRIVER_R, else "R" (the same lookup as Spark's sparkR shell).
The framing between this module and R is described at the top of livy_r.R.
"""
import base64
import os
import queue
import signal
import subprocess
import sys
import threading

R_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "livy_r.R")
HEADER_BYTES = 16            # 4-letter command or status, 11 digits, "\n"
COMPLETION_TIMEOUT_S = 3.0   # R must answer a completion before livyd gives up on it (5 s)
STOP_GRACE_S = 5.0           # after "quit" (and then SIGTERM), how long R has to exit
EXIT_CHECK_S = 1.0           # while waiting for R's reply, how often to check that R still runs


def log(message):
    print("livy_driver: %s" % message, file=sys.__stderr__, flush=True)


class RProcessLost(Exception):
    """The R process is gone or its pipes are out of step; the next statement starts a new one."""


def _read_exactly(fd, n):
    chunks = []
    while n > 0:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _read_reply(fd):
    """One reply frame from R: (status, [fields as str]), or None at end of stream."""
    header = _read_exactly(fd, HEADER_BYTES)
    if header is None:
        return None
    status, count = header[:4].decode("ascii").strip(), int(header[4:15])
    fields = []
    for _ in range(count):
        size = _read_exactly(fd, 12)
        data = _read_exactly(fd, int(size[:11])) if size is not None else None
        if data is None:
            return None
        fields.append(data.decode("utf-8", errors="replace"))
    return status, fields


def sparkr_library():
    """The R library holding SparkR: SPARKR_PACKAGE_DIR (the first of its comma-separated
    list, as Spark's own R runner sets it), else $SPARK_HOME/R/lib."""
    listed = os.environ.get("SPARKR_PACKAGE_DIR", "").split(",")[0]
    return listed or os.path.join(os.environ.get("SPARK_HOME", ""), "R", "lib")


class SparkRBackend:
    """A SparkR backend in the driver's JVM, serving the R process's SparkR calls.
    Started only when SparkR is there; close() stops it."""

    def __init__(self, sc):
        self._backend = sc._jvm.org.apache.spark.api.r.RBackend()
        port_and_auth = self._backend.init()
        self.port = port_and_auth._1()
        self.secret = port_and_auth._2().secret()
        # run() serves until close(); on its own thread, which py4j gives its own connection.
        self._thread = threading.Thread(target=self._serve, daemon=True, name="livy-sparkr-backend")
        self._thread.start()

    def _serve(self):
        try:
            self._backend.run()
        except Exception as e:  # closed while the JVM was stopping
            log("SparkR backend stopped: %s" % e)

    def close(self):
        try:
            self._backend.close()
        except Exception as e:
            log("stopping the SparkR backend failed: %s" % e)
        self._thread.join(STOP_GRACE_S)


class RInterpreter:
    """The session's R process. run() and close() are called on the driver's main
    thread, complete() on its reader thread; a cancelled statement is interrupted by
    the driver's SIGINT to the main thread, which run() forwards to R."""

    def __init__(self, spark, error_type):
        self._spark = spark
        self._error = error_type       # the driver's UserError(ename, evalue, traceback)
        self._lock = threading.Lock()  # held while a request is out to R: one at a time
        self._process = None
        self._request_fd = None
        self._replies = None           # R's reply frames, from the reply thread; None at R's end
        self._reply_thread = None
        self._backend = None
        self._sparkr_missing_logged = False
        self._late_completions = 0     # completion answers given up on, still to come from R

    # -------- the R process
    def _r_binary(self):
        try:
            command = self._spark.sparkContext.getConf().get("spark.r.shell.command", None)
        except Exception:
            command = None
        return command or os.environ.get("SPARKR_DRIVER_R") or "R"

    def _sparkr_env(self):
        """The environment that lets R attach SparkR to this session's JVM, if SparkR is there."""
        lib = sparkr_library()
        if not os.path.isdir(os.path.join(lib, "SparkR")):
            if not self._sparkr_missing_logged:  # once per session, not at every R restart
                log("SparkR is unavailable (%s not found): R statements run as plain R, without Spark"
                    % os.path.join(lib, "SparkR"))
                self._sparkr_missing_logged = True
            return {}
        try:
            if self._backend is None:
                self._backend = SparkRBackend(self._spark.sparkContext)
        except Exception as e:
            log("SparkR is unavailable: the SparkR backend could not start: %s" % e)
            return {}
        return {"LIVY_SPARKR_LIB": lib, "EXISTING_SPARKR_BACKEND_PORT": str(self._backend.port),
                "SPARKR_BACKEND_AUTH_SECRET": self._backend.secret}

    def _start(self):
        binary = self._r_binary()
        env = dict(os.environ, **self._sparkr_env())
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        env["LIVY_R_REQUEST_FD"], env["LIVY_R_REPLY_FD"] = str(request_read), str(reply_write)
        try:
            # R's console output goes to the driver's stderr, the session log.
            self._process = subprocess.Popen(
                [binary, "--no-echo", "--no-save", "--no-restore", "-f", R_SCRIPT],
                stdin=subprocess.DEVNULL, stdout=sys.__stderr__.fileno(), stderr=sys.__stderr__.fileno(),
                pass_fds=(request_read, reply_write), env=env)
        except OSError as e:
            for fd in (request_write, reply_read):
                os.close(fd)
            raise self._error("RUnavailable", "cannot start R (%s): %s; install R or set spark.r.shell.command"
                              % (binary, e), [])
        finally:
            os.close(request_read)  # R's ends
            os.close(reply_write)
        log("started R (%s, pid %d) for sparkr statements" % (binary, self._process.pid))
        self._request_fd = request_write
        self._late_completions = 0
        self._replies = queue.Queue()
        self._reply_thread = threading.Thread(target=self._read_replies, args=(reply_read, self._replies),
                                              daemon=True, name="livy-r-replies")
        self._reply_thread.start()

    def _read_replies(self, fd, replies):
        try:
            while True:
                try:
                    frame = _read_reply(fd)
                except (OSError, ValueError, UnicodeDecodeError) as e:
                    log("bad reply from R: %s" % e)
                    frame = None
                replies.put(frame)
                if frame is None:
                    return
        finally:
            os.close(fd)

    def _stop_process(self):
        """Ends the R process (asking first) and forgets it."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            os.write(self._request_fd, b"quit%011d\n" % 0)
        except OSError:
            pass
        os.close(self._request_fd)  # end of stream: R stops reading and quits
        try:
            process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:  # busy in user code that ignores interrupts
            process.terminate()
            try:
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # Not waited for longer: a process R started may hold the reply pipe open, and
        # the thread then ends only when that process does (into its own, dropped queue).
        self._reply_thread.join(EXIT_CHECK_S)

    def _send(self, command, payload):
        data = payload.encode("utf-8", errors="surrogatepass")
        try:
            os.write(self._request_fd, b"%-4s%011d\n" % (command, len(data)))
            view = memoryview(data)
            while view:
                view = view[os.write(self._request_fd, view):]
        except OSError as e:
            raise RProcessLost("cannot write to R: %s" % e)

    def _next_reply(self, timeout=None):
        """R's next reply, skipping the completion answers given up on (R answers in order).
        None: R is gone. queue.Empty after timeout."""
        while True:
            reply = self._replies.get(timeout=timeout)
            if reply is not None and reply[0] == "comp" and self._late_completions:
                self._late_completions -= 1
                continue
            return reply

    def _lost(self):
        process = self._process
        self._stop_process()
        code = process.returncode if process is not None else None
        return self._error("RProcessExited", "the R process ended%s; the next R statement starts a new one "
                           "(R variables are lost)" % ("" if code is None else " with status %d" % code), [])

    # -------- statements (main thread)
    def _wait_for_reply(self):
        """The reply to a statement. The driver cancels a statement with a SIGINT to the main
        thread, whose handler raises KeyboardInterrupt; while this waits, that becomes a
        SIGINT for R instead, so it can never land between R's reply and its use."""
        previous = signal.getsignal(signal.SIGINT)

        def forward_to_r(signum, frame):
            try:
                if callable(previous):
                    previous(signum, frame)
            except KeyboardInterrupt:
                self._process.send_signal(signal.SIGINT)
        on_main_thread = threading.current_thread() is threading.main_thread()
        if on_main_thread:
            signal.signal(signal.SIGINT, forward_to_r)
        try:
            while True:
                try:
                    reply = self._next_reply(timeout=EXIT_CHECK_S)
                except queue.Empty:
                    # A process R started may hold the reply pipe open after R is gone,
                    # so R's end is not always seen on the pipe.
                    if self._process.poll() is None:
                        continue
                    try:
                        reply = self._next_reply(timeout=EXIT_CHECK_S)
                    except queue.Empty:
                        reply = None
                if reply is None:
                    raise RProcessLost("R closed its pipe")
                return reply
        finally:
            if on_main_thread:
                signal.signal(signal.SIGINT, previous)

    def interrupt(self):
        """Interrupts the R code running now, as the SIGINT forwarded from the main thread does:
        for a statement on another thread (livy_parallel.py), which that SIGINT cannot reach.
        R discards one that lands after its statement ended."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)

    def run(self, code):
        """Runs R code; the statement's data ({"text/plain": ...}), or raises the driver's UserError."""
        with self._lock:
            try:
                if self._process is None:
                    self._start()
                self._send(b"eval", code)
                reply = self._wait_for_reply()
            except RProcessLost:
                raise self._lost()
            except KeyboardInterrupt:
                # Cancelled while R was starting or the code was being written: the pipes
                # may be out of step, so this R process cannot be trusted with the next one.
                self._stop_process()
                raise
        status, fields = reply
        if status == "ok":
            data = {"text/plain": fields[0].rstrip() if fields else ""}
            if len(fields) > 1 and fields[1]:
                data.update(self._plot(fields[1]))
            return data
        if status == "err" and len(fields) >= 2:
            raise self._error(fields[0], fields[1], [line + "\n" for field in fields[2:] for line in field.split("\n")])
        raise self._error("RProtocolError", "unexpected reply from R: %s" % status, [])

    def _plot(self, path):
        """{"image/png": base64} of the PNG file R drew the statement's plot in; the file is removed."""
        try:
            with open(path, "rb") as f:
                return {"image/png": base64.b64encode(f.read()).decode("ascii")}
        except OSError as e:
            log("cannot read the plot R drew: %s" % e)
            return {}
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass

    # -------- completion (reader thread)
    def complete(self, code, cursor):
        """R's completions for the text before cursor; [] while R runs a statement or is not started."""
        if not self._lock.acquire(blocking=False):
            return []
        try:
            if self._process is None:
                return []
            self._send(b"comp", code[:max(0, min(cursor, len(code)))])
            try:
                reply = self._next_reply(COMPLETION_TIMEOUT_S)
            except queue.Empty:
                self._late_completions += 1
                log("R did not answer a completion within %g s" % COMPLETION_TIMEOUT_S)
                return []
            if reply is None or reply[0] != "comp":
                raise RProcessLost("no completion answer from R")
            return sorted(set(reply[1]))
        except RProcessLost:
            self._stop_process()
            return []
        finally:
            self._lock.release()

    def close(self):
        """Stops R and the SparkR backend; called once, when the driver stops."""
        with self._lock:
            self._stop_process()
            if self._backend is not None:
                self._backend.close()
                self._backend = None
