// ResultWriter (result_file.h): in liblivy's core only, beside the data directory's helpers;
// the readers in result_file.cpp are shared with the HTTP layer.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/data_dir.h"
#include "results/result_file.h"

namespace livy::results {
namespace {

constexpr std::size_t kFlushBytes = 1 << 20;  // a writer's buffer before it writes

std::string path_in(const std::string& dir, const char* name) { return dir + "/" + name; }

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

int open_new(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

ResultWriter::ResultWriter(std::string dir, int rows_fd, int index_fd, ResultMeta meta, std::uint64_t budget)
    : dir_(std::move(dir)), rows_fd_(rows_fd), index_fd_(index_fd), meta_(std::move(meta)), budget_(budget) {}

ResultWriter::~ResultWriter() {
  if (rows_fd_ >= 0) ::close(rows_fd_);
  if (index_fd_ >= 0) ::close(index_fd_);
}

Result<std::unique_ptr<ResultWriter>> ResultWriter::create(const std::string& dir, std::vector<ResultColumn> columns,
                                                           std::uint64_t budget_bytes) {
  const auto failed = Status::unavailable("the statement's result could not be stored");
  if (!create_private_dirs(dir)) return failed;
  ::unlink(path_in(dir, "meta.json").c_str());  // a result written again (a driver's replay) is new
  const int rows_fd = open_new(path_in(dir, "rows.jsonl"));
  if (rows_fd < 0) return failed;
  const int index_fd = open_new(path_in(dir, "index.bin"));
  if (index_fd < 0) {
    ::close(rows_fd);
    return failed;
  }
  ResultMeta meta;
  meta.columns = std::move(columns);
  return std::unique_ptr<ResultWriter>(new ResultWriter(dir, rows_fd, index_fd, std::move(meta), budget_bytes));
}

Result<bool> ResultWriter::append(const std::vector<std::string>& rows) {
  if (finished_) return Status::internal("the result is finished");
  for (const std::string& row : rows) {
    if (over_budget_) break;
    if (meta_.bytes + row.size() + 1 > budget_) {
      over_budget_ = true;
      break;
    }
    if (meta_.rows % kIndexEvery == 0) put_u64(index_buf_, meta_.bytes);
    rows_buf_ += row;
    rows_buf_.push_back('\n');
    meta_.bytes += row.size() + 1;
    ++meta_.rows;
    if (rows_buf_.size() >= kFlushBytes) {
      if (Status st = flush(); !st) return st;
    }
  }
  return !over_budget_;
}

Status ResultWriter::flush() {
  if (!write_all(rows_fd_, rows_buf_) || !write_all(index_fd_, index_buf_)) {
    return Status::unavailable("the statement's result could not be stored");
  }
  rows_buf_.clear();
  index_buf_.clear();
  return Status::ok();
}

Status ResultWriter::finish(bool complete, std::string reason) {
  if (finished_) return Status::ok();
  finished_ = true;
  if (Status st = flush(); !st) return st;
  meta_.complete = complete && !over_budget_;
  meta_.reason = over_budget_ ? "the result is larger than the session's quota (sessions.results-quota-bytes)"
                              : (meta_.complete ? "" : std::move(reason));
  const std::string tmp = path_in(dir_, "meta.json.tmp");
  const int fd = open_new(tmp);
  const bool ok = fd >= 0 && write_all(fd, encode_meta(meta_));
  if (fd >= 0) ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path_in(dir_, "meta.json").c_str()) != 0) {
    return Status::unavailable("the statement's result could not be stored");
  }
  return Status::ok();
}

}  // namespace livy::results
