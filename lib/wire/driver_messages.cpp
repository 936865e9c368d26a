#include "wire/driver_messages.h"

#include <rapidjson/document.h>

#include <limits>
#include <type_traits>
#include <utility>

#include "base/base64.h"
#include "base/utf8.h"
#include "wire/json_fields.h"
#include "wire/json_writer.h"
#include "wire/output_value.h"
#include "wire/result_messages.h"

namespace livy {
namespace {

using wire::JsonWriter;

const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
  const auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> string_member(const rapidjson::Value& obj, const char* name) {
  const auto* v = member(obj, name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return wire::to_std_string(*v);
}

std::int64_t int_member(const rapidjson::Value& obj, const char* name, std::int64_t fallback) {
  const auto* v = member(obj, name);
  return v != nullptr && v->IsInt64() ? v->GetInt64() : fallback;
}

// The protocol's lines are UTF-8 (a driver cannot read anything else): text that is not,
// which a caller should have refused (statement code is, at submit), goes with each ill-formed
// sequence as U+FFFD rather than as raw bytes.
void utf8_string(JsonWriter& w, const char* key, std::string_view value) {
  if (is_valid_utf8(value)) w.string(key, value);
  else w.string(key, repair_utf8(value));
}

std::string line(const JsonWriter& w) {
  std::string out = w.text();
  out.push_back('\n');
  return out;
}

void id_or_null(JsonWriter& w, const char* key, const std::optional<std::int64_t>& id) {
  w.key(key);
  if (id) w.int64(*id);
  else w.null();
}

const char* driver_type_name(DriverMessage::Type type) {
  using T = DriverMessage::Type;
  switch (type) {
    case T::kHello: return "hello";
    case T::kWarming: return "warming";
    case T::kReady: return "ready";
    case T::kFatal: return "fatal";
    case T::kStarted: return "started";
    case T::kProgress: return "progress";
    case T::kResult: return "result";
    case T::kCompletion: return "completion";
    case T::kPong: return "pong";
    case T::kJobStarted: return "job-started";
    case T::kJobResult: return "job-result";
    case T::kResourceAdded: return "resource-added";
    case T::kProtocolError: return "protocol-error";
    case T::kResultBegin: return "result-begin";
    case T::kResultRows: return "result-rows";
    case T::kResultEnd: return "result-end";
    case T::kUnreadable:
    case T::kUnknown: break;
  }
  return "unknown";
}

constexpr std::pair<LivydMessage::Type, const char*> kLivydTypes[] = {
    {LivydMessage::Type::kWelcome, "welcome"},   {LivydMessage::Type::kRefused, "refused"},
    {LivydMessage::Type::kExecute, "execute"},   {LivydMessage::Type::kCancel, "cancel"},
    {LivydMessage::Type::kComplete, "complete"}, {LivydMessage::Type::kShutdown, "shutdown"},
    {LivydMessage::Type::kJob, "job"},           {LivydMessage::Type::kJobCancel, "job-cancel"},
    {LivydMessage::Type::kAddResource, "add-resource"}, {LivydMessage::Type::kResultAck, "result-ack"}};

}  // namespace

Result<DriverMessage> decode_driver_message(const std::string& text) {
  rapidjson::Document doc;
  if (wire::parse_json(text, doc).IsError() || !doc.IsObject()) {
    return Status::invalid_argument("driver message is not a JSON object");
  }
  const auto type = string_member(doc, "type");
  if (!type) return Status::invalid_argument("driver message has no type");
  DriverMessage m;
  using T = DriverMessage::Type;
  if (*type == "hello") {
    m.type = T::kHello;
    // A version past int's range is no version livyd speaks: 0, not its low 32 bits (2^32 + 1 is not 1).
    const std::int64_t version = int_member(doc, "version", 0);
    m.version = version >= 0 && version <= std::numeric_limits<int>::max() ? static_cast<int>(version) : 0;
    m.session_id = int_member(doc, "session", -1);
    m.secret = string_member(doc, "secret").value_or("");
    if (const auto* r = member(doc, "resume"); r != nullptr && r->IsObject()) {
      m.resume = true;
      const auto id = [&](const char* name) -> std::optional<std::int64_t> {
        const auto* v = member(*r, name);
        if (v == nullptr || !v->IsInt64() || v->GetInt64() < 0) return std::nullopt;
        return v->GetInt64();
      };
      m.resume_running = id("running");
      m.resume_last = id("last");
      m.resume_jobs = member(*r, "runningJob") != nullptr || member(*r, "lastJob") != nullptr;
      m.resume_running_job = id("runningJob");
      m.resume_last_job = id("lastJob");
      const auto ids = [&](const char* name) {
        std::vector<std::int64_t> out;
        const auto* v = member(*r, name);
        if (v == nullptr || !v->IsArray()) return out;
        for (const auto& item : v->GetArray()) {
          if (item.IsInt64() && item.GetInt64() >= 0) out.push_back(item.GetInt64());
        }
        return out;
      };
      m.resume_unanswered = ids("unanswered");
      m.resume_replay = ids("replay");
    }
  } else if (*type == "warming") {
    m.type = T::kWarming;
  } else if (*type == "ready") {
    m.type = T::kReady;
    m.app_id = string_member(doc, "appId");
    m.spark_ui_url = string_member(doc, "sparkUiUrl");
    if (const auto* c = member(doc, "connect"); c != nullptr && c->IsObject()) {
      ConnectInfo info;
      info.host = string_member(*c, "host").value_or("");
      const std::int64_t port = int_member(*c, "port", 0);
      info.port = port > 0 && port <= 65535 ? static_cast<int>(port) : 0;
      info.token = string_member(*c, "token").value_or("");
      info.session_id = string_member(*c, "sessionId").value_or("");
      info.user_id = string_member(*c, "userId").value_or("");
      if (info.session_id.empty() || info.user_id.empty()) {  // not shared: neither is of use alone
        info.session_id.clear();
        info.user_id.clear();
      }
      if (!info.host.empty() && info.port != 0 && !info.token.empty()) m.connect = std::move(info);
    }
  } else if (*type == "fatal") {
    m.type = T::kFatal;
    m.error = string_member(doc, "error").value_or("the driver failed");
  } else if (*type == "started" || *type == "progress" || *type == "result") {
    m.type = *type == "started" ? T::kStarted : (*type == "progress" ? T::kProgress : T::kResult);
    m.statement_id = int_member(doc, "id", -1);
    if (m.statement_id < 0) return Status::invalid_argument("driver message has no statement id");
    if (const auto* p = member(doc, "progress"); p != nullptr && p->IsNumber()) m.progress = p->GetDouble();
    if (const auto* c = member(doc, "cancelled"); c != nullptr && c->IsBool()) m.cancelled = c->GetBool();
    if (m.type == T::kResult) {
      // A result whose output livyd cannot read still ends its statement, as an error that
      // says so: dropping it would leave the statement running for as long as the session lives.
      const auto* out = member(doc, "output");
      auto output = out != nullptr ? wire::decode_output(*out) : Result<StatementOutput>(Status::invalid_argument("no output"));
      if (output) {
        m.output = std::move(*output);
      } else {
        StatementOutput unreadable;
        unreadable.ok = false;
        unreadable.ename = "DriverProtocolError";
        unreadable.evalue = "livyd could not read the driver's result: " + output.status().message();
        m.output = std::move(unreadable);
      }
    }
  } else if (*type == "completion") {
    m.type = T::kCompletion;
    m.request_id = int_member(doc, "rid", -1);
    if (const auto* c = member(doc, "candidates"); c != nullptr && c->IsArray()) {
      for (const auto& item : c->GetArray()) {
        if (item.IsString()) m.candidates.push_back(wire::to_std_string(item));
      }
    }
  } else if (*type == "pong") {
    m.type = T::kPong;
  } else if (*type == "job-started" || *type == "job-result") {
    m.type = *type == "job-started" ? T::kJobStarted : T::kJobResult;
    m.job_id = int_member(doc, "id", -1);
    if (m.job_id < 0) return Status::invalid_argument("driver message has no job id");
    m.job_result = string_member(doc, "result");
    m.job_error = string_member(doc, "error");
    if (const auto* c = member(doc, "cancelled"); c != nullptr && c->IsBool()) m.cancelled = c->GetBool();
  } else if (*type == "protocol-error") {
    m.type = T::kProtocolError;
    m.error = string_member(doc, "error").value_or("no reason given");
    if (const auto line = string_member(doc, "line")) m.error += " (the line began: " + *line + ")";
  } else if (*type == "resource-added") {
    m.type = T::kResourceAdded;
    m.request_id = int_member(doc, "rid", -1);
    m.job_error = string_member(doc, "error");
  } else if (*type == "result-begin" || *type == "result-rows" || *type == "result-end") {
    m.type = *type == "result-begin" ? T::kResultBegin : (*type == "result-rows" ? T::kResultRows : T::kResultEnd);
    if (Status st = wire::decode_result_fields(doc, m); !st) return st;
  }
  return m;
}

std::string encode_driver_message(const DriverMessage& m) {
  using T = DriverMessage::Type;
  JsonWriter w;
  w.start_object();
  w.string("type", driver_type_name(m.type));
  switch (m.type) {
    case T::kHello:
      w.int64("version", m.version);
      w.int64("session", m.session_id);
      w.string("secret", m.secret);
      if (m.resume) {
        w.key("resume");
        w.start_object();
        id_or_null(w, "running", m.resume_running);
        id_or_null(w, "last", m.resume_last);
        if (m.resume_jobs) {
          id_or_null(w, "runningJob", m.resume_running_job);
          id_or_null(w, "lastJob", m.resume_last_job);
        }
        for (const auto& [name, list] : {std::pair{"unanswered", &m.resume_unanswered}, {"replay", &m.resume_replay}}) {
          if (list->empty()) continue;
          w.key(name);
          w.start_array();
          for (const std::int64_t id : *list) w.int64(id);
          w.end_array();
        }
        w.end_object();
      }
      break;
    case T::kReady:
      w.string_if_set("appId", m.app_id);
      w.string_if_set("sparkUiUrl", m.spark_ui_url);
      if (m.connect) {
        w.key("connect");
        w.start_object();
        w.string("host", m.connect->host);
        w.int64("port", m.connect->port);
        w.string("token", m.connect->token);
        w.key("shared");
        w.boolean(!m.connect->session_id.empty());
        if (!m.connect->session_id.empty()) {
          w.string("sessionId", m.connect->session_id);
          w.string("userId", m.connect->user_id);
        }
        w.end_object();
      }
      break;
    case T::kFatal:
    case T::kProtocolError:
      w.string("error", m.error);
      break;
    case T::kStarted:
    case T::kProgress:
    case T::kResult:
      w.int64("id", m.statement_id);
      w.key("progress");
      w.number(m.progress);
      w.key("cancelled");
      w.boolean(m.cancelled);
      if (m.output) {
        w.key("output");
        wire::write_output(w, *m.output);
      }
      break;
    case T::kCompletion:
      w.int64("rid", m.request_id);
      w.strings("candidates", m.candidates);
      break;
    case T::kJobStarted:
    case T::kJobResult:
      w.int64("id", m.job_id);
      w.string_or_null("result", m.job_result);
      w.string_or_null("error", m.job_error);
      w.key("cancelled");
      w.boolean(m.cancelled);
      break;
    case T::kResourceAdded:
      w.int64("rid", m.request_id);
      w.string_or_null("error", m.job_error);
      break;
    case T::kResultBegin:
    case T::kResultRows:
    case T::kResultEnd:
      wire::write_result_fields(w, m);
      break;
    case T::kWarming:
    case T::kPong:
    case T::kUnreadable:
    case T::kUnknown:
      break;
  }
  w.end_object();
  return line(w);
}

std::string_view livyd_message_type_name(LivydMessage::Type type) {
  for (const auto& [t, name] : kLivydTypes) {
    if (t == type) return name;
  }
  return "unknown";
}

std::string encode_livyd_message(const LivydMessage& m) {
  using T = LivydMessage::Type;
  JsonWriter w;
  w.start_object();
  w.string("type", livyd_message_type_name(m.type));
  switch (m.type) {
    case T::kWelcome:
      w.int64("version", m.version);
      break;
    case T::kRefused:
      utf8_string(w, "error", m.error);
      break;
    case T::kExecute:
      w.int64("id", m.id);
      utf8_string(w, "code", m.code);
      w.string("kind", to_string(m.kind));
      break;
    case T::kCancel:
    case T::kJobCancel:
      w.int64("id", m.id);
      break;
    case T::kComplete:
      w.int64("rid", m.request_id);
      utf8_string(w, "code", m.code);
      w.string("kind", to_string(m.kind));
      w.int64("cursor", m.cursor);
      break;
    case T::kJob:
      w.int64("id", m.id);
      w.string("job", base64_encode(m.job));
      w.string("jobType", to_string(m.job_type));
      break;
    case T::kAddResource:
      w.int64("rid", m.request_id);
      w.string("kind", to_string(m.resource_kind));
      utf8_string(w, "uri", m.uri);
      break;
    case T::kResultAck:
      w.int64("id", m.id);
      w.int64("seq", m.seq);
      w.key("stop");
      w.boolean(m.stop);
      break;
    case T::kShutdown:
    case T::kUnknown:
      break;
  }
  w.end_object();
  return line(w);
}

Result<LivydMessage> decode_livyd_message(const std::string& text) {
  rapidjson::Document doc;
  bool bad_utf8 = false;
  if (wire::parse_json(text, doc, &bad_utf8).IsError() || bad_utf8 || !doc.IsObject()) {
    return Status::invalid_argument("livyd's message is not a JSON object of UTF-8 text");
  }
  const auto type = string_member(doc, "type");
  if (!type) return Status::invalid_argument("livyd's message has no type");
  LivydMessage m;
  for (const auto& [t, name] : kLivydTypes) {
    if (*type == name) m.type = t;
  }
  // Each field the type has must be there, with its type.
  const auto integer = [&](const char* name, auto& out) -> bool {
    const auto* v = member(doc, name);
    if (v == nullptr || !v->IsInt64()) return false;
    const std::int64_t n = v->GetInt64();
    if (n < std::numeric_limits<std::remove_reference_t<decltype(out)>>::min() ||
        n > std::numeric_limits<std::remove_reference_t<decltype(out)>>::max()) {
      return false;
    }
    out = static_cast<std::remove_reference_t<decltype(out)>>(n);
    return true;
  };
  const auto string = [&](const char* name, std::string& out) {
    auto v = string_member(doc, name);
    if (v) out = std::move(*v);
    return v.has_value();
  };
  const auto session_kind = [&]() {
    std::string kind;
    if (!string("kind", kind)) return false;
    const auto k = parse_session_kind(kind);
    if (k && to_string(*k) == kind) m.kind = *k;  // livyd sends only canonical kinds
    return k && to_string(*k) == kind;
  };
  bool ok = true;
  using T = LivydMessage::Type;
  switch (m.type) {
    case T::kWelcome: ok = integer("version", m.version); break;
    case T::kRefused: ok = string("error", m.error); break;
    case T::kExecute: ok = integer("id", m.id) && string("code", m.code) && session_kind(); break;
    case T::kCancel:
    case T::kJobCancel: ok = integer("id", m.id); break;
    case T::kComplete:
      ok = integer("rid", m.request_id) && string("code", m.code) && session_kind() && integer("cursor", m.cursor);
      break;
    case T::kJob: {
      std::string job, job_type;
      ok = integer("id", m.id) && string("job", job) && string("jobType", job_type);
      const auto bytes = ok ? base64_decode(job) : std::nullopt;
      ok = bytes && (job_type == "pyspark" || job_type == "spark");
      if (ok) {
        m.job = *bytes;
        m.job_type = job_type == "spark" ? JobType::kSpark : JobType::kPySpark;
      }
      break;
    }
    case T::kAddResource: {
      std::string kind;
      ok = integer("rid", m.request_id) && string("kind", kind) && string("uri", m.uri);
      if (kind == "jar") m.resource_kind = ResourceKind::kJar;
      else if (kind == "pyfile") m.resource_kind = ResourceKind::kPyFile;
      else if (kind == "file") m.resource_kind = ResourceKind::kFile;
      else ok = false;
      break;
    }
    case T::kResultAck: {
      ok = integer("id", m.id) && integer("seq", m.seq);
      const auto* stop = member(doc, "stop");
      ok = ok && stop != nullptr && stop->IsBool();
      if (ok) m.stop = stop->GetBool();
      break;
    }
    case T::kShutdown:
    case T::kUnknown: break;
  }
  if (!ok) return Status::invalid_argument("livyd's " + *type + " message lacks a field or has one of the wrong type");
  return m;
}

std::string welcome_message() {
  LivydMessage m;
  m.type = LivydMessage::Type::kWelcome;
  m.version = kDriverProtocolVersion;
  return encode_livyd_message(m);
}

std::string refused_message(std::string_view error) {
  LivydMessage m;
  m.type = LivydMessage::Type::kRefused;
  m.error = std::string(error);
  return encode_livyd_message(m);
}

std::string execute_message(std::int64_t id, const std::string& code, SessionKind kind) {
  LivydMessage m;
  m.type = LivydMessage::Type::kExecute;
  m.id = id;
  m.code = code;
  m.kind = kind;
  return encode_livyd_message(m);
}

std::string cancel_message(std::int64_t id) {
  LivydMessage m;
  m.type = LivydMessage::Type::kCancel;
  m.id = id;
  return encode_livyd_message(m);
}

std::string complete_message(std::int64_t rid, const std::string& code, SessionKind kind, std::int64_t cursor) {
  LivydMessage m;
  m.type = LivydMessage::Type::kComplete;
  m.request_id = rid;
  m.code = code;
  m.kind = kind;
  m.cursor = cursor;
  return encode_livyd_message(m);
}

std::string shutdown_message() {
  LivydMessage m;
  m.type = LivydMessage::Type::kShutdown;
  return encode_livyd_message(m);
}

std::string job_message(std::int64_t id, const std::string& job, JobType type) {
  LivydMessage m;
  m.type = LivydMessage::Type::kJob;
  m.id = id;
  m.job = job;
  m.job_type = type;
  return encode_livyd_message(m);
}

std::string job_cancel_message(std::int64_t id) {
  LivydMessage m;
  m.type = LivydMessage::Type::kJobCancel;
  m.id = id;
  return encode_livyd_message(m);
}

std::string add_resource_message(std::int64_t rid, ResourceKind kind, const std::string& uri) {
  LivydMessage m;
  m.type = LivydMessage::Type::kAddResource;
  m.request_id = rid;
  m.resource_kind = kind;
  m.uri = uri;
  return encode_livyd_message(m);
}

std::string result_ack_message(std::int64_t statement_id, std::int64_t seq, bool stop) {
  LivydMessage m;
  m.type = LivydMessage::Type::kResultAck;
  m.id = statement_id;
  m.seq = seq;
  m.stop = stop;
  return encode_livyd_message(m);
}

}  // namespace livy
