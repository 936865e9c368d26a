// The real launcher, with short real processes (/bin/sh, sleep): no Spark.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <thread>

#include "livy/process.h"
#include "support/eventually.h"
#include "support/temp_dir.h"

using namespace std::chrono_literals;
using livy_test::read_file;
using livy_test::TempDir;

namespace {

// Reaps `pid`, waiting at most a few seconds.
std::optional<livy::ProcessExit> reap(livy::ProcessLauncher& l, int pid) {
  std::optional<livy::ProcessExit> exit;
  livy_test::eventually([&] { return (exit = l.try_reap(pid)).has_value(); });
  return exit;
}

livy::ProcessSpec shell(const std::string& script, const TempDir& dir, bool wrapped = true) {
  livy::ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.output_path = (dir / "out.log").string();
  if (wrapped) spec.exit_status_path = (dir / "exit-status").string();
  return spec;
}

// Runs a wrapped shell script to its end; returns its output.
std::string run(livy::ProcessLauncher& l, const std::string& script, const TempDir& dir) {
  const auto pid = l.launch(shell(script, dir));
  REQUIRE(pid.has_value());
  const auto exit = reap(l, *pid);
  REQUIRE(exit.has_value());
  CHECK(exit->exited);
  CHECK(exit->code == 0);
  return read_file(dir / "out.log");
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Processes of group `pgid` that have not ended (zombies waiting for a reaper do not count).
int running_members(int pgid) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_file(entry.path() / "stat");
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 1));
    char state = 0;
    int ppid = 0, pgrp = 0;
    fields >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z' && state != 'X') ++n;
  }
  return n;
}

// A signal's bit in /proc/<pid>/status masks.
std::uint64_t bit(int signal) { return std::uint64_t{1} << (signal - 1); }

// The hexadecimal mask of a /proc/<pid>/status line ("SigIgn:\t0000000000000000").
std::uint64_t status_mask(const std::string& status, const std::string& name) {
  const auto at = status.find(name + ":\t");
  REQUIRE(at != std::string::npos);
  return std::stoull(status.substr(at + name.size() + 2, 16), nullptr, 16);
}

// Sets and restores a signal's disposition and the calling thread's mask.
class SignalStateGuard {
 public:
  SignalStateGuard() {
    pthread_sigmask(SIG_SETMASK, nullptr, &mask_);
    sigaction(SIGINT, nullptr, &int_);
    sigaction(SIGPIPE, nullptr, &pipe_);
  }
  ~SignalStateGuard() {
    sigaction(SIGINT, &int_, nullptr);
    sigaction(SIGPIPE, &pipe_, nullptr);
    pthread_sigmask(SIG_SETMASK, &mask_, nullptr);
  }

 private:
  sigset_t mask_;
  struct sigaction int_ {};
  struct sigaction pipe_ {};
};

}  // namespace

TEST_CASE("launch: output, exit code and the exit-status file", "[process]") {
  TempDir dir;
  auto l = livy::posix_process_launcher();
  const auto pid = l->launch(shell("echo out; echo err >&2; exit 3", dir));
  REQUIRE(pid.has_value());
  const auto exit = reap(*l, *pid);
  REQUIRE(exit.has_value());
  CHECK(exit->exited);
  CHECK(exit->code == 3);
  CHECK(read_file(dir / "out.log") == "out\nerr\n");
  CHECK(read_file(dir / "exit-status") == "3\n");
  CHECK_FALSE(std::filesystem::exists(dir / "exit-status.tmp"));
  CHECK_FALSE(l->try_reap(*pid));  // reaped once
}

