#include "process/log_tail.h"

#include <catch2/catch.hpp>

#include "support/temp_dir.h"

using livy_test::append_file;
using livy_test::TempDir;
using livy_test::write_file;
using V = std::vector<std::string>;

TEST_CASE("LogTail: a missing file has no lines yet", "[log_tail]") {
  TempDir dir;
  livy::LogTail tail((dir / "out.log").string(), 10);
  CHECK(tail.poll().empty());
  CHECK(tail.finish().empty());
  CHECK(tail.lines().empty());
}

TEST_CASE("LogTail: poll returns only the lines added since the last poll", "[log_tail]") {
  TempDir dir;
  const auto path = dir / "out.log";
  livy::LogTail tail(path.string(), 10);
  write_file(path, "one\ntwo\n");
  CHECK(tail.poll() == V{"one", "two"});
  CHECK(tail.poll().empty());
  append_file(path, "three\n");
  CHECK(tail.poll() == V{"three"});
  CHECK(V(tail.lines().begin(), tail.lines().end()) == V{"one", "two", "three"});
}

TEST_CASE("LogTail: a partial line waits for its end", "[log_tail]") {
  TempDir dir;
  const auto path = dir / "out.log";
  livy::LogTail tail(path.string(), 10);
  write_file(path, "first\nhalf a ");
  CHECK(tail.poll() == V{"first"});
  append_file(path, "line\r\nnext");
  CHECK(tail.poll() == V{"half a line"});  // and a CRLF ending is trimmed
  CHECK(tail.lines().size() == 2);
  SECTION("finish() flushes the partial last line") {
    CHECK(tail.finish() == V{"next"});
    CHECK(tail.lines().back() == "next");
    CHECK(tail.finish().empty());  // only once
  }
  SECTION("finish() also reads what came since the last poll") {
    append_file(path, " and more\nthe end");
    CHECK(tail.finish() == V{"next and more", "the end"});
  }
}

TEST_CASE("LogTail: empty lines are lines", "[log_tail]") {
  TempDir dir;
  const auto path = dir / "out.log";
  livy::LogTail tail(path.string(), 10);
  write_file(path, "\n\nx\n");
  CHECK(tail.poll() == V{"", "", "x"});
}

TEST_CASE("LogTail keeps at most max_lines, the newest", "[log_tail]") {
  TempDir dir;
  const auto path = dir / "out.log";
  livy::LogTail tail(path.string(), 3);
  std::string text;
  for (int i = 0; i < 10; ++i) text += "line " + std::to_string(i) + "\n";
  write_file(path, text);
  CHECK(tail.poll().size() == 10);  // poll reports everything new...
  CHECK(V(tail.lines().begin(), tail.lines().end()) == V{"line 7", "line 8", "line 9"});  // ...but keeps 3
  CHECK(tail.last(2) == V{"line 8", "line 9"});
  CHECK(tail.last(10) == V{"line 7", "line 8", "line 9"});
  CHECK(tail.last(0).empty());
}

TEST_CASE("LogTail starts again when the file is truncated", "[log_tail]") {
  TempDir dir;
  const auto path = dir / "out.log";
  livy::LogTail tail(path.string(), 10);
  write_file(path, "a long first line\nanother one\n");
  CHECK(tail.poll().size() == 2);
  write_file(path, "new\n");  // truncated and rewritten, shorter than before
  CHECK(tail.poll() == V{"new"});
}

TEST_CASE("LogTail splits an endless line instead of growing without bound", "[log_tail]") {
  TempDir dir;
  const auto path = dir / "out.log";
  livy::LogTail tail(path.string(), 10);
  const std::string huge(200 * 1024, 'x');
  write_file(path, huge + "\nend\n");
  const auto lines = tail.poll();
  REQUIRE(lines.size() >= 4);
  std::size_t total = 0;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    CHECK(lines[i].size() <= 64 * 1024);
    total += lines[i].size();
  }
  CHECK(total == huge.size());
  CHECK(lines.back() == "end");
}
