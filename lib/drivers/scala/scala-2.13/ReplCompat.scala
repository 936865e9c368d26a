// Scala 2.13's REPL API, for ScalaRepl.scala.
package livyd.repl

import java.io.PrintWriter

import scala.tools.nsc.Settings
import scala.tools.nsc.interpreter.IMain
import scala.tools.nsc.interpreter.shell.{ReplCompletion, ReplReporterImpl}

private[repl] object ReplCompat {
  def interpreter(settings: Settings, out: PrintWriter): IMain =
    new IMain(settings, new ReplReporterImpl(settings, out))

  def complete(intp: IMain, code: String, cursor: Int): Seq[String] =
    new ReplCompletion(intp).complete(code, cursor, filter = true).candidates.map(_.name)
}
