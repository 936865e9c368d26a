#include "channel/driver_messages.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <limits>

#include "codec/json_fields.h"
#include "codec/output_json.h"
#include "base/base64.h"
#include "base/utf8.h"

namespace livy {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

const rapidjson::Value* member(const rapidjson::Value& obj, const char* name) {
  const auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> string_member(const rapidjson::Value& obj, const char* name) {
  const auto* v = member(obj, name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return codec::to_std_string(*v);
}

std::int64_t int_member(const rapidjson::Value& obj, const char* name, std::int64_t fallback) {
  const auto* v = member(obj, name);
  return v != nullptr && v->IsInt64() ? v->GetInt64() : fallback;
}

template <typename Fill>
std::string line(Fill fill) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  fill(w);
  w.EndObject();
  std::string out(buf.GetString(), buf.GetSize());
  out.push_back('\n');
  return out;
}

// The protocol's lines are UTF-8 (a driver cannot read anything else): text that is not,
// which a caller should have refused (statement code is, at submit), goes with each ill-formed
// sequence as U+FFFD rather than as raw bytes.
void str(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  if (!is_valid_utf8(value)) {
    const std::string valid = repair_utf8(value);
    w.String(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
  } else {
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
}

}  // namespace

Result<DriverMessage> decode_driver_message(const std::string& text) {
  rapidjson::Document doc;
  if (codec::parse_json(text, doc).IsError() || !doc.IsObject()) {
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
    }
  } else if (*type == "warming") {
    m.type = T::kWarming;
  } else if (*type == "ready") {
    m.type = T::kReady;
    m.app_id = string_member(doc, "appId");
    m.spark_ui_url = string_member(doc, "sparkUiUrl");
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
      auto output = out != nullptr ? codec::decode_output(*out) : Result<StatementOutput>(Status::invalid_argument("no output"));
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
        if (item.IsString()) m.candidates.push_back(codec::to_std_string(item));
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
  }
  return m;
}

std::string refused_message(std::string_view error) {
  return line([&](Writer& w) {
    str(w, "type", "refused");
    str(w, "error", error);
  });
}

std::string welcome_message() {
  return line([](Writer& w) {
    str(w, "type", "welcome");
    w.Key("version");
    w.Int(kDriverProtocolVersion);
  });
}

std::string execute_message(std::int64_t id, const std::string& code, SessionKind kind) {
  return line([&](Writer& w) {
    str(w, "type", "execute");
    w.Key("id");
    w.Int64(id);
    str(w, "code", code);
    str(w, "kind", to_string(kind));
  });
}

std::string cancel_message(std::int64_t id) {
  return line([&](Writer& w) {
    str(w, "type", "cancel");
    w.Key("id");
    w.Int64(id);
  });
}

std::string complete_message(std::int64_t rid, const std::string& code, SessionKind kind, std::int64_t cursor) {
  return line([&](Writer& w) {
    str(w, "type", "complete");
    w.Key("rid");
    w.Int64(rid);
    str(w, "code", code);
    str(w, "kind", to_string(kind));
    w.Key("cursor");
    w.Int64(cursor);
  });
}

std::string shutdown_message() {
  return line([](Writer& w) { str(w, "type", "shutdown"); });
}

std::string job_message(std::int64_t id, const std::string& job, JobType type) {
  return line([&](Writer& w) {
    str(w, "type", "job");
    w.Key("id");
    w.Int64(id);
    str(w, "job", base64_encode(job));
    str(w, "jobType", to_string(type));
  });
}

std::string job_cancel_message(std::int64_t id) {
  return line([&](Writer& w) {
    str(w, "type", "job-cancel");
    w.Key("id");
    w.Int64(id);
  });
}

std::string add_resource_message(std::int64_t rid, ResourceKind kind, const std::string& uri) {
  return line([&](Writer& w) {
    str(w, "type", "add-resource");
    w.Key("rid");
    w.Int64(rid);
    str(w, "kind", to_string(kind));
    str(w, "uri", uri);
  });
}

}  // namespace livy
