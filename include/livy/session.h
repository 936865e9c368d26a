// Plain types of interactive sessions and their statements.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livy/batch.h"
#include "livy/export.h"

namespace livy {

// The language of a session or statement. kShared: a session with no default
// kind, whose statements each name theirs.
enum class SessionKind { kSpark, kPySpark, kSparkR, kSql, kShared };

LIVY_API std::string_view to_string(SessionKind kind);  // "spark", "pyspark", "sparkr", "sql", "shared"
// Livy's names and aliases: python -> pyspark, scala -> spark, r -> sparkr.
LIVY_API std::optional<SessionKind> parse_session_kind(std::string_view text);

// A request to start an interactive session. All fields are optional.
struct SessionRequest {
  std::optional<SessionKind> kind{};
  std::optional<std::string> name{};
  std::optional<std::string> proxy_user{};
  SparkResources resources{};
  int heartbeat_timeout_s = 0;                    // 0: no heartbeat check
  std::optional<std::chrono::milliseconds> ttl{};
  std::optional<std::chrono::milliseconds> idle_timeout{};

  bool operator==(const SessionRequest&) const = default;
};

enum class SessionState {
  kNotStarted, kStarting, kRecovering, kIdle, kBusy, kShuttingDown, kError, kDead, kKilled, kSuccess
};
LIVY_API std::string_view to_string(SessionState state);
LIVY_API bool is_final(SessionState state);

// A session as its users see it.
struct Session {
  std::int64_t id = 0;
  std::optional<std::string> name;
  std::optional<std::string> owner;
  std::optional<std::string> proxy_user;
  std::optional<SessionKind> kind;  // as requested; unset is reported as "shared"
  SessionState state = SessionState::kNotStarted;
  std::optional<std::string> app_id;
  AppInfo app_info;
  std::vector<std::string> log;     // the last lines of the driver's output
  SessionRequest request;           // resources, timeouts as asked for
  Timeline timeline{};              // when it was created, launched, first idle, ended
  std::int64_t statements_run = 0;  // statements its driver started (monitoring, as timeline)

  bool operator==(const Session&) const = default;
};

enum class StatementState { kWaiting, kRunning, kAvailable, kError, kCancelling, kCancelled };
LIVY_API std::string_view to_string(StatementState state);
LIVY_API bool is_final(StatementState state);

// What a finished statement produced, as Livy reports it.
struct LIVY_API StatementOutput {
  bool ok = true;                              // status "ok" or "error"
  std::int64_t execution_count = 0;
  std::map<std::string, std::string> data;     // MIME type -> JSON text of the value (ok only)
  std::string ename, evalue;                   // error only
  std::vector<std::string> traceback;          // error only

  // The text/plain value as a string ("" when absent).
  std::string text() const;

  bool operator==(const StatementOutput&) const = default;
};

struct Statement {
  std::int64_t id = 0;
  std::string code;
  std::optional<SessionKind> kind;             // as the statement asked; unset: the session's
  StatementState state = StatementState::kWaiting;
  std::optional<StatementOutput> output;       // set once available (or error)
  double progress = 0.0;
  std::int64_t started_ms = 0;                 // epoch ms, 0 until it started
  std::int64_t completed_ms = 0;               // epoch ms, 0 until it finished
  std::int64_t submitted_ms = 0;               // epoch ms of its POST; 0 if not known (monitoring only)

  bool operator==(const Statement&) const = default;
};

struct StatementRequest {
  std::string code;
  std::optional<SessionKind> kind{};           // unset: the session's kind

  bool operator==(const StatementRequest&) const = default;
};

}  // namespace livy
