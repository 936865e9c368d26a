// The audit file: append, flush, rotate.
#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace livy::audit {
namespace {

Status io_error(const std::string& what, const std::string& path) {
  return Status::unavailable(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::open(AuditOptions options) {
  if (options.path.empty()) return Status::invalid_argument("audit.file is empty");
  if (options.max_files < 1) options.max_files = 1;
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(options)));
  MutexLock lock(log->mu_);
  if (Status st = log->reopen(); !st) return st;
  return log;
}

AuditLog::~AuditLog() {
  MutexLock lock(mu_);
  if (fd_ >= 0) ::close(fd_);
}

Status AuditLog::reopen() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(options_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) return io_error("cannot open the audit file", options_.path);
  struct stat st {};
  size_ = ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  return Status::ok();
}

Status AuditLog::rotate() {
  // file.(N-1) -> file.N (replacing the oldest) ... file -> file.1, then a new file.
  for (int i = options_.max_files - 1; i >= 1; --i) {
    const std::string from = options_.path + "." + std::to_string(i);
    const std::string to = options_.path + "." + std::to_string(i + 1);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) return io_error("cannot rotate", from);
  }
  if (::rename(options_.path.c_str(), (options_.path + ".1").c_str()) != 0) {
    return io_error("cannot rotate", options_.path);
  }
  return reopen();
}

Status AuditLog::append(std::string_view line) {
  MutexLock lock(mu_);
  if (fd_ < 0) {
    if (Status st = reopen(); !st) return st;
  }
  // O_APPEND: each write lands at the end whole, whatever else appends (a second livyd would
  // interleave lines, never bytes of lines). A short write (disk full) is finished or reported.
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot write the audit file", options_.path);
    rest.remove_prefix(static_cast<std::size_t>(n));
    size_ += static_cast<std::uint64_t>(n);
  }
  if (options_.fsync && ::fsync(fd_) != 0) return io_error("cannot fsync the audit file", options_.path);
  if (size_ > options_.max_bytes) return rotate();
  return Status::ok();
}

}  // namespace livy::audit
