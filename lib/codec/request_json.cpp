#include "codec/request_json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "codec/json_fields.h"
#include "base/text_values.h"

namespace livy::codec {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Reads one resource field into `r`; false when `name` is not a resource field.
// Names are compared whole: a name with an embedded NUL ("jars\u0000x") is no field.
bool read_resource_field(const std::string& name, const rapidjson::Value& v, SparkResources& r, Status& st) {
  const char* n = name.c_str();
  if (name == "jars") st = read_string_list(v, n, r.jars);
  else if (name == "pyFiles") st = read_string_list(v, n, r.py_files);
  else if (name == "files") st = read_string_list(v, n, r.files);
  else if (name == "archives") st = read_string_list(v, n, r.archives);
  else if (name == "driverMemory") st = read_string(v, n, r.driver_memory);
  else if (name == "driverCores") st = read_int(v, n, r.driver_cores);
  else if (name == "executorMemory") st = read_string(v, n, r.executor_memory);
  else if (name == "executorCores") st = read_int(v, n, r.executor_cores);
  else if (name == "numExecutors") st = read_int(v, n, r.num_executors);
  else if (name == "queue") st = read_string(v, n, r.queue);
  else if (name == "conf") st = read_string_map(v, n, r.conf);
  else return false;
  return true;
}

void write_opt(Writer& w, const char* key, const std::optional<std::string>& v) {
  if (!v) return;
  w.Key(key);
  w.String(v->c_str(), static_cast<rapidjson::SizeType>(v->size()));
}

void write_opt(Writer& w, const char* key, const std::optional<int>& v) {
  if (!v) return;
  w.Key(key);
  w.Int(*v);
}

void write_list(Writer& w, const char* key, const std::vector<std::string>& items) {
  if (items.empty()) return;
  w.Key(key);
  w.StartArray();
  for (const auto& s : items) w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
}

void write_resources(Writer& w, const SparkResources& r) {
  write_list(w, "jars", r.jars);
  write_list(w, "pyFiles", r.py_files);
  write_list(w, "files", r.files);
  write_list(w, "archives", r.archives);
  write_opt(w, "driverMemory", r.driver_memory);
  write_opt(w, "driverCores", r.driver_cores);
  write_opt(w, "executorMemory", r.executor_memory);
  write_opt(w, "executorCores", r.executor_cores);
  write_opt(w, "numExecutors", r.num_executors);
  write_opt(w, "queue", r.queue);
  if (!r.conf.empty()) {
    w.Key("conf");
    w.StartObject();
    for (const auto& [k, v] : r.conf) {
      w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
      w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    }
    w.EndObject();
  }
}

Status read_kind(const rapidjson::Value& v, const char* field, std::optional<SessionKind>& out) {
  std::optional<std::string> text;
  Status st = read_string(v, field, text);
  if (!st || !text) return st;
  out = parse_session_kind(*text);
  if (!out) return Status::invalid_argument(std::string(field) + " '" + *text + "' is not one of spark, pyspark, sparkr, sql, shared");
  return Status::ok();
}

Status read_duration(const rapidjson::Value& v, const char* field, std::optional<std::chrono::milliseconds>& out) {
  std::optional<std::string> text;
  Status st = read_string(v, field, text);
  if (!st || !text) return st;
  out = parse_duration(*text);
  if (!out) return Status::invalid_argument(std::string(field) + " '" + *text + "' is not a duration like 30s, 10m, 1h");
  return Status::ok();
}

}  // namespace

Result<SessionRequest> decode_session_request(const std::string& json) {
  rapidjson::Document doc;
  Status st = parse_object(json, doc);
  if (!st) return st;
  SessionRequest req;
  for (const auto& m : doc.GetObject()) {
    const std::string name = to_std_string(m.name);
    const char* n = name.c_str();
    const auto& v = m.value;
    if (name == "kind") {
      st = read_kind(v, n, req.kind);
    } else if (name == "name") {
      st = read_string(v, n, req.name);
    } else if (name == "proxyUser") {
      st = read_string(v, n, req.proxy_user);
    } else if (name == "heartbeatTimeoutInSecond") {
      std::optional<int> seconds;
      st = read_int(v, n, seconds);
      if (st && seconds && *seconds < 0) st = Status::invalid_argument("heartbeatTimeoutInSecond must not be negative");
      if (st) req.heartbeat_timeout_s = seconds.value_or(0);
    } else if (name == "ttl") {
      st = read_duration(v, n, req.ttl);
    } else if (name == "idleTimeout") {
      st = read_duration(v, n, req.idle_timeout);
    } else if (!read_resource_field(name, v, req.resources, st)) {
      return Status::invalid_argument("unknown field '" + name + "'");
    }
    if (!st) return st;
  }
  return req;
}

