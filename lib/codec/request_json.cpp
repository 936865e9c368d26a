#include "codec/request_json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>

#include "codec/json_fields.h"

namespace livy::codec {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Reads one resource field into `r`; false when `name` is not a resource field.
bool read_resource_field(const char* name, const rapidjson::Value& v, SparkResources& r, Status& st) {
  if (!std::strcmp(name, "jars")) st = read_string_list(v, name, r.jars);
  else if (!std::strcmp(name, "pyFiles")) st = read_string_list(v, name, r.py_files);
  else if (!std::strcmp(name, "files")) st = read_string_list(v, name, r.files);
  else if (!std::strcmp(name, "archives")) st = read_string_list(v, name, r.archives);
  else if (!std::strcmp(name, "driverMemory")) st = read_string(v, name, r.driver_memory);
  else if (!std::strcmp(name, "driverCores")) st = read_int(v, name, r.driver_cores);
  else if (!std::strcmp(name, "executorMemory")) st = read_string(v, name, r.executor_memory);
  else if (!std::strcmp(name, "executorCores")) st = read_int(v, name, r.executor_cores);
  else if (!std::strcmp(name, "numExecutors")) st = read_int(v, name, r.num_executors);
  else if (!std::strcmp(name, "queue")) st = read_string(v, name, r.queue);
  else if (!std::strcmp(name, "conf")) st = read_string_map(v, name, r.conf);
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

}  // namespace

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
    else if (!read_resource_field(n, v, req.resources, st)) {
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
