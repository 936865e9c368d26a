// The data directory (issue 9, F8): one runtime at a time, through a Runtime wired to fakes.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>

#include "livy/livy.h"
#include "support/eventually.h"
#include "support/test_runtime.h"

using Catch::Matchers::Contains;
using livy::ErrorCode;
using livy_test::TestRuntime;

extern char** environ;

namespace {

namespace fs = std::filesystem;

// Whether a descriptor of process `pid` is open on `file`.
bool has_open(pid_t pid, const fs::path& file) {
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code rec;
    if (fs::read_symlink(fd.path(), rec) == file) return true;
  }
  return false;
}

}  // namespace

// F8: two livyd on one data directory both served, and each took the other's batches for its own.
TEST_CASE("data directory: a second runtime on it fails with a clear message", "[data-dir]") {
  TestRuntime first;
  first.open();
  auto second = livy::Runtime::open(first.config(), {first.shared_launcher(), nullptr});
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
