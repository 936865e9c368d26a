// The job API's files: added to a session's Spark context by URI, or uploaded
// into the session's directory first, and the driver's answers about them.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <filesystem>

#include "base/data_dir.h"
#include "model/id_or_name.h"
#include "model/request_validation.h"
#include "sessions/session_core.h"

namespace livy {

namespace fs = std::filesystem;

namespace {

// How long add() waits for a ready driver to confirm that it added a file.
constexpr auto kAddTimeout = std::chrono::seconds(30);
constexpr std::size_t kMaxUriBytes = 64 * 1024;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The name an uploaded file is stored under: the client's file name without
// its directory. Python's requests may send a non-ASCII name as RFC 5987's
// utf-8''%XX..., as Livy notes; that form is decoded.
Result<std::string> upload_name(std::string given) {
  constexpr std::string_view kUtf8Tag = "utf-8''";
  if (given.size() > kUtf8Tag.size() && std::equal(kUtf8Tag.begin(), kUtf8Tag.end(), given.begin(),
                                                    [](char a, char b) {
                                                      return a == std::tolower(static_cast<unsigned char>(b));
                                                    })) {
    std::string decoded;
    for (std::size_t i = kUtf8Tag.size(); i < given.size(); ++i) {
      if (given[i] == '%' && i + 2 < given.size() && hex_value(given[i + 1]) >= 0 && hex_value(given[i + 2]) >= 0) {
        decoded += static_cast<char>(hex_value(given[i + 1]) * 16 + hex_value(given[i + 2]));
        i += 2;
      } else {
        decoded += given[i];
      }
    }
    given = std::move(decoded);
  }
  if (const auto slash = given.find_last_of("/\\"); slash != std::string::npos) given.erase(0, slash + 1);
  if (given.empty() || given == "." || given == "..") {
    return Status::invalid_argument("the uploaded file has no usable file name");
  }
  if (given.size() > 255) return Status::invalid_argument("the uploaded file's name is longer than 255 bytes");
  for (const char c : given) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::invalid_argument("the uploaded file's name contains control characters");
    }
  }
  return given;
}

}  // namespace

void SessionCore::send_pending_resources(Entry& e) {
  for (const auto& r : e.jobs.pending) e.driver->send(add_resource_message(next_request_id_++, r.kind, r.uri));
  e.jobs.pending.clear();
}

Status SessionCore::add_to_driver(Entry& e, MutexLock& lock, ResourceKind kind, const std::string& uri) {
  if (e.gone) return not_found(std::to_string(e.id));
  if (!accepts_work(e.rec)) return session_not_accepting(e.rec);
  if (!e.ready || !e.driver) {
    // Sent with `ready`, before any statement or job: the first one can use it.
    e.jobs.pending.push_back({kind, uri});
    return Status::ok();
  }
  const std::int64_t rid = next_request_id_++;
  e.jobs.replies[rid];
  e.driver->send(add_resource_message(rid, kind, uri));
  e.last_activity_ms = e.last_heartbeat_ms = now_ms();
  const auto deadline = clock_->steady_now() + kAddTimeout;
  for (bool timed_out = false;;) {
    if (e.gone) return not_found(std::to_string(e.id));
    const auto reply = e.jobs.replies.find(rid);
    if (reply->second.done || stopping_ || timed_out) {
      const SessionJobs::Reply answer = reply->second;
      e.jobs.replies.erase(reply);
      if (!answer.done) {
        return Status::unavailable("the driver did not confirm adding the file within " +
                                   std::to_string(kAddTimeout.count()) + " s");
      }
      if (!answer.error.empty()) return Status::invalid_argument("the driver could not add the file: " + answer.error);
      return Status::ok();
    }
    timed_out = wait_on(e, e.replies_changed, lock, deadline);
  }
}

Status SessionCore::add_resource(std::string_view session, ResourceKind kind, const std::string& uri) {
  if (uri.empty()) return Status::invalid_argument("uri is required");
  if (uri.size() > kMaxUriBytes) return Status::invalid_argument("uri is too long");
  if (uri.find('\0') != std::string::npos) return Status::invalid_argument("uri contains a NUL character");
  Status st = check_local_path("uri", uri, rules_.local_dir_whitelist);
  if (!st) return st;
  const EntryPtr e = find(session);
  if (e == nullptr) return not_found(session);
  MutexLock lock(e->mu);
  return add_to_driver(*e, lock, kind, uri);
}