// Issue 9, F14: the log (a session's is what user code prints) and the exit status were
// 0640 and 0644. The command itself keeps livyd's umask: files it makes are its business.
TEST_CASE("launch: the log and the exit-status file are private, the command's umask is livyd's", "[process]") {
  TempDir dir;
  auto l = livy::posix_process_launcher();
  const mode_t old_umask = ::umask(022);
  const std::string out = run(*l, "umask", dir);
  ::umask(old_umask);
  struct stat st {};
  REQUIRE(::stat((dir / "out.log").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((dir / "exit-status").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(out == "0022\n");
}

TEST_CASE("launch: output is appended, stdin is empty", "[process]") {
  TempDir dir;
  livy_test::write_file(dir / "out.log", "earlier\n");
  auto l = livy::posix_process_launcher();
  CHECK(run(*l, "cat; echo later", dir) == "earlier\nlater\n");
}

TEST_CASE("launch: the process leads its own process group", "[process]") {
  TempDir dir;
  auto l = livy::posix_process_launcher();
  const auto pid = l->launch(shell("exec sleep 60", dir, false));
  REQUIRE(pid.has_value());
  CHECK(::getpgid(*pid) == *pid);
  CHECK(::getpgid(*pid) != ::getpgrp());
  CHECK(l->group_alive(*pid));
  l->signal_group(*pid, SIGKILL);
  const auto exit = reap(*l, *pid);
  REQUIRE(exit.has_value());
  CHECK_FALSE(exit->exited);
  CHECK(exit->signal == SIGKILL);
}

TEST_CASE("process_identity tells processes apart and knows no gone process", "[process]") {
  TempDir dir;
  auto l = livy::posix_process_launcher();
  const std::string self = l->process_identity(::getpid());
  CHECK_FALSE(self.empty());
  CHECK(self == l->process_identity(::getpid()));  // stable
  // The start time counts clock ticks (10 ms): a child started within the tick this test
  // process started in would have the same one (ctest starts a process per test case, so
  // that happened). A reused pid comes far later; two ticks are enough to tell them apart.
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * 1000 / ::sysconf(_SC_CLK_TCK) + 1));
  const auto pid = l->launch(shell("exec sleep 60", dir, false));
  REQUIRE(pid.has_value());
  const std::string child = l->process_identity(*pid);
  CHECK_FALSE(child.empty());
  CHECK(child != self);
  CHECK(child.substr(0, child.find(':')) == self.substr(0, self.find(':')));  // same boot
  l->signal_group(*pid, SIGKILL);
  REQUIRE(reap(*l, *pid).has_value());
  CHECK(l->process_identity(*pid).empty());
  CHECK(l->process_identity(0).empty());
  CHECK(l->process_identity(-1).empty());
}

TEST_CASE("signal_group stops the whole group, children included", "[process]") {
  TempDir dir;
  auto l = livy::posix_process_launcher();
  // The wrapper runs sh, which runs sleep in the background and in the foreground.
  const auto pid = l->launch(shell("sleep 60 & echo $! > " + (dir / "child.pid").string() + "; sleep 60", dir));
  REQUIRE(pid.has_value());
  REQUIRE(livy_test::eventually([&] { return words(read_file(dir / "child.pid")).size() == 1; }));
  const int child = std::stoi(read_file(dir / "child.pid"));
  CHECK(::getpgid(child) == *pid);

  l->signal_group(*pid, SIGTERM);
  const auto exit = reap(*l, *pid);
  REQUIRE(exit.has_value());
  CHECK_FALSE(exit->exited);
  CHECK(exit->signal == SIGTERM);
  // Orphans are reaped by init, which may be slow to do so: count only members that still run.
  CHECK(livy_test::eventually([&] { return running_members(*pid) == 0; }));
  CHECK_FALSE(std::filesystem::exists(dir / "exit-status"));  // the wrapper was killed too
}

TEST_CASE("launch: environment and working directory", "[process]") {
  TempDir dir;
  std::filesystem::create_directory(dir / "work");
  auto l = livy::posix_process_launcher();
  auto spec = shell("pwd; echo \"$LIVY_TEST_VAR\"; echo \"$HOME\"", dir);
  spec.env = {{"LIVY_TEST_VAR", "a b;$c"}, {"HOME", "/nowhere"}};
  spec.working_dir = (dir / "work").string();
  const auto pid = l->launch(spec);
  REQUIRE(pid.has_value());
  REQUIRE(reap(*l, *pid).has_value());
  CHECK(read_file(dir / "out.log") == (dir / "work").string() + "\na b;$c\n/nowhere\n");
}

TEST_CASE("launch: arguments reach the command verbatim", "[process]") {
  TempDir dir;
  auto l = livy::posix_process_launcher();
  livy::ProcessSpec spec = shell("", dir);
  spec.argv = {"/bin/sh", "-c", "for a; do echo \"[$a]\"; done", "sh", "a b", "$HOME", "'q'", "", "--x"};
  const auto pid = l->launch(spec);
  REQUIRE(pid.has_value());
  REQUIRE(reap(*l, *pid).has_value());
  CHECK(read_file(dir / "out.log") == "[a b]\n[$HOME]\n['q']\n[]\n[--x]\n");
}

TEST_CASE("launch failures are errors, not crashes", "[process]") {
  TempDir dir;
  auto l = livy::posix_process_launcher();
  SECTION("empty argv") { CHECK(l->launch(livy::ProcessSpec{}).status().code() == livy::ErrorCode::kInvalidArgument); }
  SECTION("no such program") {
    livy::ProcessSpec spec;
    spec.argv = {(dir / "no-such-program").string()};
    CHECK_FALSE(l->launch(spec).has_value());
  }
  SECTION("no such program, wrapped: exit 127 recorded") {
    livy::ProcessSpec spec = shell("", dir);
    spec.argv = {(dir / "no-such-program").string()};
    const auto pid = l->launch(spec);
    REQUIRE(pid.has_value());
    const auto exit = reap(*l, *pid);
    REQUIRE(exit.has_value());
    CHECK(exit->code == 127);
    CHECK(read_file(dir / "exit-status") == "127\n");
  }
  SECTION("output in a missing directory") {
    livy::ProcessSpec spec = shell("true", dir);
    spec.output_path = (dir / "missing" / "out.log").string();
    CHECK_FALSE(l->launch(spec).has_value());
  }
}

TEST_CASE("group_alive and signal_group are harmless on gone or bogus groups", "[process]") {
  auto l = livy::posix_process_launcher();
  CHECK_FALSE(l->group_alive(0));
  CHECK_FALSE(l->group_alive(1));
  CHECK_FALSE(l->group_alive(-5));
  // Signal 0 checks without harm, should a regression aim it at our own group or at everything.
  l->signal_group(0, 0);
  l->signal_group(1, 0);
  l->signal_group(-1, 0);
  CHECK_FALSE(l->try_reap(::getpid()));
  SUCCEED("still alive");
}

TEST_CASE("a child inherits no stray descriptor", "[process]") {
  TempDir dir;
  // Descriptors without close-on-exec, as a careless host library would leave them.
  const int file_fd = ::open("/dev/null", O_RDONLY);
  REQUIRE(file_fd >= 0);
  const int high_fd = ::dup2(file_fd, 57);
  REQUIRE(high_fd == 57);
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);

  auto l = livy::posix_process_launcher();
  const std::string out = run(*l, "ls /proc/self/fd", dir);
  ::close(file_fd);
  ::close(high_fd);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);

  const auto fds = words(out);
  INFO(out);
  REQUIRE(fds.size() >= 3);
  for (const auto& fd : fds) {
    // 0, 1 and 2, and the one `ls` opens to read the directory (the lowest free: 3).
    CHECK((fd == "0" || fd == "1" || fd == "2" || fd == "3"));
  }
  CHECK(fds.size() <= 4);
}

