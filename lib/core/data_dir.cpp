#include "core/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace livy {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

Result<std::unique_ptr<DataDirLock>> DataDirLock::acquire(const std::string& data_dir) {
  const std::string path = (fs::path(data_dir) / "livyd.lock").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::unavailable("cannot open the lock file " + path + ": " + errno_text(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char text[32] = {};
    const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) return Status::unavailable("cannot lock " + path + ": " + errno_text(err));
    std::string pid(text, n > 0 ? static_cast<std::size_t>(n) : 0);
    pid.erase(pid.find_last_not_of(" \n") + 1);
    const bool numeric = !pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos;
    return Status::conflict("data directory " + data_dir + " is in use by another livyd" +
                            (numeric ? " (pid " + pid + ")" : std::string()));
  }
  ::fchmod(fd, 0600);  // a lock file an older livyd left with a looser mode
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // The lock holds without the pid; only a second runtime's message is the poorer.
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { ::close(fd_); }  // releases the lock; the file stays for the next holder

}  // namespace livy
