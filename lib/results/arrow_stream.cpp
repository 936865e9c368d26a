#include "results/arrow_stream.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>

namespace livy::results {
namespace {

// ---------------------------------------------------------------- a small Flatbuffers writer
//
// A flatbuffer is read through offsets: a uoffset (uint32) points forward from where it is
// stored, a table starts with an soffset (int32) back to its vtable (vtable = table - soffset),
// and the vtable lists each field's offset from the table's start (0: absent, default). This
// writer lays a tree out front to back: the root offset, then each table's vtable and table,
// then the table's children, patching the table's uoffsets as they are placed. Every scalar
// is aligned to its size from the buffer's start (the message puts the buffer at an 8-byte
// boundary), as Flatbuffers' verifier, which Arrow runs on every message, demands.

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Field {
  int slot = 0;
  std::string scalar;  // little-endian bytes; its size is its alignment
  NodePtr ref;         // or a child: a table, a vector or a string
};

struct Node {
  enum class Kind { kTable, kTables, kStructs, kString } kind = Kind::kTable;
  std::vector<Field> fields;  // kTable
  std::vector<NodePtr> items;  // kTables
  std::string bytes;           // kStructs (8-byte aligned structs, packed) or kString
  std::uint32_t count = 0;     // kStructs: how many
};

template <typename T>
std::string le(T value) {
  std::string out(sizeof(T), '\0');
  std::memcpy(out.data(), &value, sizeof(T));  // livyd's targets are little-endian, like the format
  return out;
}

NodePtr table(std::vector<Field> fields) {
  auto n = std::make_unique<Node>();
  n->fields = std::move(fields);
  return n;
}

NodePtr string_node(std::string_view s) {
  auto n = std::make_unique<Node>();
  n->kind = Node::Kind::kString;
  n->bytes = std::string(s);
  return n;
}

NodePtr tables(std::vector<NodePtr> items) {
  auto n = std::make_unique<Node>();
  n->kind = Node::Kind::kTables;
  n->items = std::move(items);
  return n;
}

NodePtr structs(std::string bytes, std::uint32_t count) {
  auto n = std::make_unique<Node>();
  n->kind = Node::Kind::kStructs;
  n->bytes = std::move(bytes);
  n->count = count;
  return n;
}

Field scalar(int slot, std::string bytes) { return Field{slot, std::move(bytes), nullptr}; }
Field child(int slot, NodePtr node) { return Field{slot, {}, std::move(node)}; }

class FlatWriter {
 public:
  std::string finish(const Node& root) {
    buf_.assign(4, '\0');
    patch_offset(0, write(root));
    return std::move(buf_);
  }

 private:
  void pad_to(std::size_t alignment) {
    while (buf_.size() % alignment != 0) buf_.push_back('\0');
  }
  void patch_offset(std::size_t at, std::size_t target) {
    const auto value = static_cast<std::uint32_t>(target - at);
    std::memcpy(buf_.data() + at, &value, 4);
  }
  void patch_u16(std::size_t at, std::size_t value) {
    const auto v = static_cast<std::uint16_t>(value);
    std::memcpy(buf_.data() + at, &v, 2);
  }

  // Writes `node` and its children; returns where a uoffset to it must point.
  std::size_t write(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kString: {
        pad_to(4);
        const std::size_t at = buf_.size();
        buf_ += le(static_cast<std::uint32_t>(node.bytes.size()));
        buf_ += node.bytes;
        buf_.push_back('\0');
        return at;
      }
      case Node::Kind::kStructs: {
        while ((buf_.size() + 4) % 8 != 0) buf_.push_back('\0');  // the structs start 8-aligned
        const std::size_t at = buf_.size();
        buf_ += le(node.count);
        buf_ += node.bytes;
        return at;
      }
      case Node::Kind::kTables: {
        pad_to(4);
        const std::size_t at = buf_.size();
        buf_ += le(static_cast<std::uint32_t>(node.items.size()));
        const std::size_t slots = buf_.size();
        buf_.append(4 * node.items.size(), '\0');
        for (std::size_t i = 0; i < node.items.size(); ++i) patch_offset(slots + 4 * i, write(*node.items[i]));
        return at;
      }
      case Node::Kind::kTable:
        break;
    }
    int slots = 0;
    for (const auto& f : node.fields) slots = std::max(slots, f.slot + 1);
    pad_to(2);
    const std::size_t vtable = buf_.size();
    buf_ += le(static_cast<std::uint16_t>(4 + 2 * slots));
    buf_.append(2 + 2 * static_cast<std::size_t>(slots), '\0');  // the table's size and the slots, patched below
    pad_to(8);
    const std::size_t at = buf_.size();
    buf_ += le(static_cast<std::int32_t>(at - vtable));
    std::vector<std::pair<std::size_t, const Node*>> refs;
    for (const auto& f : node.fields) {
      const std::size_t size = f.ref ? 4 : f.scalar.size();
      pad_to(size);
      patch_u16(vtable + 4 + 2 * static_cast<std::size_t>(f.slot), buf_.size() - at);
      if (f.ref) {
        refs.emplace_back(buf_.size(), f.ref.get());
        buf_.append(4, '\0');
      } else {
        buf_ += f.scalar;
      }
    }
    patch_u16(vtable + 2, buf_.size() - at);
    for (const auto& [where, node_ref] : refs) patch_offset(where, write(*node_ref));
    return at;
  }

