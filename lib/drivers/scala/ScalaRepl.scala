// The Scala REPL of livyd's session driver: one interpreter in the driver's JVM, next to
// the session's SparkSession, driven over py4j by livy_scala.py. Compiled on first use
// with the scala-compiler of the Spark in use, together with the one ReplCompat.scala of
// its Scala version (scala-2.12/ or scala-2.13/), which hides the API differences.
package livyd.repl

import java.io.{ByteArrayOutputStream, OutputStreamWriter, PrintStream, PrintWriter}
import java.nio.charset.StandardCharsets.UTF_8
import java.util.concurrent.locks.ReentrantLock

import scala.tools.nsc.Settings
import scala.tools.nsc.interpreter.{IMain, Results}

/** What one statement gave: if ok, `text` is the REPL's output; else the error fields
  * are set (and `text` holds everything printed, for diagnostics). */
final class Outcome(val ok: Boolean, val text: String, val ename: String, val evalue: String,
                    val traceback: Array[String])

/** One REPL. `start` once, then `execute` statements one at a time; `complete` and
  * `interrupt` may be called from other threads at any time. */
final class ScalaRepl {
  // Everything a statement prints: the REPL's own lines (`res0: Int = 2`, compile errors)
  // and the user's Console output go to one buffer, in the order they were written.
  private val buffer = new ByteArrayOutputStream()
  private val console = new PrintStream(buffer, true, "UTF-8")
  private val writer = new PrintWriter(new OutputStreamWriter(console, UTF_8), true)
  private var intp: IMain = _

  // Held while the interpreter compiles or runs: completion never waits for it.
  private val busy = new ReentrantLock()
  // The thread running a statement's code, and whether it was interrupted; guarded by runnerLock.
  private val runnerLock = new Object
  private var runner: Thread = null
  private var interruptSent = false

  /** Creates the interpreter: classes go to outputDir (served to executors through
    * spark.repl.class.uri); `spark` and `sc` are bound. classpath: extra entries for the
    * compiler (the session's jars), ':'-separated. Returns "" or what went wrong. */
  def start(outputDir: String, classpath: String, parent: ClassLoader, spark: AnyRef, sc: AnyRef): String = {
    busy.lock()
    try {
      val settings = new Settings()
      // -nowarn: summaries such as "1 deprecation" would land in the output that clients parse.
      val args = List("-Yrepl-class-based", "-Yrepl-outdir", outputDir, "-nowarn") ++
        (if (classpath.isEmpty) Nil else List("-classpath", classpath))
      val (parsed, rest) = settings.processArguments(args, true)
      if (!parsed || rest.nonEmpty) return "bad compiler settings: " + args.mkString(" ")
      settings.usejavacp.value = true
      if (parent != null) settings.embeddedDefaults(parent) // the REPL's classes see the session's jars
      intp = ReplCompat.interpreter(settings, writer)
      val setup = Seq(
        () => intp.bind("spark", "org.apache.spark.sql.SparkSession", spark, List("@transient")),
        () => intp.bind("sc", "org.apache.spark.SparkContext", sc, List("@transient")),
        // One line: each REPL line costs a compiler run.
        () => intp.interpret("import org.apache.spark.SparkContext._; import spark.implicits._; " +
                             "import spark.sql; import org.apache.spark.sql.functions._"))
      val failed = withContextLoader {
        Console.withOut(console) { Console.withErr(console) { setup.exists(step => step() != Results.Success) } }
      }
      writer.flush()
      val text = takeText()
      if (failed) "the Scala interpreter did not start: " + text else ""
    } finally busy.unlock()
  }