TEST_CASE("a child inherits no blocked and no ignored signal", "[process]") {
  TempDir dir;
  SignalStateGuard restore;
  // What livyd's main does before starting threads: block the signals it sigwaits for, ignore SIGPIPE.
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGHUP);
  REQUIRE(pthread_sigmask(SIG_BLOCK, &block, nullptr) == 0);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);

  auto l = livy::posix_process_launcher();
  const std::string out = run(*l, "grep -E '^Sig(Blk|Ign):' /proc/self/status", dir);
  INFO(out);
  CHECK(status_mask(out, "SigBlk") == 0);
  const auto ignored = status_mask(out, "SigIgn");
  CHECK((ignored & bit(SIGINT)) == 0);
  CHECK((ignored & bit(SIGPIPE)) == 0);
  CHECK((ignored & bit(SIGTERM)) == 0);
  // glibc's posix_spawn leaves its two internal signals (32 and 33) ignored in the
  // child; every other signal must be at its default.
  CHECK((ignored & ~(bit(32) | bit(33))) == 0);
}

TEST_CASE("a child inherits no ignored signal at all, glibc's internal ones included",
          "[process][!shouldfail]") {
  // Known issue (reported): glibc's posix_spawn sets SIGCANCEL (32) and SIGSETXID (33)
  // to SIG_IGN in the child and exec keeps that, so SigIgn is 0x180000000, not 0.
  // Remove [!shouldfail] if the launcher resets them.
  TempDir dir;
  auto l = livy::posix_process_launcher();
  const std::string out = run(*l, "grep -E '^SigIgn:' /proc/self/status", dir);
  INFO(out);
  CHECK(status_mask(out, "SigIgn") == 0);
}
