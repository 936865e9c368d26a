// AuditLog: the audit file (audit.file). Each record is one JSON line, appended with one
// write(2) on a descriptor opened O_APPEND, before the reply that acknowledges the action is
// sent: a crash or kill -9 of livyd afterwards loses nothing (the line is in the kernel), and
// with audit.fsync a power loss does not either. Past audit.max-bytes the file is rotated by
// renaming (file -> file.1 -> file.2 ..., audit.max-files kept) and opened anew.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/thread_annotations.h"
#include "livy/status.h"

namespace livy::audit {

struct AuditOptions {
  std::string path;                       // audit.file
  std::uint64_t max_bytes = 100 << 20;    // audit.max-bytes: rotated once a line takes it past this
  int max_files = 10;                     // audit.max-files: file.1 .. file.N kept
  bool fsync = false;                     // audit.fsync: fsync after each line
};

// Shared by every worker thread. Its lock guards the descriptor and the size, and is held for
// one append (and a rotation, when due) only: never with a session's lock, so a slow disk
// delays other requests by at most one write each.
class AuditLog {
 public:
  // Opens (creates, mode 0600) `options.path` for appending.
  static Result<std::unique_ptr<AuditLog>> open(AuditOptions options);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `line` (ending in '\n') whole; an error says why it is not in the file.
  Status append(std::string_view line);

 private:
  explicit AuditLog(AuditOptions options) : options_(std::move(options)) {}
  Status reopen() REQUIRES(mu_);
  Status rotate() REQUIRES(mu_);

  const AuditOptions options_;
  Mutex mu_;
  int fd_ GUARDED_BY(mu_) = -1;
  std::uint64_t size_ GUARDED_BY(mu_) = 0;  // of the open file
};

}  // namespace livy::audit
