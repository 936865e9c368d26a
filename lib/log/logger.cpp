// Logger: lines are encoded on the caller's thread, queued, and written by the logger's own
// thread, so that no caller (a request, a session under its lock) ever waits for stderr.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <deque>
#include <thread>

#include "base/thread_annotations.h"
#include "base/text_values.h"
#include "livy/log.h"
#include "log/log_line.h"

namespace livy {
namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void write_stderr(std::string_view line) {
  while (!line.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report it
    line.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

LogOptions log_options(const Config& config) {
  LogOptions o;
  o.format = config.log_format == "json" ? LogFormat::kJson : LogFormat::kText;
  o.max_queued_lines = config.log_max_queued_lines;
  return o;
}

// What the writer thread runs: a type of this file alone (internal linkage). With a lambda or a
// member function instead, std::thread's state for it would be exported from liblivy.so.
namespace {
struct WriterThread {
  Logger::Impl* impl;
  void operator()() const;
};
}  // namespace

class Logger::Impl {
 public:
  explicit Impl(LogOptions options) : options_(std::move(options)) {
    if (!options_.sink) options_.sink = write_stderr;
    if (options_.max_queued_lines == 0) options_.max_queued_lines = 1;
    writer_ = std::thread(WriterThread{this});
  }

  ~Impl() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
      wake_.notify_all();
    }
    writer_.join();  // it writes what is queued first
  }

  std::string encode(std::string_view level, std::string_view event, const std::vector<LogField>& fields) const {
    return options_.format == LogFormat::kJson ? encode_json_line(wall_ms(), level, event, fields)
                                               : encode_text_line(wall_ms(), level, event, fields);
  }

  void push(std::string line) {
    MutexLock lock(mu_);
    if (queue_.size() >= options_.max_queued_lines) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(line));
    ++queued_;
    wake_.notify_one();
  }

  void flush() {
    MutexLock lock(mu_);
    const std::uint64_t target = queued_;
    while (written_ < target) written_cv_.wait(lock);
  }

  LogFormat format() const { return options_.format; }

  // The writer thread's body (WriterThread).
  void run() {
    MutexLock lock(mu_);
    for (;;) {
      while (queue_.empty() && dropped_ == 0 && !stopping_) wake_.wait(lock);
      if (queue_.empty() && dropped_ == 0 && stopping_) return;
      std::deque<std::string> batch;
      batch.swap(queue_);
      const std::uint64_t dropped = dropped_;
      dropped_ = 0;
      lock.unlock();  // the sink's I/O with no lock: callers keep queueing meanwhile
      if (dropped > 0) {
        options_.sink(encode("warn", "message",
                             {{"msg", "livyd dropped " + std::to_string(dropped) +
                                          " log lines: more than log.max-queued-lines were waiting"}}));
      }
      for (const auto& line : batch) options_.sink(line);
      lock.lock();
      written_ += batch.size();
      written_cv_.notify_all();
    }
  }

 private:
  LogOptions options_;
  Mutex mu_;             // guards the queue and its counts, for a push or a swap
  CondVar wake_;         // lines (or a drop, or stop) for the writer
  CondVar written_cv_;   // the writer wrote a batch: flush()
  std::deque<std::string> queue_ GUARDED_BY(mu_);
  std::uint64_t queued_ GUARDED_BY(mu_) = 0;   // lines ever queued
  std::uint64_t written_ GUARDED_BY(mu_) = 0;  // lines ever written
  std::uint64_t dropped_ GUARDED_BY(mu_) = 0;  // since the writer last looked
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread writer_;  // owned: joined by the destructor
};

void WriterThread::operator()() const { impl->run(); }

std::shared_ptr<Logger> Logger::open(LogOptions options) {
  return std::shared_ptr<Logger>(new Logger(std::make_unique<Impl>(std::move(options))));
}

Logger::Logger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Logger::~Logger() = default;

void Logger::log(std::string_view level, std::string_view event, std::vector<LogField> fields) {
  impl_->push(impl_->encode(level, event, fields));
}

void Logger::message(std::string_view level, std::string_view text) {
  log(level, "message", {{"msg", std::string(text)}});
}

void Logger::flush() { impl_->flush(); }
LogFormat Logger::format() const { return impl_->format(); }

}  // namespace livy
