#include "wire/reply_json.h"

#include "base/text_values.h"
#include "wire/detail_json.h"
#include "wire/json_fields.h"
#include "wire/json_writer.h"
#include "wire/reply_reader.h"

namespace livy::wire {
namespace {

// Every value of each state enum, to read a state by its name.
constexpr BatchState kBatchStates[] = {BatchState::kNotStarted, BatchState::kStarting, BatchState::kRunning,
                                       BatchState::kSuccess,    BatchState::kDead,     BatchState::kKilled,
                                       BatchState::kError};
constexpr SessionState kSessionStates[] = {SessionState::kNotStarted, SessionState::kStarting,
                                           SessionState::kRecovering, SessionState::kIdle,
                                           SessionState::kBusy,       SessionState::kShuttingDown,
                                           SessionState::kError,      SessionState::kDead,
                                           SessionState::kKilled,     SessionState::kSuccess};

// --- encoders ---

void write_app_info(JsonWriter& w, const AppInfo& info) {
  w.key("appInfo");
  w.start_object();
  w.string_or_null("driverLogUrl", info.driver_log_url);
  w.string_or_null("sparkUiUrl", info.spark_ui_url);
  w.string_or_null("executorLogUrls", info.executor_log_urls);  // Livy writes it always, null when unknown
  w.end_object();
}

void write_batch(JsonWriter& w, const Batch& b, bool detailed) {
  w.start_object();
  w.int64("id", b.id);
  w.string_or_null("name", b.name);
  w.string_or_null("owner", b.owner);
  w.string_or_null("proxyUser", b.proxy_user);
  w.string("state", to_string(b.state));
  w.string_or_null("appId", b.app_id);
  write_app_info(w, b.app_info);
  w.strings("log", b.log);
  if (detailed) write_batch_detail(w, b);
  w.end_object();
}

// Livy writes an unset int resource as 0.
void int_or_zero(JsonWriter& w, const char* key, const std::optional<int>& v) { w.int64(key, v.value_or(0)); }

void duration_or_null(JsonWriter& w, const char* key, const std::optional<std::chrono::milliseconds>& v) {
  w.string_or_null(key, v ? std::optional<std::string>(format_duration(*v)) : std::nullopt);
}

// The members in the order of Livy's SessionInfo.
void write_session(JsonWriter& w, const Session& s, bool detailed) {
  const SparkResources& r = s.request.resources;
  w.start_object();
  w.int64("id", s.id);
  w.string_or_null("name", s.name);
  w.string_or_null("appId", s.app_id);
  w.string_or_null("owner", s.owner);
  w.string_or_null("proxyUser", s.proxy_user);
  w.string("state", to_string(s.state));
  w.string("kind", to_string(s.kind.value_or(SessionKind::kShared)));
  write_app_info(w, s.app_info);
  w.strings("log", s.log);
  duration_or_null(w, "ttl", s.request.ttl);
  duration_or_null(w, "idleTimeout", s.request.idle_timeout);
  w.string_or_null("driverMemory", r.driver_memory);
  int_or_zero(w, "driverCores", r.driver_cores);
  w.string_or_null("executorMemory", r.executor_memory);
  int_or_zero(w, "executorCores", r.executor_cores);
  w.string_map("conf", r.conf);
  w.strings("archives", r.archives);
  w.strings("files", r.files);
  w.int64("heartbeatTimeoutInSecond", s.request.heartbeat_timeout_s);
  w.strings("jars", r.jars);
  int_or_zero(w, "numExecutors", r.num_executors);
  w.strings("pyFiles", r.py_files);
  w.string_or_null("queue", r.queue);
  if (detailed) write_session_detail(w, s);
  w.end_object();
}

// {"from", "total", "sessions": [...]}: Livy's list shape, batches included.
template <typename T>
std::string encode_page(const Page<T>& page, bool detailed, void (*write_item)(JsonWriter&, const T&, bool)) {
  JsonWriter w;
  w.start_object();
  w.int64("from", page.from);
  w.int64("total", page.total);
  w.key("sessions");
  w.start_array();
  for (const auto& item : page.items) write_item(w, item, detailed);
  w.end_array();
  w.end_object();
  return w.text();
}

// --- decoders ---

void read_app_info(ReplyReader& r, AppInfo& out) {
  const rapidjson::Value* v = r.find("appInfo");
  if (v == nullptr) return;
  if (!v->IsObject()) return r.fail("appInfo", "must be an object");
  ReplyReader info = r.child("appInfo", *v);
  info.read("driverLogUrl", out.driver_log_url);
  info.read("sparkUiUrl", out.spark_ui_url);
  info.read("executorLogUrls", out.executor_log_urls);
}

// A duration as Livy echoes it ("10m"). One this client cannot read is left
// unset: the server accepted it, and it is no reason to fail the whole reply.
void read_duration(ReplyReader& r, const char* key, std::optional<std::chrono::milliseconds>& out) {
  std::optional<std::string> text;
  r.read(key, text);
  if (text) out = parse_duration(*text);
}

void read_resources(ReplyReader& r, SparkResources& out) {
  r.read("jars", out.jars);
  r.read("pyFiles", out.py_files);
  r.read("files", out.files);
  r.read("archives", out.archives);
  r.read("driverMemory", out.driver_memory);
  r.read_nonzero("driverCores", out.driver_cores);
  r.read("executorMemory", out.executor_memory);
  r.read_nonzero("executorCores", out.executor_cores);
  r.read_nonzero("numExecutors", out.num_executors);
  r.read("queue", out.queue);
  r.read("conf", out.conf);
}

void read_batch(const rapidjson::Value& v, const std::string& where, Status& st, Batch& b) {
  ReplyReader r(v, where, st);
  if (r.require("id") != nullptr) r.read("id", b.id);
  r.read("name", b.name);
  r.read("owner", b.owner);
  r.read("proxyUser", b.proxy_user);
  read_state(r, "state", kBatchStates, b.state);
  r.read("appId", b.app_id);
  read_app_info(r, b.app_info);
  r.read("log", b.log);
  read_batch_detail(r, b);
}

void read_session(const rapidjson::Value& v, const std::string& where, Status& st, Session& s) {
  ReplyReader r(v, where, st);
  if (r.require("id") != nullptr) r.read("id", s.id);
  r.read("name", s.name);
  r.read("owner", s.owner);
  r.read("proxyUser", s.proxy_user);
  read_kind(r, "kind", s.kind);
  read_state(r, "state", kSessionStates, s.state);
  r.read("appId", s.app_id);
  read_app_info(r, s.app_info);
  r.read("log", s.log);
  s.request.kind = s.kind;
  s.request.name = s.name;
  s.request.proxy_user = s.proxy_user;
  read_resources(r, s.request.resources);
  std::optional<int> heartbeat;
  r.read_nonzero("heartbeatTimeoutInSecond", heartbeat);
  s.request.heartbeat_timeout_s = heartbeat.value_or(0);
  read_duration(r, "ttl", s.request.ttl);
  read_duration(r, "idleTimeout", s.request.idle_timeout);
  read_session_detail(r, s);
}

template <typename State, std::size_t N>
Result<State> decode_state(const std::string& body, const char* where, const State (&states)[N]) {
  return decode_reply<State>(body, [&](const rapidjson::Value& v, Status& st, State& out) {
    ReplyReader r(v, where, st);
    read_state(r, "state", states, out);
  });
}

}  // namespace

std::string encode_version(const ServerVersion& v) {
  JsonWriter w;
  w.start_object();
  w.string("version", v.version);
  w.string_or_null("user", v.user);
  w.string_or_null("revision", v.revision);
  w.string_or_null("branch", v.branch);
  w.string_or_null("date", v.date);
  w.string_or_null("url", v.url);
  w.string_if_set("livydVersion", v.livyd_version);  // livyd's own field: Apache Livy has none
  w.end_object();
  return w.text();
}

Result<ServerVersion> decode_version(const std::string& body) {
  return decode_reply<ServerVersion>(body, [](const rapidjson::Value& v, Status& st, ServerVersion& out) {
    ReplyReader r(v, "version", st);
    if (r.require("version") != nullptr) r.read("version", out.version);
    r.read("user", out.user);
    r.read("revision", out.revision);
    r.read("branch", out.branch);
    r.read("date", out.date);
    r.read("url", out.url);
    r.read("livydVersion", out.livyd_version);
  });
}

std::string encode_batch(const Batch& batch, bool detailed) {
  JsonWriter w;
  write_batch(w, batch, detailed);
  return w.text();
}

Result<Batch> decode_batch(const std::string& body) {
  return decode_reply<Batch>(body,
                             [](const rapidjson::Value& v, Status& st, Batch& out) { read_batch(v, "batch", st, out); });
}

std::string encode_batch_page(const Page<Batch>& page, bool detailed) {
  return encode_page(page, detailed, write_batch);
}

Result<Page<Batch>> decode_batch_page(const std::string& body) {
  return decode_reply<Page<Batch>>(body, [](const rapidjson::Value& v, Status& st, Page<Batch>& out) {
    ReplyReader r(v, "batches", st);
    r.read("from", out.from);
    r.read("total", out.total);
    read_items(r, "sessions", out.items, read_batch, st);
  });
}

std::string encode_session(const Session& session, bool detailed) {
  JsonWriter w;
  write_session(w, session, detailed);
  return w.text();
}

Result<Session> decode_session(const std::string& body) {
  return decode_reply<Session>(
      body, [](const rapidjson::Value& v, Status& st, Session& out) { read_session(v, "session", st, out); });
}

std::string encode_session_page(const Page<Session>& page, bool detailed) {
  return encode_page(page, detailed, write_session);
}

Result<Page<Session>> decode_session_page(const std::string& body) {
  return decode_reply<Page<Session>>(body, [](const rapidjson::Value& v, Status& st, Page<Session>& out) {
    ReplyReader r(v, "sessions", st);
    r.read("from", out.from);
    r.read("total", out.total);
    read_items(r, "sessions", out.items, read_session, st);
  });
}

std::string encode_state(std::int64_t id, std::string_view state) {
  JsonWriter w;
  w.start_object();
  w.int64("id", id);
  w.string("state", state);
  w.end_object();
  return w.text();
}

Result<SessionState> decode_session_state(const std::string& body) {
  return decode_state(body, "session", kSessionStates);
}

Result<BatchState> decode_batch_state(const std::string& body) { return decode_state(body, "batch", kBatchStates); }

std::string encode_log(const LogPage& page) {
  JsonWriter w;
  w.start_object();
  w.int64("id", page.id);
  w.int64("from", page.from);
  w.int64("total", page.total);
  w.strings("log", page.lines);
  w.end_object();
  return w.text();
}

Result<LogPage> decode_log(const std::string& body) {
  return decode_reply<LogPage>(body, [](const rapidjson::Value& v, Status& st, LogPage& out) {
    ReplyReader r(v, "log", st);
    r.read("id", out.id);
    r.read("from", out.from);
    r.read("total", out.total);
    if (r.require("log") != nullptr) r.read("log", out.lines);
  });
}

std::string encode_message(std::string_view msg) {
  JsonWriter w;
  w.start_object();
  w.string("msg", msg);
  w.end_object();
  return w.text();
}

std::optional<std::string> decode_message(const std::string& body) {
  rapidjson::Document doc;
  if (parse_json(body, doc).IsError()) return std::nullopt;
  if (doc.IsString()) return to_std_string(doc);
  if (!doc.IsObject()) return std::nullopt;
  const auto msg = doc.FindMember("msg");
  if (msg == doc.MemberEnd() || !msg->value.IsString()) return std::nullopt;
  return to_std_string(msg->value);
}

}  // namespace livy::wire
