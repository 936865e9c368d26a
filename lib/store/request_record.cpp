#include "store/request_record.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>

namespace livy::record {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Value = rapidjson::Value;

void put_string(Writer& w, const char* key, const std::string& v) {
  w.Key(key);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void put_opt(Writer& w, const char* key, const std::optional<std::string>& v) {
  if (v) put_string(w, key, *v);
}

void put_opt(Writer& w, const char* key, const std::optional<int>& v) {
  if (!v) return;
  w.Key(key);
  w.Int(*v);
}

void put_list(Writer& w, const char* key, const std::vector<std::string>& items) {
  if (items.empty()) return;
  w.Key(key);
  w.StartArray();
  for (const auto& s : items) w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
}

void put_resources(Writer& w, const SparkResources& r) {
  w.Key("resources");
  w.StartObject();
  put_list(w, "jars", r.jars);
  put_list(w, "py_files", r.py_files);
  put_list(w, "files", r.files);
  put_list(w, "archives", r.archives);
  put_opt(w, "driver_memory", r.driver_memory);
  put_opt(w, "driver_cores", r.driver_cores);
  put_opt(w, "executor_memory", r.executor_memory);
  put_opt(w, "executor_cores", r.executor_cores);
  put_opt(w, "num_executors", r.num_executors);
  put_opt(w, "queue", r.queue);
  if (!r.conf.empty()) {
    w.Key("conf");
    w.StartObject();
    for (const auto& [k, v] : r.conf) {
      w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
      w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    }
    w.EndObject();
  }
  w.EndObject();
}

std::string text_of(const Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

Status bad(const std::string& what) { return Status::unavailable("store: request record: " + what); }

Status get_string(const Value& v, const std::string& field, std::string& out) {
  if (!v.IsString()) return bad(field + " is not a string");
  out = text_of(v);
  return Status::ok();
}

Status get_opt(const Value& v, const std::string& field, std::optional<std::string>& out) {
  out.emplace();
  return get_string(v, field, *out);
}

Status get_opt(const Value& v, const std::string& field, std::optional<int>& out) {
  if (!v.IsInt()) return bad(field + " is not an int");
  out = v.GetInt();
  return Status::ok();
}

Status get_ms(const Value& v, const std::string& field, std::optional<std::chrono::milliseconds>& out) {
  if (!v.IsInt64()) return bad(field + " is not an integer");
  out = std::chrono::milliseconds(v.GetInt64());
  return Status::ok();
}

Status get_list(const Value& v, const std::string& field, std::vector<std::string>& out) {
  if (!v.IsArray()) return bad(field + " is not a list");
  for (const auto& item : v.GetArray()) {
    if (!item.IsString()) return bad(field + " holds a value that is not a string");
    out.push_back(text_of(item));
  }
  return Status::ok();
}

Status get_resources(const Value& v, SparkResources& r) {
  if (!v.IsObject()) return bad("resources is not an object");
  for (const auto& m : v.GetObject()) {
    const std::string name = text_of(m.name);
    const Value& x = m.value;
    Status st;
    if (name == "jars") {
      st = get_list(x, name, r.jars);
    } else if (name == "py_files") {
      st = get_list(x, name, r.py_files);
    } else if (name == "files") {
      st = get_list(x, name, r.files);
    } else if (name == "archives") {
      st = get_list(x, name, r.archives);
    } else if (name == "driver_memory") {
      st = get_opt(x, name, r.driver_memory);
    } else if (name == "driver_cores") {
      st = get_opt(x, name, r.driver_cores);
    } else if (name == "executor_memory") {
      st = get_opt(x, name, r.executor_memory);
    } else if (name == "executor_cores") {
      st = get_opt(x, name, r.executor_cores);
    } else if (name == "num_executors") {
      st = get_opt(x, name, r.num_executors);
    } else if (name == "queue") {
      st = get_opt(x, name, r.queue);
    } else if (name == "conf") {
      if (!x.IsObject()) return bad("conf is not an object");
      for (const auto& c : x.GetObject()) {
        if (!c.value.IsString()) return bad("conf." + text_of(c.name) + " is not a string");
        r.conf[text_of(c.name)] = text_of(c.value);
      }
    } else {
      return bad("unknown field resources." + name);
    }
    if (!st) return st;
  }
  return Status::ok();
}

// Parses `text` as an object whose "v" this livyd reads; `doc` holds it then.
Status open_record(const std::string& text, rapidjson::Document& doc) {
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return bad("not a JSON object");
  const auto v = doc.FindMember("v");
  if (v == doc.MemberEnd() || !v->value.IsInt()) return bad("no record version");
  const int version = v->value.GetInt();
  if (version < 1 || version > kRequestRecordVersion) {
    return bad("version " + std::to_string(version) + " is not one this livyd reads (1 to " +
               std::to_string(kRequestRecordVersion) + ")");
  }
  return Status::ok();
}

}  // namespace

std::string encode_batch_request(const BatchRequest& req) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("v");
  w.Int(kRequestRecordVersion);
  put_string(w, "file", req.file);
  put_opt(w, "class_name", req.class_name);
  put_list(w, "args", req.args);
  put_opt(w, "name", req.name);
  put_opt(w, "proxy_user", req.proxy_user);
  put_resources(w, req.resources);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<BatchRequest> decode_batch_request(const std::string& text) {
  rapidjson::Document doc;
  if (Status st = open_record(text, doc); !st) return st;
  BatchRequest req;
  bool has_file = false;
  for (const auto& m : doc.GetObject()) {
    const std::string name = text_of(m.name);
    const Value& x = m.value;
    Status st;
    if (name == "v") continue;
    if (name == "file") {
      st = get_string(x, name, req.file);
      has_file = true;
    } else if (name == "class_name") {
      st = get_opt(x, name, req.class_name);
    } else if (name == "args") {
      st = get_list(x, name, req.args);
    } else if (name == "name") {
      st = get_opt(x, name, req.name);
    } else if (name == "proxy_user") {
      st = get_opt(x, name, req.proxy_user);
    } else if (name == "resources") {
      st = get_resources(x, req.resources);
    } else {
      return bad("unknown field " + name);
    }
    if (!st) return st;
  }
  if (!has_file) return bad("no file");
  return req;
}

std::string encode_session_request(const SessionRequest& req) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("v");
  w.Int(kRequestRecordVersion);
  if (req.kind) put_string(w, "kind", std::string(to_string(*req.kind)));
  put_opt(w, "name", req.name);
  put_opt(w, "proxy_user", req.proxy_user);
  put_resources(w, req.resources);
  w.Key("heartbeat_timeout_s");
  w.Int(req.heartbeat_timeout_s);
  if (req.ttl) {
    w.Key("ttl_ms");
    w.Int64(req.ttl->count());
  }
  if (req.idle_timeout) {
    w.Key("idle_timeout_ms");
    w.Int64(req.idle_timeout->count());
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<SessionRequest> decode_session_request(const std::string& text) {
  rapidjson::Document doc;
  if (Status st = open_record(text, doc); !st) return st;
  SessionRequest req;
  for (const auto& m : doc.GetObject()) {
    const std::string name = text_of(m.name);
    const Value& x = m.value;
    Status st;
    if (name == "v") continue;
    if (name == "kind") {
      std::string kind;
      st = get_string(x, name, kind);
      if (st) {
        // A record holds the canonical name only: an alias ("python") was never written.
        req.kind = parse_session_kind(kind);
        if (!req.kind || to_string(*req.kind) != kind) return bad("kind '" + kind + "' is not a session kind");
      }
    } else if (name == "name") {
      st = get_opt(x, name, req.name);
    } else if (name == "proxy_user") {
      st = get_opt(x, name, req.proxy_user);
    } else if (name == "resources") {
      st = get_resources(x, req.resources);
    } else if (name == "heartbeat_timeout_s") {
      if (!x.IsInt() || x.GetInt() < 0) return bad("heartbeat_timeout_s is not a count of seconds");
      req.heartbeat_timeout_s = x.GetInt();
    } else if (name == "ttl_ms") {
      st = get_ms(x, name, req.ttl);
    } else if (name == "idle_timeout_ms") {
      st = get_ms(x, name, req.idle_timeout);
    } else {
      return bad("unknown field " + name);
    }
    if (!st) return st;
  }
  return req;
}

}  // namespace livy::record
