// A finished result as the result endpoint serves it: a page of rows as one JSON object,
// or every row, piece by piece, as JSON lines, CSV or an Arrow IPC stream. Each piece is
// produced from a ResultReader::Cursor a block at a time: memory stays bounded by the
// piece (and an Arrow batch), whatever the result's size.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "results/arrow_stream.h"
#include "results/result_file.h"

namespace livy::results {

enum class ResultFormat { kJsonLines, kCsv, kArrow };

// "jsonl", "csv", "arrow" (and their media types); nullopt for anything else.
std::optional<ResultFormat> format_named(std::string_view name);
// From an Accept header: the first media type it lists that is one of the three; nullopt if none.
std::optional<ResultFormat> format_accepted(std::string_view accept);
std::string_view media_type(ResultFormat format);

// {"columns":[...],"total":N,"complete":bool,"reason":"...","offset":o,"rows":[[...],...]}
std::string page_json(const ResultMeta& meta, std::int64_t offset, const std::vector<std::string>& rows);

// One CSV record (RFC 4180, CRLF-terminated) of a row's JSON text: null and a missing cell
// are empty, text is quoted when it needs to be, arrays and objects are their JSON text.
std::string csv_record(std::string_view row_json, std::size_t columns);
std::string csv_header(const std::vector<ResultColumn>& columns);

class ResultExport {
 public:
  ResultExport(const ResultMeta& meta, ResultReader::Cursor cursor, ResultFormat format);
  // The next piece of the download (a few hundred KiB), appended to `out`; false once all of
  // it was given (then `out` is untouched). `failed()` after a read error: the download is cut.
  bool next(std::string& out);
  bool failed() const { return cursor_.failed(); }

 private:
  ResultFormat format_;
  std::size_t columns_;
  ResultReader::Cursor cursor_;
  ArrowStreamEncoder arrow_;
  std::string header_;  // CSV: the column names, the first piece
  bool started_ = false, ended_ = false;
};

}  // namespace livy::results
