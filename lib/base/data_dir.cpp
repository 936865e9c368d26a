#include "base/data_dir.h"

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

constexpr mode_t kGroupOther = S_IRWXG | S_IRWXO;

// Owner permissions only: takes away group and other bits (and set-id and sticky ones).
void make_private(const fs::path& path, const struct stat& st) {
  if ((st.st_mode & (kGroupOther | S_ISUID | S_ISGID | S_ISVTX)) != 0) ::chmod(path.c_str(), st.st_mode & S_IRWXU);
}

void tighten_tree(const fs::path& root) {
  struct stat st {};
  if (::lstat(root.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) return;
  make_private(root, st);
  if (!S_ISDIR(st.st_mode)) return;
  std::error_code ec;
  // Does not follow directory symlinks; lstat below skips file symlinks.
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (::lstat(it->path().c_str(), &st) == 0 && !S_ISLNK(st.st_mode)) make_private(it->path(), st);
  }
}

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

Status create_data_dir(const std::string& data_dir) {
  const fs::path dir(data_dir);
  std::error_code ec;
  if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);
  if (!ec && ::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) ec.assign(errno, std::generic_category());
  struct stat st {};
  if (!ec && ::stat(dir.c_str(), &st) != 0) ec.assign(errno, std::generic_category());
  if (ec) return Status::unavailable("cannot create data directory " + data_dir + ": " + ec.message());
  if (!S_ISDIR(st.st_mode)) return Status::unavailable("data directory " + data_dir + " is not a directory");
  if ((st.st_mode & S_ISVTX) != 0) {
    return Status::invalid_argument(
        "data directory " + data_dir +
        " is a shared directory (sticky bit, like /tmp): give livyd a directory of its own");
  }
  if ((st.st_mode & kGroupOther) != 0 && ::chmod(dir.c_str(), st.st_mode & S_IRWXU) != 0) {
    return Status::unavailable("cannot make data directory " + data_dir + " private (mode 0700): " + errno_text(errno));
  }
  return Status::ok();
}

void tighten_data_dir(const std::string& data_dir) {
  const fs::path dir(data_dir);
  for (const char* name :
       {"livyd.db", "livyd.db-wal", "livyd.db-shm", "livyd.lock", "batches", "sessions", "driver-cache"}) {
    tighten_tree(dir / name);
  }
}

Status create_private_dirs(const std::string& dir) {
  fs::path path;
  for (const auto& part : fs::path(dir)) {
    path /= part;
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::unavailable("cannot create directory " + path.string() + ": " + errno_text(errno));
    }
  }
  return Status::ok();
}

int open_private_append(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

}  // namespace livy
