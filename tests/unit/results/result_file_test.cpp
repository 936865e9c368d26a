#include "results/result_file.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "results/result_export.h"
#include "support/temp_dir.h"

using livy::ResultColumn;
using livy::results::ResultReader;
using livy::results::ResultWriter;

namespace {

std::vector<ResultColumn> columns() { return {{"id", "int64", "bigint"}, {"name", "string", "string"}}; }

std::string row(std::int64_t i) { return "[" + std::to_string(i) + ",\"n" + std::to_string(i) + "\"]"; }

// Writes rows 0..n-1 in chunks of `chunk`; the writer's budget is `budget` bytes.
void write_rows(const std::string& dir, std::int64_t n, std::int64_t chunk, std::uint64_t budget, bool complete) {
  auto w = ResultWriter::create(dir, columns(), budget);
  REQUIRE(w.has_value());
  std::vector<std::string> batch;
  for (std::int64_t i = 0; i < n; ++i) {
    batch.push_back(row(i));
    if (static_cast<std::int64_t>(batch.size()) == chunk || i == n - 1) {
      REQUIRE((*w)->append(batch).has_value());
      batch.clear();
    }
  }
  REQUIRE((*w)->finish(complete, complete ? "" : "cut"));
}

}  // namespace

TEST_CASE("a result reads back by pages from any offset, through its index", "[results]") {
  livy_test::TempDir tmp;
  const std::string dir = (tmp.path() / "3").string();
  const std::int64_t n = 5000;
  write_rows(dir, n, 777, UINT64_MAX, true);
  auto r = ResultReader::open(dir);
  REQUIRE(r.has_value());
  CHECK(r->meta().rows == n);
  CHECK(r->meta().complete);
  CHECK(r->meta().columns == columns());
  for (const std::int64_t offset : {0, 1, 1023, 1024, 1025, 2047, 4096, 4999}) {
    const auto page = r->page(offset, 10);
    REQUIRE(page.has_value());
    const std::int64_t expect = std::min<std::int64_t>(10, n - offset);
    REQUIRE(static_cast<std::int64_t>(page->size()) == expect);
    for (std::int64_t i = 0; i < expect; ++i) CHECK((*page)[static_cast<std::size_t>(i)] == row(offset + i));
  }
  CHECK(r->page(n, 10)->empty());
  CHECK(r->page(n + 100, 10)->empty());
  CHECK_FALSE(r->page(-1, 10).has_value());

  // Every row in order, through a cursor.
  auto c = r->cursor(0);
  REQUIRE(c.has_value());
  std::string_view line;
  std::int64_t i = 0;
  while (c->next(line)) CHECK(line == row(i++));
  CHECK(i == n);
  CHECK_FALSE(c->failed());
}

TEST_CASE("a result over its budget keeps the rows that fit and says it is incomplete", "[results]") {
  livy_test::TempDir tmp;
  const std::string dir = (tmp.path() / "0").string();
  const std::uint64_t budget = 10 * (row(0).size() + 1) + 5;  // rows 0..9 are 9 bytes each with the newline
  write_rows(dir, 100, 7, budget, true);
  auto r = ResultReader::open(dir);
  REQUIRE(r.has_value());
  CHECK_FALSE(r->meta().complete);
  CHECK(r->meta().reason.find("sessions.results-quota-bytes") != std::string::npos);
  CHECK(r->meta().bytes <= budget);
  CHECK(r->meta().rows == 10);
  const auto page = r->page(0, 100);
  REQUIRE(page->size() == 10);
  CHECK(page->back() == row(9));
}

TEST_CASE("a result is readable only once finished, and a damaged description is refused", "[results]") {
  livy_test::TempDir tmp;
  const std::string dir = (tmp.path() / "1").string();
  {
    auto w = ResultWriter::create(dir, columns(), UINT64_MAX);
    REQUIRE(w.has_value());
    REQUIRE((*w)->append({row(0)}).has_value());
    CHECK(ResultReader::open(dir).status().code() == livy::ErrorCode::kNotFound);
  }  // never finished: no result
  CHECK(ResultReader::open(dir).status().code() == livy::ErrorCode::kNotFound);
  CHECK_FALSE(livy::results::decode_meta("{\"columns\":[],\"rows\":-1}").has_value());
  CHECK_FALSE(livy::results::decode_meta("[1]").has_value());
  CHECK_FALSE(livy::results::decode_meta("{\"columns\":[7],\"rows\":1,\"bytes\":1,\"complete\":true,\"reason\":\"\"}")
                  .has_value());
  livy::results::ResultMeta meta;
  meta.columns = columns();
  meta.rows = 3;
  meta.bytes = 30;
  meta.reason = "why";
  CHECK(livy::results::decode_meta(livy::results::encode_meta(meta)).value() == meta);
}

TEST_CASE("an unfinished result and a cursor past its rows fail cleanly", "[results]") {
  livy_test::TempDir tmp;
  const std::string dir = (tmp.path() / "2").string();
  write_rows(dir, 3, 3, UINT64_MAX, false);
  auto r = ResultReader::open(dir);
  REQUIRE(r.has_value());
  CHECK_FALSE(r->meta().complete);
  CHECK(r->meta().reason == "cut");
  CHECK_FALSE(r->cursor(4).has_value());
  CHECK(r->cursor(3).has_value());
}
