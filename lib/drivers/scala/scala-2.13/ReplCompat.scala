// Scala 2.13's REPL API, for ScalaRepl.scala.
package livyd.repl

import java.io.PrintWriter

import scala.tools.nsc.Settings
import scala.tools.nsc.interpreter.IMain
import scala.tools.nsc.interpreter.shell.{ReplCompletion, ReplReporterImpl}

private[repl] object ReplCompat {
  def interpreter(settings: Settings, out: PrintWriter): IMain = {
    val reporter = new ReplReporterImpl(settings, out)
    reporter.maxPrintString = 0 // whole values, as pyspark prints them: livyd limits outputs
    new IMain(settings, reporter)
  }

  def complete(intp: IMain, code: String, cursor: Int): Seq[String] =
    new ReplCompletion(intp).complete(code, cursor, filter = true).candidates.map(_.name)
}
