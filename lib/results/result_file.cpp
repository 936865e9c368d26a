#include "results/result_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/document.h>

#include <cerrno>
#include <cstring>

#include "wire/json_fields.h"
#include "wire/json_writer.h"
#include "wire/result_messages.h"

namespace livy::results {
namespace {

constexpr std::size_t kReadBlock = 256 * 1024;  // a cursor's read
constexpr std::size_t kMaxMetaBytes = 16 << 20;

std::string path_in(const std::string& dir, const char* name) { return dir + "/" + name; }

Result<std::string> read_small(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::not_found("no result");
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || out.size() + static_cast<std::size_t>(n) > kMaxMetaBytes) {
      ::close(fd);
      return Status::internal("the result's description cannot be read");
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

std::string encode_meta(const ResultMeta& meta) {
  wire::JsonWriter w;
  w.start_object();
  wire::write_result_columns(w, meta.columns);
  w.int64("rows", meta.rows);
  w.int64("bytes", static_cast<std::int64_t>(meta.bytes));
  w.key("complete");
  w.boolean(meta.complete);
  w.string("reason", meta.reason);
  w.end_object();
  return w.text();
}

Result<ResultMeta> decode_meta(const std::string& text) {
  rapidjson::Document doc;
  const auto bad = Status::internal("the result's description is damaged");
  if (wire::parse_json(text, doc).IsError() || !doc.IsObject()) return bad;
  ResultMeta m;
  const auto columns = doc.FindMember("columns");
  const auto rows = doc.FindMember("rows");
  const auto bytes = doc.FindMember("bytes");
  const auto complete = doc.FindMember("complete");
  const auto reason = doc.FindMember("reason");
  if (columns == doc.MemberEnd() || !columns->value.IsArray() || rows == doc.MemberEnd() ||
      !rows->value.IsInt64() || rows->value.GetInt64() < 0 || bytes == doc.MemberEnd() || !bytes->value.IsInt64() ||
      bytes->value.GetInt64() < 0 || complete == doc.MemberEnd() || !complete->value.IsBool() ||
      reason == doc.MemberEnd() || !reason->value.IsString()) {
    return bad;
  }
  for (const auto& c : columns->value.GetArray()) {
    if (!c.IsObject()) return bad;
    const auto name = c.FindMember("name");
    const auto type = c.FindMember("type");
    const auto source = c.FindMember("sourceType");
    if (name == c.MemberEnd() || !name->value.IsString() || type == c.MemberEnd() || !type->value.IsString() ||
        source == c.MemberEnd() || !source->value.IsString()) {
      return bad;
    }
    m.columns.push_back({wire::to_std_string(name->value), wire::to_std_string(type->value),
                         wire::to_std_string(source->value)});
  }
  m.rows = rows->value.GetInt64();
  m.bytes = static_cast<std::uint64_t>(bytes->value.GetInt64());
  m.complete = complete->value.GetBool();
  m.reason = wire::to_std_string(reason->value);
  return m;
}

// ---------------------------------------------------------------- reading

Result<ResultReader> ResultReader::open(const std::string& dir) {
  auto text = read_small(path_in(dir, "meta.json"));
  if (!text) return text.status();
  auto meta = decode_meta(*text);
  if (!meta) return meta.status();
  return ResultReader(dir, std::move(*meta));
}

ResultReader::Cursor::Cursor(Cursor&& other) noexcept { *this = std::move(other); }

ResultReader::Cursor& ResultReader::Cursor::operator=(Cursor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
    rows_left_ = other.rows_left_;
    buf_ = std::move(other.buf_);
    pos_ = other.pos_;
    eof_ = other.eof_;
    failed_ = other.failed_;
  }
  return *this;
}

ResultReader::Cursor::~Cursor() {
  if (fd_ >= 0) ::close(fd_);
}

bool ResultReader::Cursor::next(std::string_view& row) {
  if (rows_left_ <= 0 || failed_) return false;
  for (;;) {
    const std::size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      row = std::string_view(buf_).substr(pos_, nl - pos_);
      pos_ = nl + 1;
      --rows_left_;
      return true;
    }
    if (eof_) {
      failed_ = true;  // the meta promised more rows than the file holds
      return false;
    }
    buf_.erase(0, pos_);
    pos_ = 0;
    const std::size_t had = buf_.size();
    buf_.resize(had + kReadBlock);
    ssize_t n;
    do {
      n = ::read(fd_, buf_.data() + had, kReadBlock);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      failed_ = true;
      return false;
    }
    buf_.resize(had + static_cast<std::size_t>(n));
    eof_ = n == 0;
  }
}

Result<ResultReader::Cursor> ResultReader::cursor(std::int64_t offset) const {
  if (offset < 0 || offset > meta_.rows) return Status::invalid_argument("offset is past the result's rows");
  const int fd = ::open(path_in(dir_, "rows.jsonl").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::not_found("no result");
  Cursor cursor(fd, meta_.rows);
  // Seek to the indexed row at or before `offset`, then skip the few lines to it.
  const std::int64_t slot = offset / kIndexEvery;
  std::uint64_t seek = 0;
  if (slot > 0) {
    const int index = ::open(path_in(dir_, "index.bin").c_str(), O_RDONLY | O_CLOEXEC);
    unsigned char bytes[8];
    const bool read = index >= 0 && ::pread(index, bytes, 8, static_cast<off_t>(slot * 8)) == 8;
    if (index >= 0) ::close(index);
    if (!read) return Status::internal("the result's index cannot be read");
    for (int i = 7; i >= 0; --i) seek = (seek << 8) | bytes[i];
    if (seek > meta_.bytes) return Status::internal("the result's index is damaged");
  }
  if (::lseek(fd, static_cast<off_t>(seek), SEEK_SET) < 0) return Status::internal("the result cannot be read");
  cursor.rows_left_ = meta_.rows - slot * kIndexEvery;
  std::string_view skipped;
  for (std::int64_t i = slot * kIndexEvery; i < offset; ++i) {
    if (!cursor.next(skipped)) return Status::internal("the result cannot be read");
  }
  return cursor;
}

Result<std::vector<std::string>> ResultReader::page(std::int64_t offset, std::int64_t limit) const {
  if (offset < 0 || limit < 0) return Status::invalid_argument("offset and limit must not be negative");
  std::vector<std::string> out;
  if (offset >= meta_.rows) return out;
  auto c = cursor(offset);
  if (!c) return c.status();
  std::string_view row;
  while (static_cast<std::int64_t>(out.size()) < limit && c->next(row)) out.emplace_back(row);
  if (c->failed()) return Status::internal("the result cannot be read");
  return out;
}

}  // namespace livy::results