struct Upload::Impl {
  std::shared_ptr<SessionCore> core;
  std::int64_t session_id = 0;
  ResourceKind kind = ResourceKind::kFile;
  std::string name;       // the file's name in the session's uploads/ directory
  std::string part_path;  // where the bytes go until finish()
  std::size_t limit = 0;
  std::size_t written = 0;
  int fd = -1;
  bool done = false;      // finished, or failed and cleaned up

  void abandon() {
    if (done) return;
    done = true;
    if (fd >= 0) ::close(fd);
    fd = -1;
    std::error_code ec;
    fs::remove(part_path, ec);
    core->release_upload(session_id, name);
  }
};

Upload::Upload(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Upload::~Upload() { impl_->abandon(); }

Status Upload::write(std::string_view data) {
  Impl& u = *impl_;
  if (u.done) return Status::invalid_argument("the upload is over");
  if (data.size() > u.limit - u.written) {
    u.abandon();
    return Status::too_large("the uploaded file is larger than " + std::to_string(u.limit) +
                             " bytes (sessions.max-upload-bytes)");
  }
  while (!data.empty()) {
    const ssize_t n = ::write(u.fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      u.abandon();
      return Status::unavailable("the uploaded file could not be stored");
    }
    data.remove_prefix(static_cast<std::size_t>(n));
    u.written += static_cast<std::size_t>(n);
  }
  return Status::ok();
}

Status Upload::finish() {
  Impl& u = *impl_;
  if (u.done) return Status::invalid_argument("the upload is over");
  const bool closed = ::close(u.fd) == 0;
  u.fd = -1;
  if (!closed) {
    u.abandon();
    return Status::unavailable("the uploaded file could not be stored");
  }
  Status st = u.core->finish_upload(u.session_id, u.kind, u.name, u.part_path);
  if (st) {
    u.done = true;  // the file stays, and so does its name
  } else {
    u.abandon();
  }
  return st;
}

Result<std::unique_ptr<Upload>> SessionCore::begin_upload(const std::shared_ptr<SessionCore>& self,
                                                          std::string_view session, ResourceKind kind,
                                                          const std::string& file_name) {
  auto name = upload_name(file_name);
  if (!name) return name.status();
  static std::atomic<std::uint64_t> counter{0};
  auto impl = std::make_unique<Upload::Impl>();
  {
    const EntryPtr e = find(session);
    if (e == nullptr) return not_found(session);
    MutexLock lock(e->mu);
    if (!accepts_work(e->rec)) return session_not_accepting(e->rec);
    if (!e->jobs.upload_names.insert(*name).second) {
      return Status::conflict("a file named '" + *name + "' was already uploaded to this session");
    }
    const fs::path dir = fs::path(e->rec.log_path).parent_path();
    impl->session_id = e->rec.id;
    impl->part_path = (dir / ("upload-" + std::to_string(counter++) + ".part")).string();
  }
  impl->core = self;
  impl->kind = kind;
  impl->name = *name;
  impl->limit = config_.upload_max_bytes;
  impl->fd = ::open(impl->part_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (impl->fd < 0) {
    impl->abandon();
    return Status::unavailable("the uploaded file could not be stored");
  }
  return std::unique_ptr<Upload>(new Upload(std::move(impl)));
}

Status SessionCore::finish_upload(std::int64_t session_id, ResourceKind kind, const std::string& name,
                                  const std::string& part_path) {
  const EntryPtr e = find(session_id);
  if (e == nullptr) return not_found(std::to_string(session_id));
  fs::path dir;
  {
    MutexLock lock(e->mu);
    dir = fs::path(e->rec.log_path).parent_path() / "uploads";
  }
  // The directory and the rename with no lock held: file system work stalls nobody.
  std::error_code ec;
  const Status made = create_private_dirs(dir.string());
  if (made) fs::rename(part_path, dir / name, ec);
  if (!made || ec) return Status::unavailable("the uploaded file could not be stored");
  MutexLock lock(e->mu);
  // The driver runs on this host (local and client deploy modes): a local path reaches it.
  return add_to_driver(*e, lock, kind, (dir / name).string());
}

void SessionCore::release_upload(std::int64_t session_id, const std::string& name) {
  const EntryPtr e = find(session_id);
  if (e == nullptr) return;
  MutexLock lock(e->mu);
  e->jobs.upload_names.erase(name);
}

}  // namespace livy
