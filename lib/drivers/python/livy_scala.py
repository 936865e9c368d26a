"""Scala statements (kind `spark`) for livyd's session driver.

The statements run in a Scala REPL (lib/drivers/scala/ScalaRepl.scala) inside the driver's
own JVM, next to the session's SparkContext, reached through py4j. The REPL's code is
compiled on first use with the scala-compiler jar of the Spark in use, in a separate
`java` started with the driver JVM's own class path, and the jar is cached by Spark
version, Scala version and source hash. It is loaded through a new URLClassLoader,
because the driver JVM's class path is fixed when spark-submit starts it.

Executors load the classes the REPL generates (closures such as `rdd.map(_ + 1)`) from
the driver: Spark serves `spark.repl.class.outputDir` when that is set before the
SparkContext exists, so `configure` must be applied to the session's builder.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

KINDS = ("spark", "scala")
SCALA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "scala")
MAIN_SOURCE = "ScalaRepl.scala"
CLASS_NAME = "livyd.repl.ScalaRepl"
COMPILE_TIMEOUT_S = 600
# The helper is small: a JVM that stays at the first JIT tier compiles it about twice as fast.
COMPILER_JVM_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def log(message):
    """Like livy_driver's log: to the session's log, never into a statement's output."""
    print("livy_driver: %s" % message, file=sys.__stderr__, flush=True)


class ScalaError(Exception):
    """A Scala statement failed: the fields of Livy's error output."""

    def __init__(self, ename, evalue, traceback):
        super().__init__(evalue)
        self.ename, self.evalue, self.traceback = ename, evalue, traceback


def default_cache_dir():
    """A per-user directory under the temporary directory, refused if someone else owns it."""
    path = os.path.join(tempfile.gettempdir(), "livy-driver-cache-%d" % os.getuid())
    os.makedirs(path, mode=0o700, exist_ok=True)
    if os.stat(path).st_uid != os.getuid():
        raise OSError("%s belongs to another user" % path)
    return path


