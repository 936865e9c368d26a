#include "client/reply_json.h"

#include <cstddef>
#include <string_view>
#include <utility>

#include "client/reply_reader.h"
#include "base/base64.h"
#include "base/text_values.h"

namespace livy::client {
namespace {

// Every value of each state enum, to read a state by the name livy's to_string() gives it.
constexpr BatchState kBatchStates[] = {BatchState::kNotStarted, BatchState::kStarting, BatchState::kRunning,
                                       BatchState::kSuccess, BatchState::kDead, BatchState::kKilled,
                                       BatchState::kError};
constexpr SessionState kSessionStates[] = {SessionState::kNotStarted, SessionState::kStarting,
                                           SessionState::kRecovering, SessionState::kIdle,
                                           SessionState::kBusy, SessionState::kShuttingDown,
                                           SessionState::kError, SessionState::kDead,
                                           SessionState::kKilled, SessionState::kSuccess};
constexpr StatementState kStatementStates[] = {StatementState::kWaiting, StatementState::kRunning,
                                               StatementState::kAvailable, StatementState::kError,
                                               StatementState::kCancelling, StatementState::kCancelled};

// Reads the required state `key` as one of `states`.
template <typename State, std::size_t N>
void read_state(ReplyReader& r, const char* key, const State (&states)[N], State& out) {
  const rapidjson::Value* v = r.require(key);
  if (v == nullptr) return;
  if (!v->IsString()) return r.fail(key, "must be a string");
  const std::string_view text(v->GetString(), v->GetStringLength());
  for (State s : states) {
    if (to_string(s) == text) {
      out = s;
      return;
    }
  }
  r.fail(key, "'" + std::string(text) + "' is not a known state");
}

void read_kind(ReplyReader& r, const char* key, std::optional<SessionKind>& out) {
  std::optional<std::string> text;
  r.read(key, text);
  if (!text) return;
  out = parse_session_kind(*text);
  if (!out) r.fail(key, "'" + *text + "' is not a known kind");
}

// A duration as Livy echoes it ("10m"). One this client cannot read is left
// unset: the server accepted it, and it is no reason to fail the whole reply.
void read_duration(ReplyReader& r, const char* key, std::optional<std::chrono::milliseconds>& out) {
  std::optional<std::string> text;
  r.read(key, text);
  if (text) out = parse_duration(*text);
}

void read_app_info(ReplyReader& r, AppInfo& out) {
  const rapidjson::Value* v = r.find("appInfo");
  if (v == nullptr) return;
  if (!v->IsObject()) return r.fail("appInfo", "must be an object");
  ReplyReader info = r.child("appInfo", *v);
  info.read("driverLogUrl", out.driver_log_url);
  info.read("sparkUiUrl", out.spark_ui_url);
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
}

void read_output(ReplyReader& parent, const rapidjson::Value& v, StatementOutput& out) {
  if (!v.IsObject()) return parent.fail("output", "must be an object or null");
  ReplyReader r = parent.child("output", v);
  std::string status = "ok";
  r.read("status", status);
  out.ok = status == "ok";
  r.read("execution_count", out.execution_count);
  if (const rapidjson::Value* data = r.find("data")) {
    if (!data->IsObject()) {
      r.fail("data", "must be an object");
    } else {
      for (const auto& m : data->GetObject()) out.data[to_std_string(m.name)] = json_text(m.value);
    }
  }
  r.read("ename", out.ename);
  r.read("evalue", out.evalue);
  r.read("traceback", out.traceback);
}

void read_statement(const rapidjson::Value& v, const std::string& where, Status& st, Statement& s) {
  ReplyReader r(v, where, st);
  if (r.require("id") != nullptr) r.read("id", s.id);
  r.read("code", s.code);
  read_kind(r, "kind", s.kind);
  read_state(r, "state", kStatementStates, s.state);
  if (const rapidjson::Value* output = r.find("output")) {
    StatementOutput out;
    read_output(r, *output, out);
    s.output = std::move(out);
  }
  r.read("progress", s.progress);
  r.read("started", s.started_ms);
  r.read("completed", s.completed_ms);
}

// Reads the required list of objects `key` with `read_item`, naming items "key[i]".
template <typename T, typename ReadItem>
void read_items(ReplyReader& r, const char* key, std::vector<T>& out, ReadItem read_item, Status& st) {
  const rapidjson::Value* list = r.require(key);
  if (list == nullptr) return;
  if (!list->IsArray()) return r.fail(key, "must be a list of objects");
  for (const auto& item : list->GetArray()) {
    if (!item.IsObject()) return r.fail(key, "must be a list of objects");
    T value;
    read_item(item, std::string(key) + "[" + std::to_string(out.size()) + "]", st, value);
    if (!st) return;
    out.push_back(std::move(value));
  }
}

// Decodes `body` as one object with `read` and returns the value or the first problem.
template <typename T, typename Read>
Result<T> decode(const std::string& body, Read read) {
  rapidjson::Document doc;
  Status st = parse_reply_object(body, doc);
  if (!st) return st;
  T value{};
  read(doc, st, value);
  if (!st) return st;
  return value;
}

}  // namespace

Result<ServerVersion> decode_version(const std::string& body) {
  return decode<ServerVersion>(body, [](const rapidjson::Value& v, Status& st, ServerVersion& out) {
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

Result<Batch> decode_batch(const std::string& body) {
  return decode<Batch>(body,
                       [](const rapidjson::Value& v, Status& st, Batch& out) { read_batch(v, "batch", st, out); });
}

Result<Page<Batch>> decode_batch_page(const std::string& body) {
  return decode<Page<Batch>>(body, [](const rapidjson::Value& v, Status& st, Page<Batch>& out) {
    ReplyReader r(v, "batches", st);
    r.read("from", out.from);
    r.read("total", out.total);
    read_items(r, "sessions", out.items, read_batch, st);  // sic: Livy lists batches as "sessions"
  });
}

Result<Session> decode_session(const std::string& body) {
  return decode<Session>(
      body, [](const rapidjson::Value& v, Status& st, Session& out) { read_session(v, "session", st, out); });
}

Result<Page<Session>> decode_session_page(const std::string& body) {
  return decode<Page<Session>>(body, [](const rapidjson::Value& v, Status& st, Page<Session>& out) {
    ReplyReader r(v, "sessions", st);
    r.read("from", out.from);
    r.read("total", out.total);
    read_items(r, "sessions", out.items, read_session, st);
  });
}

Result<SessionState> decode_session_state(const std::string& body) {
  return decode<SessionState>(body, [](const rapidjson::Value& v, Status& st, SessionState& out) {
    ReplyReader r(v, "session", st);
    read_state(r, "state", kSessionStates, out);
  });
}

Result<LogPage> decode_log(const std::string& body) {
  return decode<LogPage>(body, [](const rapidjson::Value& v, Status& st, LogPage& out) {
    ReplyReader r(v, "log", st);
    r.read("id", out.id);
    r.read("from", out.from);
    r.read("total", out.total);
    if (r.require("log") != nullptr) r.read("log", out.lines);
  });
}

Result<Statement> decode_statement(const std::string& body) {
  return decode<Statement>(
      body, [](const rapidjson::Value& v, Status& st, Statement& out) { read_statement(v, "statement", st, out); });
}

Result<Page<Statement>> decode_statement_page(const std::string& body, std::int64_t from) {
  return decode<Page<Statement>>(body, [from](const rapidjson::Value& v, Status& st, Page<Statement>& out) {
    ReplyReader r(v, "statements", st);
    out.from = from;
    r.read("total_statements", out.total);
    read_items(r, "statements", out.items, read_statement, st);
  });
}

Result<std::vector<std::string>> decode_candidates(const std::string& body) {
  return decode<std::vector<std::string>>(
      body, [](const rapidjson::Value& v, Status& st, std::vector<std::string>& out) {
        ReplyReader r(v, "completion", st);
        if (r.require("candidates") != nullptr) r.read("candidates", out);
      });
}

Result<Job> decode_job(const std::string& body) {
  static constexpr JobState kJobStates[] = {JobState::kSent,      JobState::kQueued, JobState::kStarted,
                                            JobState::kCancelled, JobState::kFailed, JobState::kSucceeded};
  return decode<Job>(body, [](const rapidjson::Value& v, Status& st, Job& out) {
    ReplyReader r(v, "job", st);
    r.read("id", out.id);
    read_state(r, "state", kJobStates, out.state);
    std::optional<std::string> result;
    r.read("result", result);
    if (result) {
      out.result = base64_decode(*result);
      if (!out.result) r.fail("result", "must be base64");
    }
    r.read("error", out.error);
  });
}

}  // namespace livy::client
