#include "livy/session.h"

#include "wire/output_json.h"

namespace livy {

std::string_view to_string(SessionKind kind) {
  switch (kind) {
    case SessionKind::kSpark: return "spark";
    case SessionKind::kPySpark: return "pyspark";
    case SessionKind::kSparkR: return "sparkr";
    case SessionKind::kSql: return "sql";
    case SessionKind::kShared: return "shared";
  }
  return "shared";
}

std::optional<SessionKind> parse_session_kind(std::string_view text) {
  if (text == "spark" || text == "scala") return SessionKind::kSpark;
  if (text == "pyspark" || text == "python") return SessionKind::kPySpark;
  if (text == "sparkr" || text == "r") return SessionKind::kSparkR;
  if (text == "sql") return SessionKind::kSql;
  if (text == "shared") return SessionKind::kShared;
  return std::nullopt;
}

std::string_view to_string(SessionState state) {
  switch (state) {
    case SessionState::kNotStarted: return "not_started";
    case SessionState::kStarting: return "starting";
    case SessionState::kRecovering: return "recovering";
    case SessionState::kIdle: return "idle";
    case SessionState::kBusy: return "busy";
    case SessionState::kShuttingDown: return "shutting_down";
    case SessionState::kError: return "error";
    case SessionState::kDead: return "dead";
    case SessionState::kKilled: return "killed";
    case SessionState::kSuccess: return "success";
  }
  return "error";
}

bool is_final(SessionState state) {
  return state == SessionState::kError || state == SessionState::kDead || state == SessionState::kKilled ||
         state == SessionState::kSuccess;
}

std::string_view to_string(StatementState state) {
  switch (state) {
    case StatementState::kWaiting: return "waiting";
    case StatementState::kRunning: return "running";
    case StatementState::kAvailable: return "available";
    case StatementState::kError: return "error";
    case StatementState::kCancelling: return "cancelling";
    case StatementState::kCancelled: return "cancelled";
  }
  return "error";
}

bool is_final(StatementState state) {
  return state == StatementState::kAvailable || state == StatementState::kError ||
         state == StatementState::kCancelled;
}

std::string StatementOutput::text() const {
  const auto it = data.find("text/plain");
  if (it == data.end()) return "";
  return wire::json_string_value(it->second);
}

}  // namespace livy
