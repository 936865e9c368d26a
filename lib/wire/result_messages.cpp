#include "wire/result_messages.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <iterator>

#include "wire/json_fields.h"

namespace livy::wire {
namespace {

const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
  const auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

bool known_type(const std::string& type) {
  return std::find(std::begin(kResultColumnTypes), std::end(kResultColumnTypes), type) !=
         std::end(kResultColumnTypes);
}

}  // namespace

Status decode_result_fields(const rapidjson::Value& doc, DriverMessage& m) {
  using T = DriverMessage::Type;
  const auto* id = member(doc, "id");
  if (id == nullptr || !id->IsInt64() || id->GetInt64() < 0) {
    return Status::invalid_argument("driver message has no statement id");
  }
  m.statement_id = id->GetInt64();
  if (m.type == T::kResultBegin) {
    const auto* columns = member(doc, "columns");
    if (columns == nullptr || !columns->IsArray()) return Status::invalid_argument("result-begin has no columns");
    for (const auto& c : columns->GetArray()) {
      const auto* name = c.IsObject() ? member(c, "name") : nullptr;
      const auto* type = c.IsObject() ? member(c, "type") : nullptr;
      if (name == nullptr || !name->IsString() || type == nullptr || !type->IsString()) {
        return Status::invalid_argument("a result-begin column needs a string name and type");
      }
      ResultColumn column{to_std_string(*name), to_std_string(*type), ""};
      if (!known_type(column.type)) return Status::invalid_argument("a result-begin column has an unknown type");
      if (const auto* source = member(c, "sourceType"); source != nullptr && source->IsString()) {
        column.source_type = to_std_string(*source);
      }
      m.result_columns.push_back(std::move(column));
    }
  } else if (m.type == T::kResultRows) {
    const auto* seq = member(doc, "seq");
    const auto* rows = member(doc, "rows");
    if (seq == nullptr || !seq->IsInt64() || seq->GetInt64() < 0 || rows == nullptr || !rows->IsArray()) {
      return Status::invalid_argument("result-rows needs an integer seq and an array of rows");
    }
    m.result_seq = seq->GetInt64();
    m.result_rows.reserve(rows->Size());
    for (const auto& row : rows->GetArray()) {
      if (!row.IsArray()) return Status::invalid_argument("a row of result-rows is not an array");
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
      row.Accept(writer);
      m.result_rows.emplace_back(buffer.GetString(), buffer.GetSize());
    }
  } else {
    const auto* complete = member(doc, "complete");
    m.result_complete = complete != nullptr && complete->IsBool() && complete->GetBool();
    if (const auto* error = member(doc, "error"); error != nullptr && error->IsString()) {
      m.error = to_std_string(*error);
    }
  }
  return Status::ok();
}

void write_result_columns(JsonWriter& w, const std::vector<ResultColumn>& columns) {
  w.key("columns");
  w.start_array();
  for (const auto& c : columns) {
    w.start_object();
    w.string("name", c.name);
    w.string("type", c.type);
    w.string("sourceType", c.source_type);
    w.end_object();
  }
  w.end_array();
}

void write_result_fields(JsonWriter& w, const DriverMessage& m) {
  using T = DriverMessage::Type;
  w.int64("id", m.statement_id);
  if (m.type == T::kResultBegin) {
    write_result_columns(w, m.result_columns);
  } else if (m.type == T::kResultRows) {
    w.int64("seq", m.result_seq);
    w.key("rows");
    w.start_array();
    for (const auto& row : m.result_rows) w.raw(row);
    w.end_array();
  } else {
    w.key("complete");
    w.boolean(m.result_complete);
    if (!m.error.empty()) w.string("error", m.error);
  }
}

}  // namespace livy::wire
