#include "process/log_tail.h"

#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

namespace livy {
namespace {

// A single line longer than this is split: memory stays bounded whatever a program prints.
constexpr std::size_t kMaxLineBytes = 64 * 1024;
// On first read of a large file (a recovered batch) only its end matters.
constexpr std::uint64_t kMaxBacklogBytes = 4 * 1024 * 1024;

}  // namespace

LogTail::LogTail(std::string path, std::size_t max_lines) : path_(std::move(path)), max_lines_(max_lines) {}

void LogTail::keep(std::string line, std::vector<std::string>& out) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  out.push_back(line);
  lines_.push_back(std::move(line));
  while (lines_.size() > max_lines_) lines_.pop_front();
}

std::vector<std::string> LogTail::poll() {
  std::vector<std::string> out;
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size < offset_) offset_ = 0;  // truncated: start again
    if (offset_ == 0 && size > kMaxBacklogBytes) offset_ = size - kMaxBacklogBytes;
    char buf[64 * 1024];
    for (;;) {
      const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(offset_));
      if (n <= 0) break;
      offset_ += static_cast<std::uint64_t>(n);
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] == '\n') {
          keep(std::move(partial_), out);
          partial_.clear();
        } else {
          partial_.push_back(buf[i]);
          if (partial_.size() >= kMaxLineBytes) {
            keep(std::move(partial_), out);
            partial_.clear();
          }
        }
      }
    }
  }
  ::close(fd);
  return out;
}

std::vector<std::string> LogTail::finish() {
  std::vector<std::string> out = poll();
  if (!partial_.empty()) {
    keep(std::move(partial_), out);
    partial_.clear();
  }
  return out;
}

std::vector<std::string> LogTail::last(std::size_t n) const {
  const std::size_t start = lines_.size() > n ? lines_.size() - n : 0;
  return {lines_.begin() + static_cast<std::ptrdiff_t>(start), lines_.end()};
}

}  // namespace livy