  std::string buf_;
};

// ---------------------------------------------------------------- Arrow's schema (Schema.fbs, Message.fbs)

constexpr std::int16_t kMetadataV5 = 4;
constexpr std::uint8_t kHeaderSchema = 1, kHeaderRecordBatch = 3;
constexpr std::uint8_t kTypeNull = 1, kTypeInt = 2, kTypeFloatingPoint = 3, kTypeUtf8 = 5, kTypeBool = 6;
constexpr std::int16_t kPrecisionDouble = 2;

// A Message flatbuffer around `header`, framed: continuation marker, metadata size (the
// flatbuffer padded so that the body starts 8-aligned), the flatbuffer, then the body.
std::string framed(std::uint8_t header_type, NodePtr header, const std::string& body) {
  std::vector<Field> message;
  message.push_back(scalar(0, le(kMetadataV5)));
  message.push_back(scalar(1, le(header_type)));
  message.push_back(child(2, std::move(header)));
  message.push_back(scalar(3, le(static_cast<std::int64_t>(body.size()))));
  std::string flat = FlatWriter().finish(*table(std::move(message)));
  while (flat.size() % 8 != 0) flat.push_back('\0');
  std::string out = le(static_cast<std::uint32_t>(0xFFFFFFFF));
  out += le(static_cast<std::int32_t>(flat.size()));
  out += flat;
  out += body;
  return out;
}

// A column's buffers, appended to the body with their Buffer structs (offset, length).
struct Body {
  std::string bytes;
  std::string buffers;  // Buffer structs
  std::uint32_t count = 0;
  void add(const std::string& data) {
    buffers += le(static_cast<std::int64_t>(bytes.size()));
    buffers += le(static_cast<std::int64_t>(data.size()));
    ++count;
    bytes += data;
    while (bytes.size() % 8 != 0) bytes.push_back('\0');
  }
};

void set_bit(std::string& bits, std::size_t i) { bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8))); }

std::string json_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Floats travel as text when JSON cannot hold them ("nan", "inf", as the driver writes them).
bool special_float(const std::string& text, double& out) {
  if (text == "nan" || text == "NaN") out = std::numeric_limits<double>::quiet_NaN();
  else if (text == "inf" || text == "Infinity") out = std::numeric_limits<double>::infinity();
  else if (text == "-inf" || text == "-Infinity") out = -std::numeric_limits<double>::infinity();
  else return false;
  return true;
}

}  // namespace

ArrowStreamEncoder::ArrowStreamEncoder(std::vector<ResultColumn> columns) : columns_(std::move(columns)) {
  for (const auto& c : columns_) {
    kinds_.push_back(c.type == "int64"     ? Kind::kInt64
                     : c.type == "float64" ? Kind::kFloat64
                     : c.type == "bool"    ? Kind::kBool
                     : c.type == "null"    ? Kind::kNull
                                           : Kind::kUtf8);
  }
}

