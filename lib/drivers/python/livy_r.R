# The R side of livyd's sparkr statements. livy_r.py starts it (one R process per
# session) with `R --no-echo --no-save --no-restore -f livy_r.R` and talks to it over
# two pipes, never over stdin/stdout, so user code that reads stdin or writes to the
# console cannot break the framing:
#   requests  on fd LIVY_R_REQUEST_FD: a 16-byte header, a 4-letter command and an
#             11-digit byte count, then that many bytes of UTF-8 payload;
#             commands: "eval" (code), "comp" (the text before the cursor), "quit".
#   replies   on fd LIVY_R_REPLY_FD: a 16-byte header, a 4-letter status ("ok  ",
#             "err ", "comp") and an 11-digit field count, then each field as an
#             11-digit byte count, "\n", and that many bytes of UTF-8.
#     ok:   the captured text (stdout, messages, warnings, printed values), then the
#           path of the PNG file of the statement's plot, or ""
#     err:  ename, evalue, then the traceback lines
#     comp: the completion candidates
# The R process's own stdout and stderr are the driver's stderr (the session log).
# The user's variables live in the global environment; this loop keeps its own state
# in a private one. Interrupts (SIGINT, sent by livy_r.py when a statement is
# cancelled) are only let through while user code runs.

local({
  request_fd <- Sys.getenv("LIVY_R_REQUEST_FD")
  reply_fd <- Sys.getenv("LIVY_R_REPLY_FD")
  Sys.unsetenv(c("LIVY_R_REQUEST_FD", "LIVY_R_REPLY_FD"))
  open_pipe <- function(fd, mode) file(sprintf("/dev/fd/%s", fd), open = mode, raw = TRUE)
  request <- open_pipe(request_fd, "rb")
  reply <- open_pipe(reply_fd, "wb")

  # closeAllConnections() in a statement closes these two as well; the descriptors
  # they were opened from stay open, so they can be opened again.
  reopen_pipes <- function() {
    is_open <- function(con) isTRUE(tryCatch(isOpen(con), error = function(e) FALSE))
    if (!is_open(request)) request <<- open_pipe(request_fd, "rb")
    if (!is_open(reply)) reply <<- open_pipe(reply_fd, "wb")
  }
  if (!isTRUE(l10n_info()[["UTF-8"]])) suppressWarnings(Sys.setlocale("LC_CTYPE", "C.UTF-8"))

  read_exactly <- function(n) {
    if (n == 0) return(raw(0))
    bytes <- readBin(request, "raw", n)
    if (length(bytes) < n) NULL else bytes
  }

  utf8 <- function(bytes) {
    text <- rawToChar(bytes)
    Encoding(text) <- "UTF-8"
    text
  }

  send <- function(status, fields) {
    fields <- lapply(as.character(fields), function(f) charToRaw(enc2utf8(f)))
    frame <- c(list(charToRaw(sprintf("%-4s%011d\n", status, length(fields)))),
               unlist(lapply(fields, function(f) list(charToRaw(sprintf("%011d\n", length(f))), f)),
                      recursive = FALSE))
    writeBin(unlist(frame), reply)
    flush(reply)
  }

  # How this loop evaluates a user's expression; its frames are not the user's.
  user_eval <- quote(eval(expr, envir = globalenv()))

  # "Error in f() : boom" the way R's top level prints an error or a warning, and
  # "Error: boom" when it was raised by the statement itself rather than a function.
  describe <- function(prefix, condition) {
    call <- conditionCall(condition)
    message <- conditionMessage(condition)
    if (is.null(call) || identical(call, user_eval)) sprintf("%s: %s", prefix, message)
    else sprintf("%s in %s : %s", prefix, paste(deparse(call, nlines = 1L), collapse = ""), message)
  }

  # The names of the user's functions on the stack at an error, outermost first: the
  # calls above this loop's eval of the statement, minus the handler and R's condition
  # machinery on top.
  user_calls <- function(calls) {
    ours <- which(vapply(calls, identical, TRUE, user_eval))
    if (length(ours)) calls <- calls[seq_along(calls) > max(ours)]
    calls <- calls[-length(calls)]  # the handler that is asking
    while (length(calls) > 0) {
      f <- calls[[length(calls)]][[1L]]
      if (!is.name(f) || !(as.character(f) %in% c(".handleSimpleError", "stop"))) break
      calls <- calls[-length(calls)]
    }
    vapply(calls, function(call) {
      f <- call[[1L]]
      if (is.name(f)) as.character(f) else "<anonymous>"
    }, "")
  }

  show_value <- function(value) {
    if (isS4(value)) methods::show(value) else print(value)
  }

  error_calls <- character(0)  # set by evaluate's error handler, read by run_statement

  # A statement's output goes to this file, then back to livy_r.py. (A textConnection
  # would keep it in memory, but costs milliseconds per cat().)
  capture_path <- tempfile("livy-statement-output-")

  # Plots: R's default graphics device, opened by the first plotting call of a
  # statement, is a PNG file, closed when the statement ends and sent as image/png
  # (the last page, when there are several).
  plot_path <- tempfile("livy-statement-plot-", fileext = ".png")
  plot_device <- NULL  # the device the statement's plotting opened, if any
  bitmap_type <- if (isTRUE(capabilities("cairo"))) "cairo" else getOption("bitmapType")
  options(device = function(...) {
    grDevices::png(plot_path, type = bitmap_type)
    plot_device <<- grDevices::dev.cur()
  })

  # The statement's plot as a PNG file's path, "" if it drew none.
  finish_plot <- function() {
    if (!is.null(plot_device) && plot_device %in% grDevices::dev.list()) {
      try(grDevices::dev.off(plot_device), silent = TRUE)
    }
    plot_device <<- NULL
    if (isTRUE(file.size(plot_path) > 0)) plot_path else ""
  }

  # Runs the expressions one by one in the global environment, printing visible values
  # as R's top level does; warnings are printed at once (R would defer them).
  evaluate <- function(exprs) {
    withCallingHandlers(
      for (expr in exprs) {
        result <- withVisible(eval(expr, envir = globalenv()))
        if (result$visible) show_value(result$value)
      },
      error = function(e) error_calls <<- user_calls(sys.calls()),
      warning = function(w) {
        cat(describe("Warning", w), "\n", sep = "", file = stderr())
        invokeRestart("muffleWarning")
      })
  }

  # Runs one statement with its output captured: list(status, fields) for send().
  run_statement <- function(code) {
    exprs <- tryCatch(parse(text = code, keep.source = FALSE, encoding = "UTF-8"),
                      error = function(e) e)
    if (inherits(exprs, "error")) {
      message <- conditionMessage(exprs)
      return(list("err", c("Error", message, paste("Error:", message))))
    }
    unlink(plot_path)  # livy_r.py removes it too, after reading it
    capture <- file(capture_path, open = "w")
    depth <- sink.number()
    sink(capture)
    sink(capture, type = "message")
    error_calls <<- character(0)
    failure <- tryCatch(
      allowInterrupts({
        evaluate(exprs)
        NULL
      }),
      interrupt = function(i) c("KeyboardInterrupt", "interrupted"),
      error = function(e) {
        ename <- if (identical(class(e)[1L], "simpleError")) "Error" else class(e)[1L]
        calls <- if (length(error_calls)) paste("Calls:", paste(error_calls, collapse = " -> "))
        c(ename, conditionMessage(e), describe("Error", e), calls)
      })
    # The user's own sinks too: a statement cannot leave the console diverted.
    sink(type = "message")
    while (sink.number() > depth) sink()
    try(close(capture), silent = TRUE)  # the statement may have closed it itself
    plot <- finish_plot()
    if (!is.null(failure)) return(list("err", failure))
    size <- file.size(capture_path)
    output <- if (isTRUE(size > 0)) readChar(capture_path, size, useBytes = TRUE) else ""
    Encoding(output) <- "UTF-8"
    list("ok", c(output, plot))
  }

  # Completion candidates for the text before the cursor, from R's own completer
  # (the one behind R's console and readline): full tokens, such as "Sys.time".
  complete <- function(text) {
    utils:::.assignLinebuffer(text)
    utils:::.assignEnd(nchar(text))
    utils:::.guessTokenFromLine()
    utils:::.completeToken()
    sort(unique(utils:::.retrieveCompletions()))
  }

  # SparkR, when livy_r.py found it and started a backend in the session's JVM: the
  # backend's port and secret are in EXISTING_SPARKR_BACKEND_PORT and
  # SPARKR_BACKEND_AUTH_SECRET, so sparkR.session() attaches to the running
  # SparkContext instead of launching its own.
  sparkr_lib <- Sys.getenv("LIVY_SPARKR_LIB")
  Sys.unsetenv("LIVY_SPARKR_LIB")
  if (nzchar(sparkr_lib)) {
    tryCatch({
      suppressPackageStartupMessages(library(SparkR, lib.loc = sparkr_lib))
      assign("spark", SparkR::sparkR.session(), envir = globalenv())
      cat("livy_driver: SparkR attached to the session's SparkContext\n", file = stderr())
    }, error = function(e) {
      cat("livy_driver: SparkR could not be attached: ", conditionMessage(e), "\n", sep = "", file = stderr())
    })
  }

  # Interrupts are held back everywhere but in user code (run_statement and the
  # flush below let them through): one landing while this loop reads or writes a
  # frame would otherwise end R or break the framing.
  suspendInterrupts(
    repeat {
      header <- read_exactly(16L)
      if (is.null(header)) break
      command <- trimws(rawToChar(header[1:4]))
      size <- as.numeric(rawToChar(header[5:15]))
      payload <- read_exactly(size)
      if (is.null(payload) || command == "quit") break
      # A SIGINT meant for the previous statement that arrived after it ended is still
      # pending: let it go off here rather than in the next statement.
      tryCatch(allowInterrupts(Sys.sleep(0)), interrupt = function(i) NULL)
      if (command == "eval") {
        r <- run_statement(utf8(payload))
        reopen_pipes()
        send(r[[1L]], r[[2L]])
      } else if (command == "comp") {
        send("comp", tryCatch(complete(utf8(payload)), error = function(e) character(0)))
      } else {
        send("err", c("ProtocolError", paste("unknown command", command)))
      }
    }
  )
})
