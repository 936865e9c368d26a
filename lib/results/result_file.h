// The whole result of a statement, kept on disk beside its session
// (DATA_DIR/sessions/<id>/results/<statement>/): written by ResultWriter as the driver's
// chunks arrive, read by ResultReader for the result endpoint. Three files:
//   rows.jsonl  one JSON array per row, one row per line, in the result's order
//   index.bin   the byte offset of every kIndexEvery-th row (rows 0, 1024, ...), 8 bytes
//               little-endian each: a page starts at most kIndexEvery - 1 lines from its seek
//   meta.json   the columns, the counts and whether every row is there; written last (via
//               a rename), so a result is readable exactly when it has a meta.json.
// Neither class is thread-safe; a reader never sees a writer's file before meta.json exists.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "livy/status.h"
#include "wire/driver_messages.h"

namespace livy::results {

inline constexpr std::int64_t kIndexEvery = 1024;

struct ResultMeta {
  std::vector<ResultColumn> columns;
  std::int64_t rows = 0;
  std::uint64_t bytes = 0;  // of rows.jsonl
  bool complete = false;    // every row the statement produced is stored
  std::string reason;       // why not, when not complete
  bool operator==(const ResultMeta&) const = default;
};

std::string encode_meta(const ResultMeta& meta);
Result<ResultMeta> decode_meta(const std::string& text);

class ResultWriter {
 public:
  // Creates `dir` (private) and its rows file. `budget_bytes`: the most rows.jsonl may hold.
  static Result<std::unique_ptr<ResultWriter>> create(const std::string& dir, std::vector<ResultColumn> columns,
                                                      std::uint64_t budget_bytes);
  ~ResultWriter();  // closes; a writer never finished leaves no meta.json (no result)
  ResultWriter(const ResultWriter&) = delete;
  ResultWriter& operator=(const ResultWriter&) = delete;

  // Appends rows (each a JSON array's text) in order, until the budget would be passed: the
  // first row that does not fit and every later one are dropped. False once that happened.
  Result<bool> append(const std::vector<std::string>& rows);
  // Writes meta.json: the result is readable from now on. `complete` is ignored (false) once
  // the budget was passed, and `reason` says so.
  Status finish(bool complete, std::string reason);
  // The most rows.jsonl may hold from now on (a quota shared with other results moves it).
  void set_budget(std::uint64_t bytes) { budget_ = bytes; }
  bool over_budget() const { return over_budget_; }
  std::uint64_t bytes() const { return meta_.bytes; }
  std::int64_t rows() const { return meta_.rows; }
  const std::string& dir() const { return dir_; }

 private:
  ResultWriter(std::string dir, int rows_fd, int index_fd, ResultMeta meta, std::uint64_t budget);
  Status flush();

  const std::string dir_;
  int rows_fd_ = -1, index_fd_ = -1;
  ResultMeta meta_;
  std::uint64_t budget_;
  bool over_budget_ = false;
  bool finished_ = false;
  std::string rows_buf_, index_buf_;  // written out at kFlushBytes
};

// Reads a finished result: a page of rows, or every row in order (Cursor), a block at a time.
class ResultReader {
 public:
  // not_found when `dir` holds no finished result.
  static Result<ResultReader> open(const std::string& dir);
  const ResultMeta& meta() const { return meta_; }

  // Reads rows.jsonl in blocks from a row on; each line is one row's JSON text.
  class Cursor {
   public:
    Cursor(Cursor&&) noexcept;
    Cursor& operator=(Cursor&&) noexcept;
    ~Cursor();
    // The next row, valid until the next call; false at the end (or on a read error: `failed`).
    bool next(std::string_view& row);
    bool failed() const { return failed_; }

   private:
    friend class ResultReader;
    Cursor(int fd, std::int64_t rows_left) : fd_(fd), rows_left_(rows_left) {}
    int fd_ = -1;
    std::int64_t rows_left_ = 0;  // rows the meta promises from here: a torn last line is not read
    std::string buf_;
    std::size_t pos_ = 0;
    bool eof_ = false, failed_ = false;
  };
  // A cursor at row `offset` (0 <= offset <= meta().rows).
  Result<Cursor> cursor(std::int64_t offset) const;
  // Rows [offset, offset + limit), clipped to the result.
  Result<std::vector<std::string>> page(std::int64_t offset, std::int64_t limit) const;

 private:
  ResultReader(std::string dir, ResultMeta meta) : dir_(std::move(dir)), meta_(std::move(meta)) {}
  std::string dir_;
  ResultMeta meta_;
};

}  // namespace livy::results