std::string ArrowStreamEncoder::schema() const {
  std::vector<NodePtr> fields;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    std::uint8_t type_type = kTypeUtf8;
    std::vector<Field> type_fields;
    switch (kinds_[i]) {
      case Kind::kInt64:
        type_type = kTypeInt;
        type_fields.push_back(scalar(0, le(static_cast<std::int32_t>(64))));
        type_fields.push_back(scalar(1, le(static_cast<std::uint8_t>(1))));
        break;
      case Kind::kFloat64:
        type_type = kTypeFloatingPoint;
        type_fields.push_back(scalar(0, le(kPrecisionDouble)));
        break;
      case Kind::kBool: type_type = kTypeBool; break;
      case Kind::kNull: type_type = kTypeNull; break;
      case Kind::kUtf8: type_type = kTypeUtf8; break;
    }
    std::vector<Field> field;
    field.push_back(child(0, string_node(columns_[i].name)));
    field.push_back(scalar(1, le(static_cast<std::uint8_t>(1))));  // nullable
    field.push_back(scalar(2, le(type_type)));
    field.push_back(child(3, table(std::move(type_fields))));
    field.push_back(child(5, tables({})));  // children: Arrow's reader wants the vector, even empty
    fields.push_back(table(std::move(field)));
  }
  std::vector<Field> schema;
  schema.push_back(scalar(0, le(static_cast<std::int16_t>(0))));  // little-endian
  schema.push_back(child(1, tables(std::move(fields))));
  return framed(kHeaderSchema, table(std::move(schema)), "");
}

std::string ArrowStreamEncoder::batch(const std::vector<std::string_view>& rows) const {
  const std::size_t n = rows.size();
  std::vector<rapidjson::Document> docs(n);
  for (std::size_t r = 0; r < n; ++r) {
    docs[r].Parse(rows[r].data(), rows[r].size());
    if (docs[r].HasParseError() || !docs[r].IsArray()) docs[r].SetArray();  // a damaged row: all nulls
  }
  Body body;
  std::string nodes;
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    const auto cell = [&](std::size_t r) -> const rapidjson::Value* {
      const auto& row = docs[r];
      if (c >= row.Size() || row[static_cast<rapidjson::SizeType>(c)].IsNull()) return nullptr;
      return &row[static_cast<rapidjson::SizeType>(c)];
    };
    std::string validity((n + 7) / 8, '\0');
    std::size_t nulls = 0;
    std::string values, data;
    if (kinds_[c] == Kind::kNull) {
      nodes += le(static_cast<std::int64_t>(n));
      nodes += le(static_cast<std::int64_t>(n));
      continue;  // a null column has no buffers
    }
    if (kinds_[c] == Kind::kBool) values.assign((n + 7) / 8, '\0');
    if (kinds_[c] == Kind::kUtf8) values += le(static_cast<std::int32_t>(0));
    for (std::size_t r = 0; r < n; ++r) {
      const rapidjson::Value* v = cell(r);
      bool valid = v != nullptr;
      switch (kinds_[c]) {
        case Kind::kInt64: {
          valid = valid && v->IsInt64();
          values += le(valid ? v->GetInt64() : std::int64_t{0});
          break;
        }
        case Kind::kFloat64: {
          double d = 0;
          if (valid && v->IsNumber()) d = v->GetDouble();
          else if (valid && v->IsString()) valid = special_float(v->GetString(), d);
          else valid = false;
          values += le(valid ? d : 0.0);
          break;
        }
        case Kind::kBool:
          valid = valid && v->IsBool();
          if (valid && v->GetBool()) set_bit(values, r);
          break;
        case Kind::kUtf8:
          if (valid) data += v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : json_text(*v);
          values += le(static_cast<std::int32_t>(data.size()));
          break;
        case Kind::kNull:
          break;
      }
      if (valid) set_bit(validity, r);
      else ++nulls;
    }
    nodes += le(static_cast<std::int64_t>(n));
    nodes += le(static_cast<std::int64_t>(nulls));
    body.add(nulls == 0 ? std::string() : validity);
    body.add(values);
    if (kinds_[c] == Kind::kUtf8) body.add(data);
  }
  std::vector<Field> batch;
  batch.push_back(scalar(0, le(static_cast<std::int64_t>(n))));
  batch.push_back(child(1, structs(std::move(nodes), static_cast<std::uint32_t>(columns_.size()))));
  batch.push_back(child(2, structs(std::move(body.buffers), body.count)));
  return framed(kHeaderRecordBatch, table(std::move(batch)), body.bytes);
}

std::string ArrowStreamEncoder::end() {
  std::string out = le(static_cast<std::uint32_t>(0xFFFFFFFF));
  out += le(static_cast<std::int32_t>(0));
  return out;
}

}  // namespace livy::results
