#include "http/wire.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "codec/output_json.h"
#include "base/base64.h"
#include "base/text_values.h"
#include "livy/version.h"

namespace livy::http {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void opt(Writer& w, const char* key, const std::optional<std::string>& v) {
  w.Key(key);
  if (v) str(w, *v);
  else w.Null();
}

void lines(Writer& w, const char* key, const std::vector<std::string>& items) {
  w.Key(key);
  w.StartArray();
  for (const auto& s : items) str(w, s);
  w.EndArray();
}

void write_batch(Writer& w, const Batch& b) {
  w.StartObject();
  w.Key("id");
  w.Int64(b.id);
  opt(w, "name", b.name);
  opt(w, "owner", b.owner);
  opt(w, "proxyUser", b.proxy_user);
  w.Key("state");
  str(w, to_string(b.state));
  opt(w, "appId", b.app_id);
  w.Key("appInfo");
  w.StartObject();
  opt(w, "driverLogUrl", b.app_info.driver_log_url);
  opt(w, "sparkUiUrl", b.app_info.spark_ui_url);
  w.EndObject();
  lines(w, "log", b.log);
  w.EndObject();
}

void opt_int(Writer& w, const char* key, const std::optional<int>& v) {
  w.Key(key);
  w.Int(v.value_or(0));
}

void opt_duration(Writer& w, const char* key, const std::optional<std::chrono::milliseconds>& v) {
  w.Key(key);
  if (v) str(w, format_duration(*v));
  else w.Null();
}

void write_session(Writer& w, const Session& s) {
  const SparkResources& r = s.request.resources;
  w.StartObject();
  w.Key("id");
  w.Int64(s.id);
  opt(w, "name", s.name);
  opt(w, "appId", s.app_id);
  opt(w, "owner", s.owner);
  opt(w, "proxyUser", s.proxy_user);
  w.Key("state");
  str(w, to_string(s.state));
  w.Key("kind");
  str(w, to_string(s.kind.value_or(SessionKind::kShared)));
  w.Key("appInfo");
  w.StartObject();
  opt(w, "driverLogUrl", s.app_info.driver_log_url);
  opt(w, "sparkUiUrl", s.app_info.spark_ui_url);
  w.EndObject();
  lines(w, "log", s.log);
  opt_duration(w, "ttl", s.request.ttl);
  opt_duration(w, "idleTimeout", s.request.idle_timeout);
  opt(w, "driverMemory", r.driver_memory);
  opt_int(w, "driverCores", r.driver_cores);
  opt(w, "executorMemory", r.executor_memory);
  opt_int(w, "executorCores", r.executor_cores);
  w.Key("conf");
  w.StartObject();
  for (const auto& [k, v] : r.conf) {
    w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
    str(w, v);
  }
  w.EndObject();
  lines(w, "archives", r.archives);
  lines(w, "files", r.files);
  w.Key("heartbeatTimeoutInSecond");
  w.Int(s.request.heartbeat_timeout_s);
  lines(w, "jars", r.jars);
  opt_int(w, "numExecutors", r.num_executors);
  lines(w, "pyFiles", r.py_files);
  opt(w, "queue", r.queue);
  w.EndObject();
}

void write_statement(Writer& w, const Statement& st) {
  w.StartObject();
  w.Key("id");
  w.Int64(st.id);
  w.Key("code");
  str(w, st.code);
  w.Key("state");
  str(w, to_string(st.state));
  w.Key("output");
  if (st.output) {
    const std::string output = codec::encode_output(*st.output);
    w.RawValue(output.c_str(), output.size(), rapidjson::kObjectType);
  } else {
    w.Null();
  }
  w.Key("progress");
  w.Double(st.progress);
  w.Key("started");
  w.Int64(st.started_ms);
  w.Key("completed");
  w.Int64(st.completed_ms);
  w.EndObject();
}

std::string done(const rapidjson::StringBuffer& buf) { return std::string(buf.GetString(), buf.GetSize()); }

// {"from", "total", "sessions": [...]}: Livy's list shape, batches included.
template <typename T>
std::string list_json(const Page<T>& page, void (*write_item)(Writer&, const T&)) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("from");
  w.Int64(page.from);
  w.Key("total");
  w.Int64(page.total);
  w.Key("sessions");
  w.StartArray();
  for (const auto& item : page.items) write_item(w, item);
  w.EndArray();
  w.EndObject();
  return done(buf);
}

}  // namespace

std::string batch_json(const Batch& batch) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_batch(w, batch);
  return done(buf);
}

std::string batch_list_json(const Page<Batch>& page) { return list_json(page, write_batch); }

std::string state_json(std::int64_t id, std::string_view state) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("id");
  w.Int64(id);
  w.Key("state");
  str(w, state);
  w.EndObject();
  return done(buf);
}

std::string log_json(const LogPage& page) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("id");
  w.Int64(page.id);
  w.Key("from");
  w.Int64(page.from);
  w.Key("total");
  w.Int64(page.total);
  lines(w, "log", page.lines);
  w.EndObject();
  return done(buf);
}

std::string msg_json(std::string_view msg) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("msg");
  str(w, msg);
  w.EndObject();
  return done(buf);
}

std::string version_json(const std::string& user) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("version");
  str(w, kLivyApiVersion);
  w.Key("user");
  str(w, user);
  w.Key("revision");
  str(w, LIVYD_REVISION);
  w.Key("branch");
  str(w, LIVYD_BRANCH);
  w.Key("date");
  str(w, LIVYD_BUILD_DATE);
  w.Key("url");
  str(w, "livyd");
  w.Key("livydVersion");
  str(w, kVersion);
  w.EndObject();
  return done(buf);
}

std::string session_json(const Session& session) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_session(w, session);
  return done(buf);
}

std::string session_list_json(const Page<Session>& page) { return list_json(page, write_session); }

std::string statement_json(const Statement& statement) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_statement(w, statement);
  return done(buf);
}

std::string statement_list_json(const Page<Statement>& page) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("total_statements");
  w.Int64(page.total);
  w.Key("statements");
  w.StartArray();
  for (const auto& st : page.items) write_statement(w, st);
  w.EndArray();
  w.EndObject();
  return done(buf);
}

std::string completion_json(const std::vector<std::string>& candidates) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  lines(w, "candidates", candidates);
  w.EndObject();
  return done(buf);
}

std::string job_json(const Job& job) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("id");
  w.Int64(job.id);
  w.Key("state");
  str(w, to_string(job.state));
  opt(w, "result", job.result ? std::optional<std::string>(base64_encode(*job.result)) : std::nullopt);
  opt(w, "error", job.error);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace livy::http
