// Scala 2.12's REPL API, for ScalaRepl.scala.
package livyd.repl

import java.io.PrintWriter

import scala.tools.nsc.Settings
import scala.tools.nsc.interpreter.{IMain, PresentationCompilerCompleter}

private[repl] object ReplCompat {
  def interpreter(settings: Settings, out: PrintWriter): IMain = {
    val intp = new IMain(settings, out)
    intp.isettings.maxPrintString = 0 // whole values, as pyspark prints them: livyd limits outputs
    intp.initializeSynchronous()
    intp
  }

  def complete(intp: IMain, code: String, cursor: Int): Seq[String] =
    new PresentationCompilerCompleter(intp).complete(code, cursor).candidates
}
