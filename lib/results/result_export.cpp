#include "results/result_export.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "wire/json_writer.h"
#include "wire/result_messages.h"

namespace livy::results {
namespace {

constexpr std::size_t kPieceBytes = 256 * 1024;  // a download's piece
constexpr std::size_t kArrowBatchRows = 65536;   // an Arrow record batch: rows...
constexpr std::size_t kArrowBatchBytes = 16 << 20;  // ...or bytes of JSON rows, whichever comes first

void csv_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += text;
    return;
  }
  out.push_back('"');
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<ResultFormat> format_named(std::string_view name) {
  const std::string n = lower(trimmed(name));
  if (n == "jsonl" || n == "application/jsonl" || n == "application/x-ndjson" || n == "application/x-jsonlines") {
    return ResultFormat::kJsonLines;
  }
  if (n == "csv" || n == "text/csv") return ResultFormat::kCsv;
  if (n == "arrow" || n == "application/vnd.apache.arrow.stream") return ResultFormat::kArrow;
  return std::nullopt;
}

std::optional<ResultFormat> format_accepted(std::string_view accept) {
  while (!accept.empty()) {
    const std::size_t comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    item = item.substr(0, item.find(';'));  // parameters (q=...) are not weighed: the first listed wins
    if (const auto f = format_named(item); f && trimmed(item).find('/') != std::string_view::npos) return f;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

std::string_view media_type(ResultFormat format) {
  switch (format) {
    case ResultFormat::kJsonLines: return "application/jsonl";
    case ResultFormat::kCsv: return "text/csv; charset=utf-8";
    case ResultFormat::kArrow: return "application/vnd.apache.arrow.stream";
  }
  return "application/octet-stream";
}

std::string page_json(const ResultMeta& meta, std::int64_t offset, const std::vector<std::string>& rows) {
  wire::JsonWriter w;
  w.start_object();
  wire::write_result_columns(w, meta.columns);
  w.int64("total", meta.rows);
  w.key("complete");
  w.boolean(meta.complete);
  if (!meta.complete) w.string("reason", meta.reason);
  w.int64("offset", offset);
  w.key("rows");
  w.start_array();
  for (const auto& row : rows) w.raw(row);
  w.end_array();
  w.end_object();
  return w.text();
}

std::string csv_header(const std::vector<ResultColumn>& columns) {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out.push_back(',');
    csv_field(out, columns[i].name);
  }
  out += "\r\n";
  return out;
}

std::string csv_record(std::string_view row_json, std::size_t columns) {
  rapidjson::Document row;
  row.Parse(row_json.data(), row_json.size());
  const bool usable = !row.HasParseError() && row.IsArray();
  std::string out;
  for (std::size_t i = 0; i < columns; ++i) {
    if (i > 0) out.push_back(',');
    if (!usable || i >= row.Size()) continue;
    const auto& v = row[static_cast<rapidjson::SizeType>(i)];
    if (v.IsNull()) continue;
    if (v.IsString()) {
      csv_field(out, std::string_view(v.GetString(), v.GetStringLength()));
      continue;
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    v.Accept(writer);
    csv_field(out, std::string_view(buffer.GetString(), buffer.GetSize()));
  }
  out += "\r\n";
  return out;
}

ResultExport::ResultExport(const ResultMeta& meta, ResultReader::Cursor cursor, ResultFormat format)
    : format_(format), columns_(meta.columns.size()), cursor_(std::move(cursor)), arrow_(meta.columns) {
  if (format_ == ResultFormat::kCsv) header_ = csv_header(meta.columns);
}

bool ResultExport::next(std::string& out) {
  if (ended_) return false;
  std::string piece;
  if (!started_) {
    started_ = true;
    if (format_ == ResultFormat::kArrow) piece = arrow_.schema();
    if (format_ == ResultFormat::kCsv) piece = std::move(header_);
  }
  std::string_view row;
  if (format_ == ResultFormat::kArrow) {
    // Rows are copied: the cursor's view of a row lasts only until its next read.
    std::vector<std::string> held;
    std::size_t bytes = 0;
    while (held.size() < kArrowBatchRows && bytes < kArrowBatchBytes && cursor_.next(row)) {
      held.emplace_back(row);
      bytes += row.size();
    }
    if (!held.empty()) {
      piece += arrow_.batch(std::vector<std::string_view>(held.begin(), held.end()));
    } else {
      if (!cursor_.failed()) piece += ArrowStreamEncoder::end();
      ended_ = true;
    }
  } else {
    while (piece.size() < kPieceBytes && cursor_.next(row)) {
      if (format_ == ResultFormat::kCsv) {
        piece += csv_record(row, columns_);
      } else {
        piece += row;
        piece.push_back('\n');
      }
    }
    if (piece.size() < kPieceBytes) ended_ = true;
  }
  if (piece.empty()) return false;
  out += piece;
  return true;
}

}  // namespace livy::results