std::string encode_session_request(const SessionRequest& req) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  if (req.kind) {
    const auto kind = to_string(*req.kind);
    w.Key("kind");
    w.String(kind.data(), static_cast<rapidjson::SizeType>(kind.size()));
  }
  write_opt(w, "name", req.name);
  write_opt(w, "proxyUser", req.proxy_user);
  write_resources(w, req.resources);
  w.Key("heartbeatTimeoutInSecond");
  w.Int(req.heartbeat_timeout_s);
  if (req.ttl) write_opt(w, "ttl", std::optional<std::string>(format_duration(*req.ttl)));
  if (req.idle_timeout) write_opt(w, "idleTimeout", std::optional<std::string>(format_duration(*req.idle_timeout)));
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<StatementRequest> decode_statement_request(const std::string& json) {
  rapidjson::Document doc;
  Status st = parse_object(json, doc);
  if (!st) return st;
  StatementRequest req;
  bool has_code = false;
  for (const auto& m : doc.GetObject()) {
    const std::string name = to_std_string(m.name);
    if (name == "code") {
      if (!m.value.IsString()) return Status::invalid_argument("code must be a string");
      req.code = to_std_string(m.value);
      has_code = true;
    } else if (name == "kind") {
      st = read_kind(m.value, "kind", req.kind);
    } else {
      return Status::invalid_argument("unknown field '" + name + "'");
    }
    if (!st) return st;
  }
  if (!has_code) return Status::invalid_argument("code is required");
  return req;
}

Result<CompletionRequest> decode_completion_request(const std::string& json) {
  rapidjson::Document doc;
  Status st = parse_object(json, doc);
  if (!st) return st;
  CompletionRequest req;
  req.cursor = -1;  // absent: the end of the code
  bool has_code = false;
  for (const auto& m : doc.GetObject()) {
    const std::string name = to_std_string(m.name);
    if (name == "code") {
      if (!m.value.IsString()) return Status::invalid_argument("code must be a string");
      req.code = to_std_string(m.value);
      has_code = true;
    } else if (name == "kind") {
      st = read_kind(m.value, "kind", req.kind);
    } else if (name == "cursor") {
      if (!m.value.IsInt64() || m.value.GetInt64() < 0) return Status::invalid_argument("cursor must be a non-negative integer");
      req.cursor = m.value.GetInt64();
    } else {
      return Status::invalid_argument("unknown field '" + name + "'");
    }
    if (!st) return st;
  }
  if (!has_code) return Status::invalid_argument("code is required");
  if (req.cursor < 0) req.cursor = static_cast<std::int64_t>(req.code.size());
  return req;
}

Result<BatchRequest> decode_batch_request(const std::string& json) {
  rapidjson::Document doc;
  Status st = parse_object(json, doc);
  if (!st) return st;
  BatchRequest req;
  for (const auto& m : doc.GetObject()) {
    const std::string name = to_std_string(m.name);
    const char* n = name.c_str();
    const auto& v = m.value;
    if (name == "file") st = read_string(v, n, req.file);
    else if (name == "className") st = read_string(v, n, req.class_name);
    else if (name == "args") st = read_string_list(v, n, req.args);
    else if (name == "name") st = read_string(v, n, req.name);
    else if (name == "proxyUser") st = read_string(v, n, req.proxy_user);
    else if (!read_resource_field(name, v, req.resources, st)) {
      return Status::invalid_argument("unknown field '" + name + "'");
    }
    if (!st) return st;
  }
  return req;
}

std::string encode_batch_request(const BatchRequest& req) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("file");
  w.String(req.file.c_str(), static_cast<rapidjson::SizeType>(req.file.size()));
  write_opt(w, "className", req.class_name);
  write_list(w, "args", req.args);
  write_opt(w, "name", req.name);
  write_opt(w, "proxyUser", req.proxy_user);
  write_resources(w, req.resources);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace livy::codec
