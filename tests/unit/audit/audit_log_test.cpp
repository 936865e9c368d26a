// The audit file: append, rotation at the size, files kept, reopening after a rotation; and
// the table of audited requests.
#include "audit/audit_log.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_record.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using livy::audit::AuditLog;

namespace {

// Lines of one size: n has three digits.
std::string line(int n) { return "{\"n\":" + std::to_string(100 + n) + ",\"pad\":\"" + std::string(40, 'x') + "\"}\n"; }

std::vector<std::string> lines_of(const fs::path& path) {
  std::vector<std::string> out;
  std::string text = livy_test::read_file(path);
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    REQUIRE(end != std::string::npos);  // every line whole
    out.push_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("audit log: lines are appended whole, to what the file held", "[audit]") {
  livy_test::TempDir dir;
  const fs::path path = dir / "audit.log";
  livy_test::write_file(path, line(0));
  {
    auto log = AuditLog::open({path.string(), 1 << 20, 3, false});
    REQUIRE(log);
    for (int i = 1; i <= 3; ++i) REQUIRE((*log)->append(line(i)));
    // Each line is in the file as soon as append returns (no buffer to lose on a crash).
    CHECK(lines_of(path) == std::vector<std::string>{line(0), line(1), line(2), line(3)});
  }
  auto again = AuditLog::open({path.string(), 1 << 20, 3, true});  // reopened, with fsync
  REQUIRE(again);
  REQUIRE((*again)->append(line(4)));
  CHECK(lines_of(path).size() == 5);
}

TEST_CASE("audit log: rotated by renaming once a line takes it past max-bytes, max-files kept", "[audit]") {
  livy_test::TempDir dir;
  const fs::path path = dir / "audit.log";
  const std::size_t size = line(0).size();
  // Three lines fit; the fourth takes the file past the size: file -> file.1.
  auto log = AuditLog::open({path.string(), 3 * size, 2, false});
  REQUIRE(log);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);  // user names and addresses: private
  for (int i = 0; i < 4; ++i) REQUIRE((*log)->append(line(i)));
  CHECK(lines_of(dir / "audit.log.1") == std::vector<std::string>{line(0), line(1), line(2), line(3)});
  CHECK(fs::file_size(path) == 0);  // opened anew: the next lines go there
  REQUIRE((*log)->append(line(4)));
  CHECK(lines_of(path) == std::vector<std::string>{line(4)});
  // Two more rotations: file.1 -> file.2, and the oldest is gone (max-files 2).
  for (int i = 5; i < 12; ++i) REQUIRE((*log)->append(line(i)));
  CHECK(lines_of(dir / "audit.log.2") == std::vector<std::string>{line(4), line(5), line(6), line(7)});
  CHECK(lines_of(dir / "audit.log.1") == std::vector<std::string>{line(8), line(9), line(10), line(11)});
  CHECK_FALSE(fs::exists(dir / "audit.log.3"));
  CHECK(fs::file_size(path) == 0);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  CHECK(files == 3);
}

TEST_CASE("audit log: concurrent appends never interleave within a line", "[audit]") {
  livy_test::TempDir dir;
  const fs::path path = dir / "audit.log";
  auto log = AuditLog::open({path.string(), 1 << 30, 2, false});
  REQUIRE(log);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) (void)(*log)->append(line(t * 1000 + i));
    });
  }
  for (auto& t : threads) t.join();
  const auto lines = lines_of(path);
  CHECK(lines.size() == 800);
  std::size_t well_formed = 0;
  for (const auto& l : lines) well_formed += l.rfind("{\"n\":", 0) == 0 && l.ends_with("\"}\n") ? 1 : 0;
  CHECK(well_formed == 800);
}

TEST_CASE("audit log: a file that cannot be opened is an error that names it", "[audit]") {
  livy_test::TempDir dir;
  const auto log = AuditLog::open({(dir / "missing" / "audit.log").string(), 1024, 2, false});
  REQUIRE_FALSE(log);
  CHECK(log.status().message().find("missing/audit.log") != std::string::npos);
}

TEST_CASE("audit: which requests are recorded, and as what", "[audit]") {
  using livy::audit::classify;
  auto a = classify("POST", "/sessions", "/sessions/7");
  REQUIRE(a);
  CHECK((a->action == "create" && a->object == "session" && a->id == "7" && !a->session_id));
  a = classify("POST", "//batches/", "/batches/3");
  REQUIRE(a);
  CHECK((a->action == "create" && a->object == "batch" && a->id == "3"));
  a = classify("POST", "/batches", "");  // refused: no Location, no id
  REQUIRE(a);
  CHECK(!a->id);
  a = classify("DELETE", "/sessions/my-name", "");
  REQUIRE(a);
  CHECK((a->action == "delete" && a->object == "session" && a->id == "my-name"));
  a = classify("DELETE", "/batches/4", "");
  REQUIRE(a);
  CHECK((a->action == "delete" && a->object == "batch" && a->id == "4"));
  a = classify("POST", "/sessions/2/statements", "/sessions/2/statements/5");
  REQUIRE(a);
  CHECK((a->action == "submit" && a->object == "statement" && a->id == "5" && a->session_id == "2"));
  a = classify("POST", "/sessions/2/statements/5/cancel", "");
  REQUIRE(a);
  CHECK((a->action == "cancel" && a->object == "statement" && a->id == "5" && a->session_id == "2"));
  a = classify("POST", "/sessions/2/jobs/1/cancel", "");
  REQUIRE(a);
  CHECK((a->action == "cancel" && a->object == "job" && a->id == "1"));
  a = classify("POST", "/sessions/2/submit-job", "/sessions/2/jobs/0");
  REQUIRE(a);
  CHECK((a->action == "submit" && a->object == "job" && a->id == "0"));
  for (const std::string& kind : std::vector<std::string>{"jar", "pyfile", "file"}) {
    a = classify("POST", "/sessions/2/upload-" + kind, "");
    REQUIRE(a);
    CHECK((a->action == "upload" && a->object == kind && a->session_id == "2"));
    a = classify("POST", "/sessions/2/add-" + kind, "");
    REQUIRE(a);
    CHECK((a->action == "add" && a->object == kind));
  }
  CHECK(classify("POST", "/sessions/2/stop", "")->action == "stop");
  // Reads and what is not Livy's are not recorded.
  CHECK_FALSE(classify("GET", "/sessions", ""));
  CHECK_FALSE(classify("GET", "/sessions/2/statements", ""));
  CHECK_FALSE(classify("POST", "/sessions/2/completion", ""));
  CHECK_FALSE(classify("POST", "/sessions/2/upload-x", ""));
  CHECK_FALSE(classify("POST", "/version", ""));
  CHECK_FALSE(classify("DELETE", "/batches", ""));
  CHECK_FALSE(classify("POST", "/batches/1/statements", ""));
}
