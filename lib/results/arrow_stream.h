// An encoder of the Arrow IPC streaming format (columnar format version 1.0, metadata V5:
// https://arrow.apache.org/docs/format/Columnar.html#ipc-streaming-format), for the column
// types a statement's table result has: utf8, int64, float64, bool and null. livyd has no
// Arrow library; this writes the few Flatbuffers tables the format needs (Message, Schema,
// Field, the type tables, RecordBatch) by hand, front to back, and the buffers of each
// batch, 8-byte aligned and uncompressed. Read back by pyarrow in the tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wire/driver_messages.h"

namespace livy::results {

class ArrowStreamEncoder {
 public:
  // Columns of a type other than ResultColumn's five are written as utf8.
  explicit ArrowStreamEncoder(std::vector<ResultColumn> columns);
  // The stream's first message.
  std::string schema() const;
  // One record batch of `rows` (each a JSON array's text). A cell that does not fit its
  // column's type (text in an int64 column) is null; a missing cell is null; arrays and
  // objects in a utf8 column are their JSON text.
  std::string batch(const std::vector<std::string_view>& rows) const;
  // The end-of-stream marker.
  static std::string end();

 private:
  enum class Kind { kUtf8, kInt64, kFloat64, kBool, kNull };
  std::vector<ResultColumn> columns_;
  std::vector<Kind> kinds_;
};

}  // namespace livy::results
