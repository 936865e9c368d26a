// Logger: lines are encoded on the caller's thread, queued, and written by the logger's own
// thread, so that no caller (a request, a session under its lock) ever waits for stderr.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <deque>
#include <thread>

#include "base/thread_annotations.h"
#include "base/thread_name.h"
#include "base/text_values.h"
#include "livy/log.h"
#include "log/log_line.h"

namespace livy {
namespace {

// How long the writer waits for more lines after the first of a batch, and the most it waits for.
constexpr std::chrono::milliseconds kGather{2};
constexpr std::size_t kGatherLines = 256;

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
    if (!options_.sink) {
      options_.sink = write_stderr;
      joined_sink_ = true;
    }
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
    // A gathering writer takes it with the others, unless they are enough for one write.
    if (writer_idle_ || queue_.size() == kGatherLines) wake_.notify_one();
  }

  void flush() {
    MutexLock lock(mu_);
    const std::uint64_t target = queued_;
    ++flushing_;
    wake_.notify_one();  // no gathering: the caller waits
    while (written_ < target) written_cv_.wait(lock);
    --flushing_;
  }

  LogFormat format() const { return options_.format; }

  // The writer thread's body (WriterThread).
  void run() {
    MutexLock lock(mu_);
    for (;;) {
      writer_idle_ = true;
      while (queue_.empty() && dropped_ == 0 && !stopping_) wake_.wait(lock);
      writer_idle_ = false;
      if (queue_.empty() && dropped_ == 0 && stopping_) return;
      // A busy server logs in bursts (a statement's request and state lines): the lines of the
      // next moment go in the same write, rather than one wake-up and one write(2) per line.
      const auto gather_until = std::chrono::steady_clock::now() + kGather;
      while (!stopping_ && flushing_ == 0 && queue_.size() < kGatherLines) {
        const auto left = gather_until - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero() || wake_.wait_for(lock, left)) break;
      }
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
      if (joined_sink_) {
        std::string all;
        for (const auto& line : batch) all += line;
        options_.sink(all);
      } else {
        for (const auto& line : batch) options_.sink(line);  // a host's sink gets one line per call
      }
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
  bool writer_idle_ GUARDED_BY(mu_) = false;  // waiting for a first line (not gathering more)
  int flushing_ GUARDED_BY(mu_) = 0;          // flush() callers waiting
  bool joined_sink_ = false;                  // the sink is livyd's stderr writer: one write per batch
  std::thread writer_;  // owned: joined by the destructor
};

void WriterThread::operator()() const {
  name_this_thread("livyd-log");
  impl->run();
}

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
