#include "client/request_json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

#include "base/base64.h"
#include "base/text_values.h"

namespace livy::client {
namespace {

// Writes one JSON object, members in the order they are added.
class ObjectWriter {
 public:
  ObjectWriter() : writer_(buf_) { writer_.StartObject(); }

  void string(const char* key, std::string_view value) {
    writer_.Key(key);
    text(value);
  }
  void optional(const char* key, const std::optional<std::string>& value) {
    if (value) string(key, *value);
  }
  void integer(const char* key, std::int64_t value) {
    writer_.Key(key);
    writer_.Int64(value);
  }
  void optional(const char* key, const std::optional<int>& value) {
    if (value) integer(key, *value);
  }
  void strings(const char* key, const std::vector<std::string>& items) {
    if (items.empty()) return;
    writer_.Key(key);
    writer_.StartArray();
    for (const auto& item : items) text(item);
    writer_.EndArray();
  }
  void string_map(const char* key, const std::map<std::string, std::string>& items) {
    if (items.empty()) return;
    writer_.Key(key);
    writer_.StartObject();
    for (const auto& [name, value] : items) {
      text(name);
      text(value);
    }
    writer_.EndObject();
  }
  void kind(const char* key, const std::optional<SessionKind>& kind) {
    if (kind) string(key, to_string(*kind));
  }
  void duration(const char* key, const std::optional<std::chrono::milliseconds>& d) {
    if (d) string(key, format_duration(*d));
  }

  std::string finish() {
    writer_.EndObject();
    return std::string(buf_.GetString(), buf_.GetSize());
  }

 private:
  void text(std::string_view s) { writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

void write_resources(ObjectWriter& w, const SparkResources& r) {
  w.strings("jars", r.jars);
  w.strings("pyFiles", r.py_files);
  w.strings("files", r.files);
  w.strings("archives", r.archives);
  w.optional("driverMemory", r.driver_memory);
  w.optional("driverCores", r.driver_cores);
  w.optional("executorMemory", r.executor_memory);
  w.optional("executorCores", r.executor_cores);
  w.optional("numExecutors", r.num_executors);
  w.optional("queue", r.queue);
  w.string_map("conf", r.conf);
}

}  // namespace

std::string encode_batch_request(const BatchRequest& request) {
  ObjectWriter w;
  w.string("file", request.file);
  w.optional("className", request.class_name);
  w.strings("args", request.args);
  w.optional("name", request.name);
  w.optional("proxyUser", request.proxy_user);
  write_resources(w, request.resources);
  return w.finish();
}

std::string encode_session_request(const SessionRequest& request) {
  ObjectWriter w;
  w.kind("kind", request.kind);
  w.optional("name", request.name);
  w.optional("proxyUser", request.proxy_user);
  write_resources(w, request.resources);
  if (request.heartbeat_timeout_s != 0) w.integer("heartbeatTimeoutInSecond", request.heartbeat_timeout_s);
  w.duration("ttl", request.ttl);
  w.duration("idleTimeout", request.idle_timeout);
  return w.finish();
}

std::string encode_statement_request(const StatementRequest& request) {
  ObjectWriter w;
  w.string("code", request.code);
  w.kind("kind", request.kind);
  return w.finish();
}

std::string encode_job_request(const JobRequest& request) {
  ObjectWriter w;
  w.string("job", base64_encode(request.job));
  w.string("jobType", std::string(to_string(request.type)));
  return w.finish();
}

std::string encode_resource_request(const std::string& uri) {
  ObjectWriter w;
  w.string("uri", uri);
  return w.finish();
}

std::string encode_completion_request(const std::string& code, std::optional<SessionKind> kind,
                                      std::int64_t cursor) {
  ObjectWriter w;
  w.string("code", code);
  w.kind("kind", kind);
  w.integer("cursor", cursor);
  return w.finish();
}

}  // namespace livy::client
