// LogTail: follows a growing log file and keeps its last lines in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace livy {

// Not thread-safe: its owner serializes calls.
class LogTail {
 public:
  LogTail(std::string path, std::size_t max_lines);

  // Reads what was appended since the last call; returns the complete new lines.
  std::vector<std::string> poll();

  // Treats a partial last line as complete (the writer has ended).
  std::vector<std::string> finish();

  const std::deque<std::string>& lines() const { return lines_; }
  std::vector<std::string> last(std::size_t n) const;

 private:
  void keep(std::string line, std::vector<std::string>& out);

  std::string path_;
  std::size_t max_lines_;
  std::uint64_t offset_ = 0;
  std::string partial_;
  std::deque<std::string> lines_;
};

}  // namespace livy
