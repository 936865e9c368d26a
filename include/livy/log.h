// Logger: livyd's one logging path (docs/operations.md#logs). Requests, state changes of
// sessions, batches and statements, and livyd's own messages go through it, as readable
// text lines (the default) or as JSON lines (log.format = json).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "livy/config.h"
#include "livy/export.h"

namespace livy {

enum class LogFormat { kText, kJson };

// A field's value: null (unknown), a flag, a number or text.
using LogValue = std::variant<std::nullptr_t, bool, std::int64_t, double, std::string>;

// One field of a line; fields keep the order they are given in.
struct LogField {
  std::string key;
  LogValue value;
};

struct LogOptions {
  LogFormat format = LogFormat::kText;  // log.format
  std::size_t max_queued_lines = 10'000;  // log.max-queued-lines: lines waiting for the writer; beyond it
                                          // new ones are dropped (and their number said in the next line
                                          // written), so a stalled stderr never stalls a request.
  // Where whole lines go (each ends in '\n'), from the writer thread alone. Empty: write(2) to
  // stderr. Tests capture lines here.
  std::function<void(std::string_view line)> sink;
};

// The log.* settings of `config`.
LIVY_API LogOptions log_options(const Config& config);

// Queues lines and writes them from a thread of its own, so that logging, also under a
// session's lock, never waits for I/O. Owned by shared_ptr (the runtime and the HTTP layer
// share one); the destructor writes what is queued and joins the thread.
class LIVY_API Logger {
 public:
  static std::shared_ptr<Logger> open(LogOptions options = {});
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // One line: its time, `level` ("info", "warn", "error"), `event` (what happened: "request",
  // "state", "message"...) and `fields`. Returns at once.
  void log(std::string_view level, std::string_view event, std::vector<LogField> fields);
  // A free-text line of livyd's own (start-up, shutdown): event "message", field "msg".
  void message(std::string_view level, std::string_view text);
  // Waits until every line logged before the call is written.
  void flush();
  LogFormat format() const;

  class LIVY_HIDDEN Impl;

 private:
  explicit Logger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livy
