// The data directory (issue 9, F8 and F14): one runtime at a time, and private to
// livyd's user, through a Runtime wired to fakes.
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>

#include "livy/livy.h"
#include "support/eventually.h"
#include "support/test_runtime.h"

using Catch::Matchers::Contains;
using livy::ErrorCode;
using livy_test::TempDir;
using livy_test::TestRuntime;
using livy_test::write_file;

extern char** environ;

namespace {

namespace fs = std::filesystem;

// Permission bits (and set-id, sticky) of `path`, not following a symlink.
mode_t mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Whether a descriptor of process `pid` is open on `file`.
bool has_open(pid_t pid, const fs::path& file) {
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code rec;
    if (fs::read_symlink(fd.path(), rec) == file) return true;
  }
  return false;
}

livy::SessionRequest pyspark() {
  livy::SessionRequest r;
  r.kind = livy::SessionKind::kPySpark;
  return r;
}

}  // namespace

// F8: two livyd on one data directory both served, and each took the other's batches for its own.
TEST_CASE("data directory: a second runtime on it fails with a clear message", "[data-dir]") {
  TestRuntime first;
  first.open();
  auto second = livy::Runtime::open(first.config(), {first.shared_launcher(), nullptr, nullptr});
  REQUIRE_FALSE(second.has_value());
  CHECK(second.status().code() == ErrorCode::kConflict);
  CHECK_THAT(second.status().message(),
             Contains("data directory " + first.data_dir().string() + " is in use by another livyd (pid " +
                      std::to_string(::getpid()) + ")"));
  // The first one goes on serving, and once it is closed the directory is free.
  CHECK(first.batches().list(0, 10).has_value());
  first.close_and_forget_children();
  first.open();
}

// Batches outlive livyd: a child that inherited the lock would keep the next livyd out.
TEST_CASE("data directory: the lock is close-on-exec, so children never hold it", "[data-dir]") {
  TestRuntime t;
  t.open();
  const fs::path lock_file = t.data_dir() / "livyd.lock";
  REQUIRE(fs::exists(lock_file));
  // A plain spawn, with no closing of descriptors: only close-on-exec keeps the lock out.
  pid_t child = -1;
  char sleep_cmd[] = "sleep";
  char seconds[] = "30";
  char* argv[] = {sleep_cmd, seconds, nullptr};
  REQUIRE(::posix_spawnp(&child, "sleep", nullptr, nullptr, argv, environ) == 0);
  // Close-on-exec acts at the exec: look once the child is `sleep`.
  CHECK(livy_test::eventually(
      [&] { return livy_test::read_file("/proc/" + std::to_string(child) + "/comm") == "sleep\n"; }));
  CHECK_FALSE(has_open(child, lock_file));
  t.close_and_forget_children();  // livyd exits; its child lives on
  REQUIRE(::kill(child, 0) == 0);
  CHECK_NOTHROW(t.open());
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

// F14: the data directory was 0755 and a session's driver.log (what user code prints) 0644.
TEST_CASE("data directory: what livyd creates in it is private to its user", "[data-dir]") {
  TestRuntime t;
  t.open();
  const fs::path data = t.data_dir();
  CHECK(mode_of(data) == 0700);
  CHECK(mode_of(data / "livyd.db") == 0600);
  CHECK(mode_of(data / "livyd.lock") == 0600);
  CHECK(mode_of(data / "driver-cache") == 0700);

  auto batch = t.batches().submit({.file = t.job_file()});
  REQUIRE(batch.has_value());
  CHECK(mode_of(data / "batches") == 0700);
  CHECK(mode_of(data / "batches" / std::to_string(batch->id)) == 0700);

  auto session = t.runtime().sessions().create(pyspark());
  REQUIRE(session.has_value());
  const fs::path dir = data / "sessions" / std::to_string(session->id);
  CHECK(mode_of(data / "sessions") == 0700);
  CHECK(mode_of(dir) == 0700);
  CHECK(mode_of(dir / "driver.log") == 0600);  // its first line is livyd's note, before the driver starts

  auto upload = t.runtime().jobs().begin_upload(session->id, livy::ResourceKind::kFile, "data.txt");
  REQUIRE(upload.has_value());
  REQUIRE((*upload)->write("secret").is_ok());
  bool part_seen = false;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".part") continue;
    part_seen = true;
    CHECK(mode_of(entry.path()) == 0600);
  }
  CHECK(part_seen);
  REQUIRE((*upload)->finish().is_ok());
  CHECK(mode_of(dir / "uploads") == 0700);
  CHECK(mode_of(dir / "uploads" / "data.txt") == 0600);
}

TEST_CASE("data directory: looser modes an earlier livyd left are tightened at start", "[data-dir]") {
  TestRuntime t;
  const fs::path data = t.data_dir();
  const fs::path log = data / "batches" / "7" / "output.log";
  write_file(log, "old output\n");
  write_file(data / "sessions" / "3" / "driver.log", "print('secret')\n");
  const TempDir elsewhere;
  write_file(elsewhere / "shared.txt", "not livyd's\n");
  fs::create_symlink(elsewhere / "shared.txt", data / "batches" / "7" / "link");
  for (const auto& p : {data, data / "batches", data / "batches" / "7", data / "sessions", data / "sessions" / "3"}) {
    REQUIRE(::chmod(p.c_str(), 0755) == 0);
  }
  REQUIRE(::chmod(log.c_str(), 0644) == 0);
  REQUIRE(::chmod((data / "sessions" / "3" / "driver.log").c_str(), 0664) == 0);
  REQUIRE(::chmod((elsewhere / "shared.txt").c_str(), 0644) == 0);

  t.open();
  CHECK(mode_of(data) == 0700);
  CHECK(mode_of(data / "batches") == 0700);
  CHECK(mode_of(data / "batches" / "7") == 0700);
  CHECK(mode_of(log) == 0600);
  CHECK(mode_of(data / "sessions" / "3") == 0700);
  CHECK(mode_of(data / "sessions" / "3" / "driver.log") == 0600);
  CHECK(mode_of(elsewhere / "shared.txt") == 0644);  // a symlink is not followed
}

TEST_CASE("data directory: a shared directory like /tmp is refused, not made private", "[data-dir]") {
  TestRuntime t;
  const fs::path shared = t.data_dir().parent_path() / "shared";
  fs::create_directories(shared);
  REQUIRE(::chmod(shared.c_str(), 01777) == 0);
  t.config().data_dir = shared.string();
  auto r = livy::Runtime::open(t.config(), {t.shared_launcher(), nullptr, nullptr});
  REQUIRE_FALSE(r.has_value());
  CHECK_THAT(r.status().message(), Contains("shared directory"));
  CHECK(mode_of(shared) == 01777);
}
