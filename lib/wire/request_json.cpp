#include "wire/request_json.h"

#include "wire/json_fields.h"
#include "wire/json_writer.h"
#include "base/text_values.h"

namespace livy::wire {
namespace {

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

void write_resources(JsonWriter& w, const SparkResources& r) {
  w.strings_if_any("jars", r.jars);
  w.strings_if_any("pyFiles", r.py_files);
  w.strings_if_any("files", r.files);
  w.strings_if_any("archives", r.archives);
  w.string_if_set("driverMemory", r.driver_memory);
  w.int_if_set("driverCores", r.driver_cores);
  w.string_if_set("executorMemory", r.executor_memory);
  w.int_if_set("executorCores", r.executor_cores);
  w.int_if_set("numExecutors", r.num_executors);
  w.string_if_set("queue", r.queue);
  w.string_map_if_any("conf", r.conf);
}

void write_kind_if_set(JsonWriter& w, const std::optional<SessionKind>& kind) {
  if (kind) w.string("kind", to_string(*kind));
}

void write_duration_if_set(JsonWriter& w, const char* key, const std::optional<std::chrono::milliseconds>& d) {
  if (d) w.string(key, format_duration(*d));
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
  JsonWriter w;
  w.start_object();
  write_kind_if_set(w, req.kind);
  w.string_if_set("name", req.name);
  w.string_if_set("proxyUser", req.proxy_user);
  write_resources(w, req.resources);
  // 0 is Livy's default (no heartbeat check): left out, as every other unset field.
  if (req.heartbeat_timeout_s != 0) w.int64("heartbeatTimeoutInSecond", req.heartbeat_timeout_s);
  write_duration_if_set(w, "ttl", req.ttl);
  write_duration_if_set(w, "idleTimeout", req.idle_timeout);
  w.end_object();
  return w.text();
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

std::string encode_statement_request(const StatementRequest& req) {
  JsonWriter w;
  w.start_object();
  w.string("code", req.code);
  write_kind_if_set(w, req.kind);
  w.end_object();
  return w.text();
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

std::string encode_completion_request(const CompletionRequest& req) {
  JsonWriter w;
  w.start_object();
  w.string("code", req.code);
  write_kind_if_set(w, req.kind);
  w.int64("cursor", req.cursor);
  w.end_object();
  return w.text();
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
  JsonWriter w;
  w.start_object();
  w.string("file", req.file);
  w.string_if_set("className", req.class_name);
  w.strings_if_any("args", req.args);
  w.string_if_set("name", req.name);
  w.string_if_set("proxyUser", req.proxy_user);
  write_resources(w, req.resources);
  w.end_object();
  return w.text();
}

}  // namespace livy::wire
