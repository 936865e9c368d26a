// The data directory: one runtime's alone (an exclusive lock), and private to livyd's
// user (directories 0700, files 0600). Everything livyd creates under it goes through here.
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

// Creates the data directory (mode 0700; missing parents get the usual mode) or takes
// group and other permissions off an existing one. A shared directory (sticky bit, like
// /tmp) is refused: others could create livyd's files there first.
Status create_data_dir(const std::string& data_dir);

// Takes group and other permissions off what an earlier livyd left in the data directory
// (the store, the lock file, batches/, sessions/, driver-cache/ and everything in them;
// symbolic links are not followed). Best effort: a file livyd cannot change is left alone.
void tighten_data_dir(const std::string& data_dir);

// Creates `dir` and its missing parents with mode 0700.
Status create_private_dirs(const std::string& dir);

// Opens `path` for appending, close-on-exec, creating it with mode 0600; -1 and errno on failure.
int open_private_append(const std::string& path);

}  // namespace livy
