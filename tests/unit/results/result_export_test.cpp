#include "results/result_export.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "support/temp_dir.h"

using livy::ResultColumn;
using namespace livy::results;

TEST_CASE("CSV records quote what needs quoting; null and missing cells are empty", "[results]") {
  CHECK(csv_header({{"a", "int64", ""}, {"b,c", "string", ""}}) == "a,\"b,c\"\r\n");
  CHECK(csv_record(R"([1,"x"])", 2) == "1,x\r\n");
  CHECK(csv_record(R"([null,"say \"hi\", then\ngo"])", 2) == ",\"say \"\"hi\"\", then\ngo\"\r\n");
  CHECK(csv_record(R"([true,1.5,[1,2],{"k":"v"}])", 4) == "true,1.5,\"[1,2]\",\"{\"\"k\"\":\"\"v\"\"}\"\r\n");
  CHECK(csv_record(R"([1])", 3) == "1,,\r\n");       // a short row: the rest empty
  CHECK(csv_record("not json", 2) == ",\r\n");         // a damaged row: empty cells, never a crash
}

TEST_CASE("formats are chosen by name or by Accept; unknown ones are not", "[results]") {
  CHECK(format_named("csv") == ResultFormat::kCsv);
  CHECK(format_named("ARROW") == ResultFormat::kArrow);
  CHECK(format_named("jsonl") == ResultFormat::kJsonLines);
  CHECK_FALSE(format_named("xml").has_value());
  CHECK(format_accepted("text/html, text/csv;q=0.9") == ResultFormat::kCsv);
  CHECK(format_accepted("application/vnd.apache.arrow.stream") == ResultFormat::kArrow);
  CHECK(format_accepted("application/x-ndjson") == ResultFormat::kJsonLines);
  CHECK_FALSE(format_accepted("csv").has_value());  // a name is not a media type
  CHECK_FALSE(format_accepted("application/json").has_value());
  CHECK_FALSE(format_accepted("").has_value());
}

TEST_CASE("a page is one JSON object with the columns, the total and the rows", "[results]") {
  ResultMeta meta;
  meta.columns = {{"id", "int64", "bigint"}};
  meta.rows = 7;
  meta.complete = false;
  meta.reason = "quota";
  CHECK(page_json(meta, 5, {"[5]", "[6]"}) ==
        R"({"columns":[{"name":"id","type":"int64","sourceType":"bigint"}],"total":7,"complete":false,)"
        R"("reason":"quota","offset":5,"rows":[[5],[6]]})");
}

TEST_CASE("a download gives every row once, in pieces, in each format", "[results]") {
  livy_test::TempDir tmp;
  const std::string dir = (tmp.path() / "9").string();
  const int n = 20000;
  {
    auto w = ResultWriter::create(dir, {{"i", "int64", ""}, {"s", "string", ""}}, UINT64_MAX);
    REQUIRE(w.has_value());
    std::vector<std::string> rows;
    for (int i = 0; i < n; ++i) rows.push_back("[" + std::to_string(i) + ",\"v" + std::to_string(i) + "\"]");
    REQUIRE((*w)->append(rows).has_value());
    REQUIRE((*w)->finish(true, ""));
  }
  auto r = ResultReader::open(dir);
  REQUIRE(r.has_value());
  const auto download = [&](ResultFormat f) {
    auto cursor = r->cursor(0);
    REQUIRE(cursor.has_value());
    ResultExport e(r->meta(), std::move(*cursor), f);
    std::string all;
    int pieces = 0;
    while (e.next(all)) ++pieces;
    CHECK_FALSE(e.failed());
    CHECK(pieces >= 1);
    return all;
  };
  const std::string jsonl = download(ResultFormat::kJsonLines);
  CHECK(std::count(jsonl.begin(), jsonl.end(), '\n') == n);
  CHECK(jsonl.rfind("[19999,\"v19999\"]\n") == jsonl.size() - 17);
  const std::string csv = download(ResultFormat::kCsv);
  CHECK(csv.rfind("i,s\r\n0,v0\r\n", 0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == n + 1);
  const std::string arrow = download(ResultFormat::kArrow);
  // Schema first, then batches, then the end marker: continuation 0xFFFFFFFF and length 0.
  REQUIRE(arrow.size() > 16);
  CHECK(arrow.compare(0, 4, "\xff\xff\xff\xff") == 0);
  CHECK(arrow.compare(arrow.size() - 8, 8, std::string("\xff\xff\xff\xff\0\0\0\0", 8)) == 0);
}

TEST_CASE("Arrow messages are framed 8-aligned, their body length matching the bytes that follow", "[results]") {
  ArrowStreamEncoder enc({{"i", "int64", ""}, {"f", "float64", ""}, {"b", "bool", ""}, {"s", "string", ""},
                          {"n", "null", ""}});
  const auto check_frame = [](const std::string& message, bool has_body) {
    REQUIRE(message.size() >= 8);
    CHECK(message.compare(0, 4, "\xff\xff\xff\xff") == 0);
    std::int32_t meta = 0;
    std::memcpy(&meta, message.data() + 4, 4);
    CHECK(meta % 8 == 0);
    CHECK(static_cast<std::size_t>(8 + meta) <= message.size());
    CHECK((message.size() - 8 - static_cast<std::size_t>(meta)) % 8 == 0);
    CHECK((message.size() > static_cast<std::size_t>(8 + meta)) == has_body);
  };
  check_frame(enc.schema(), false);
  check_frame(enc.batch({"[1,2.5,true,\"x\",null]", "[null,\"nan\",false,[1],null]", "[]", "garbage"}), true);
  CHECK(ArrowStreamEncoder::end() == std::string("\xff\xff\xff\xff\0\0\0\0", 8));
}
