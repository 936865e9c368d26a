// The data directory: one runtime's alone (an exclusive lock).
#pragma once

#include <memory>
#include <string>

#include "livy/status.h"

namespace livy {

// An exclusive flock on DATA_DIR/livyd.lock, held for as long as the object lives; the
// file holds the holder's pid for the message a second runtime gets. The descriptor is
// close-on-exec: batches and session drivers outlive livyd and must not keep it locked.
// A lock on an open file description, so two runtimes of one process exclude each other too.
class DataDirLock {
 public:
  static Result<std::unique_ptr<DataDirLock>> acquire(const std::string& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace livy