class Scala:
    """The session's Scala REPL, started by `warm_up` in a `spark` session, else by the first
    Scala statement. `warm_up` and `execute` run on the driver's main thread; `interrupt` and
    `complete` may come from any thread."""

    def __init__(self, cache_dir=None):
        self.cache_dir = cache_dir  # None: default_cache_dir()
        self.class_dir = None       # where the REPL writes its classes; served to executors
        self.loader = None          # reads class_dir; the parent of the REPL's own class loader
        self.spark = None
        self.repl = None            # the JVM ScalaRepl, once started
        self.broken = None          # why a REPL cannot be started again in this session

    def configure(self, builder):
        """The SparkSession builder, set up to serve the REPL's classes to executors. Call it on
        the main thread, right before getOrCreate(). A failure here costs Scala, not the session."""
        try:
            from pyspark import SparkContext
            SparkContext._ensure_initialized()  # the JVM, which spark-submit started already
            jvm = SparkContext._jvm
            # Made by the JVM, which deletes it when it exits, SIGTERM included (Python's
            # atexit would not run when livyd stops the session's process group).
            class_dir = jvm.org.apache.spark.util.Utils.createTempDir(
                jvm.java.lang.System.getProperty("java.io.tmpdir"), "livy-repl-classes").getAbsolutePath()
            # Spark's threads (and a local executor's class loader) inherit the context class
            # loader of the thread that creates the SparkContext. Giving them one that reads the
            # REPL's class directory makes every part of the driver JVM load a REPL class (a case
            # class of a statement, say) as the same class; otherwise task results deserialized
            # on the driver are instances of another copy of it (ArrayStoreException).
            thread = jvm.java.lang.Thread.currentThread()
            urls = SparkContext._gateway.new_array(jvm.java.net.URL, 1)
            urls[0] = jvm.java.io.File(class_dir).toURI().toURL()
            self.loader = jvm.java.net.URLClassLoader(urls, thread.getContextClassLoader())
            thread.setContextClassLoader(self.loader)
        except Exception as e:
            self.broken = "the driver could not prepare Spark for Scala statements: %s" % e
            log(self.broken)
            return builder
        self.class_dir = class_dir
        return builder.config("spark.repl.class.outputDir", self.class_dir)

    def attach(self, spark):
        self.spark = spark

    def warm_up(self):
        """Starts the REPL now, for a `spark` session, before the driver says `ready`. A failure is
        logged and kept for later: the session's first Scala statement reports it (a failed compile
        is tried again then, as after any failed start)."""
        log("warming up the Scala interpreter (a spark session is ready once it is up)")
        try:
            self._started()
        except ScalaError as e:
            log("the Scala warm-up failed, the first Scala statement will report it: %s: %s%s"
                % (e.ename, e.evalue, "".join("\n  " + line.rstrip("\n") for line in e.traceback[-10:])))
        except Exception as e:  # py4j or the JVM: as the statement would see it
            log("the Scala warm-up failed, the first Scala statement will report it: %s: %s"
                % (type(e).__name__, e))

    def execute(self, code):
        """Runs one statement; the data dict of an ok output, else ScalaError."""
        repl = self._started()
        outcome = repl.execute(code)
        if outcome.ok():
            # As the REPL wrote it, trailing newline included: Livy trims Python's and R's
            # text/plain, never Scala's (`println("foo")` is "foo\n").
            return {"text/plain": outcome.text() or ""}
        raise ScalaError(outcome.ename(), outcome.evalue(), list(outcome.traceback() or []))

    def interrupt(self):
        repl = self.repl
        if repl is not None:
            repl.interrupt()

    def complete(self, code, cursor):
        """Candidates from the Scala completer; none before the REPL has started."""
        repl = self.repl
        return list(repl.complete(code, cursor)) if repl is not None else []

    # -------- start-up
    def _started(self):
        if self.repl is not None:
            return self.repl
        if self.broken:
            raise ScalaError("ScalaUnavailable", self.broken, [])
        if self.spark is None or self.class_dir is None:
            raise ScalaError("ScalaUnavailable", "the Scala interpreter was not set up with the SparkSession", [])
        jvm = self.spark._jvm
        gateway = self.spark.sparkContext._gateway
        started = time.monotonic()
        try:
            jar = self._helper_jar(jvm)
        except OSError as e:  # the cache directory cannot be made or written
            raise ScalaError("ScalaUnavailable", "the driver cannot keep the compiled Scala interpreter: %s" % e, [])
        urls = gateway.new_array(jvm.java.net.URL, 1)
        urls[0] = jvm.java.io.File(jar).toURI().toURL()
        # self.loader's parent is spark-submit's loader, with the session's --jars.
        loader = jvm.java.net.URLClassLoader(urls, self.loader)
        cls = jvm.java.lang.Class.forName(CLASS_NAME, True, loader)
        repl = cls.getDeclaredConstructor(gateway.new_array(jvm.java.lang.Class, 0)).newInstance(
            gateway.new_array(jvm.java.lang.Object, 0))
        try:
            problem = repl.start(self.class_dir, self._session_jars(), self.loader, self.spark._jsparkSession,
                                 self.spark.sparkContext._jsc.sc())
        except Exception as e:
            problem = "the Scala interpreter did not start: %s" % e
        if problem:
            # Its first classes ($line1...) may be loaded already, from the class directory that
            # cannot change now: a second REPL would write classes of the same names.
            self.broken = problem
            raise ScalaError("ScalaUnavailable", problem, [])
        self.repl = repl
        log("the Scala interpreter started in %.1f s" % (time.monotonic() - started))
        return repl

    def _session_jars(self):
        """The session's local jars (spark.jars), for the compiler's class path."""
        jars = self.spark.sparkContext.getConf().get("spark.jars", "") or ""
        paths = []
        for entry in filter(None, (j.strip() for j in jars.split(","))):
            parsed = urllib.parse.urlparse(entry)
            path = urllib.request.url2pathname(parsed.path) if parsed.scheme == "file" else entry
            if not parsed.scheme or parsed.scheme == "file":
                if os.path.isfile(path):
                    paths.append(path)
        return os.pathsep.join(paths)

    def _helper_jar(self, jvm):
        """The compiled ScalaRepl for this Spark and Scala, from the cache or compiled now."""
        system = jvm.java.lang.System
        scala_version = jvm.scala.util.Properties.versionNumberString()
        binary = ".".join(scala_version.split(".")[:2])
        sources = [os.path.join(SCALA_DIR, MAIN_SOURCE), os.path.join(SCALA_DIR, "scala-" + binary, "ReplCompat.scala")]
        if not all(os.path.isfile(s) for s in sources):
            raise ScalaError("ScalaUnavailable", "no Scala REPL sources for Scala %s next to the driver (%s)"
                             % (scala_version, os.path.normpath(SCALA_DIR)), [])
        digest = hashlib.sha256()
        for source in sources:
            with open(source, "rb") as f:
                digest.update(f.read())
        key = "%s-scala-%s-%s" % (self.spark.version, scala_version, digest.hexdigest()[:16])
        cache = os.path.join(self.cache_dir or default_cache_dir(), "scala-repl")
        jar = os.path.join(cache, key + ".jar")
        if os.path.isfile(jar):
            return jar
        os.makedirs(cache, mode=0o700, exist_ok=True)
        started = time.monotonic()
        java = os.path.join(system.getProperty("java.home"), "bin", "java")
        work = tempfile.mkdtemp(prefix="compile-", dir=cache)
        try:
            # Two sessions may compile at once: each writes its own jar and renames it into place.
            out = os.path.join(work, "livy-repl.jar")
            command = [java] + COMPILER_JVM_OPTIONS + ["-cp", system.getProperty("java.class.path"),
                                                       "scala.tools.nsc.Main", "-usejavacp", "-nowarn",
                                                       "-d", out] + sources
            done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=COMPILE_TIMEOUT_S)
            if done.returncode != 0 or not os.path.isfile(out):
                lines = done.stdout.decode("utf-8", "replace").splitlines(True)
                raise ScalaError("ScalaUnavailable", "compiling the Scala interpreter for Scala %s failed"
                                 % scala_version, lines[-50:])
            os.replace(out, jar)
            log("compiled the Scala interpreter for Spark %s, Scala %s in %.1f s"
                % (self.spark.version, scala_version, time.monotonic() - started))
        except subprocess.TimeoutExpired:
            raise ScalaError("ScalaUnavailable", "compiling the Scala interpreter took over %d s"
                             % COMPILE_TIMEOUT_S, [])
        finally:
            shutil.rmtree(work, True)
        return jar