  /** Runs one statement on the calling thread (so it carries the caller's Spark job group). */
  def execute(code: String): Outcome = {
    busy.lock()
    try {
      takeText()
      val before = lastException()
      val result = withContextLoader {
        runnerLock.synchronized {
          runner = Thread.currentThread()
          interruptSent = false
        }
        try Console.withOut(console) { Console.withErr(console) { intp.interpret(code) } }
        finally runnerLock.synchronized {
          runner = null
          Thread.interrupted() // an interrupt that came too late must not hit the next statement
        }
      }
      writer.flush()
      val text = takeText()
      val wasInterrupted = runnerLock.synchronized(interruptSent)
      result match {
        case Results.Success => new Outcome(true, text, null, null, null)
        case Results.Incomplete => error("Error", "incomplete statement", text)
        case _ =>
          lastException() match {
            case Some(t) if !before.exists(_ eq t) => thrown(t, text)
            case _ if text.trim.isEmpty && wasInterrupted => error("Error", "the statement was interrupted", text)
            case _ => compileError(text)
          }
      }
    } finally busy.unlock()
  }

  /** Interrupts a running statement's code if it waits (a sleep, a Spark job, a lock);
    * true if it did. Code that computes is left alone: an interrupt landing while the REPL
    * compiles (the statement, or `lastException` after the first interrupt) would break the
    * compiler's file writes and lose the error. So the caller repeats this until the
    * statement ends, and at most one interrupt is sent per statement. */
  def interrupt(): Boolean = runnerLock.synchronized {
    val waiting = runner != null && (runner.getState match {
      case Thread.State.WAITING | Thread.State.TIMED_WAITING => true
      case _ => false
    })
    if (waiting && !interruptSent) {
      interruptSent = true
      runner.interrupt()
    }
    waiting
  }

  /** The names that complete the identifier before `cursor`; none while a statement runs. */
  def complete(code: String, cursor: Int): Array[String] = {
    if (!busy.tryLock()) return Array.empty[String]
    try {
      if (intp == null) return Array.empty[String]
      val at = math.max(0, math.min(cursor, code.length))
      ReplCompat.complete(intp, code, at).filter(_.nonEmpty).distinct.sorted.toArray
    } catch {
      case e: Exception => Array.empty[String]
    } finally busy.unlock()
  }

  private def withContextLoader[T](body: => T): T = {
    // Spark resolves the REPL's classes (task results, encoders) through this loader.
    val thread = Thread.currentThread()
    val saved = thread.getContextClassLoader
    thread.setContextClassLoader(intp.classLoader)
    try body finally thread.setContextClassLoader(saved)
  }

  private def takeText(): String = {
    val text = new String(buffer.toByteArray, UTF_8)
    buffer.reset()
    text
  }

  // The REPL binds every exception a statement throws to `lastException`.
  private def lastException(): Option[Throwable] =
    try intp.valueOfTerm("lastException").collect { case t: Throwable => t }
    catch { case _: Exception => None }

  private def lines(text: String): Array[String] =
    text.split("\n").filter(_.trim.nonEmpty).map(_.replaceAll("\\s+$", "") + "\n")

  private def error(ename: String, evalue: String, text: String): Outcome =
    new Outcome(false, text, ename, evalue, lines(text))

  private def thrown(t: Throwable, text: String): Outcome = {
    // The traceback is the REPL's stack trace of the exception, without what the
    // statement printed before it.
    val trace = lines(text)
    val start = trace.indexWhere(_.startsWith(t.getClass.getName))
    new Outcome(false, text, t.getClass.getName, Option(t.getMessage).getOrElse(""),
                if (start >= 0) trace.drop(start) else trace)
  }

  private def compileError(text: String): Outcome = {
    // scalac reports "<console>:12: error: not found: value y" (2.12) or
    // "error: not found: value y" (2.13), then the code and a caret.
    val all = lines(text)
    val first = all.find(_.contains("error:")).orElse(all.headOption).getOrElse("the statement failed")
    val at = first.indexOf("error:")
    val evalue = if (at >= 0) first.substring(at + 6).trim else first.trim
    new Outcome(false, text, "Error", if (evalue.isEmpty) first.trim else evalue, all)
  }
}
