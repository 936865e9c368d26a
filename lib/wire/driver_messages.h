// Messages between livyd and a session driver (docs/driver-protocol.md), as
// plain structs, and their JSON lines: one encoder and one decoder for each
// direction. livyd decodes DriverMessage and encodes LivydMessage; the other
// two halves are the driver's side (tests and the fuzz target use them to
// check that each line reads back as it was written).
//
// In namespace livy, not livy::wire: the channel and the session engine use
// these types and functions by these names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livy/connect_info.h"
#include "livy/job.h"
#include "livy/session.h"
#include "livy/status.h"

namespace livy {

inline constexpr int kDriverProtocolVersion = 1;

// A column of a statement's whole result: its name, its storage type (one of
// kResultColumnTypes) and the type the driver knew it by (Livy's %table type, Spark's).
struct ResultColumn {
  std::string name;
  std::string type;
  std::string source_type;
  bool operator==(const ResultColumn&) const = default;
};
inline constexpr const char* kResultColumnTypes[] = {"string", "int64", "float64", "bool", "null"};

// A message from a driver.
struct DriverMessage {
  enum class Type {
    kHello, kWarming, kReady, kFatal, kStarted, kProgress, kResult, kCompletion, kPong,
    kJobStarted, kJobResult, kResourceAdded,  // the job API (session_jobs.cpp)
    kResultBegin, kResultRows, kResultEnd,    // a statement's whole result, in chunks (wire/result_messages.cpp)
    kProtocolError,  // the driver could not read a line livyd sent (`error` says why)
    kUnreadable,  // not from a driver: the channel's word for a line it could not decode (`error` says why)
    kUnknown
  };
  Type type = Type::kUnknown;
  // hello
  int version = 0;
  std::int64_t session_id = -1;
  std::string secret;
  // hello after a reconnect (`resume`): the statement the driver is running and the one whose
  // result it sent last, as the driver sees them.
  bool resume = false;
  std::optional<std::int64_t> resume_running;
  std::optional<std::int64_t> resume_last;
  // The same for jobs (`runningJob`, `lastJob`); resume_jobs is false when the driver sent
  // neither field (a driver older than jobs surviving a restart).
  bool resume_jobs = false;
  std::optional<std::int64_t> resume_running_job;
  std::optional<std::int64_t> resume_last_job;
  // A driver of statements in parallel (livy.statements.parallel) names all of them: those it has
  // received and not answered (`unanswered`), and those whose results it sends again (`replay`).
  // Both empty from a driver that sends neither list.
  std::vector<std::int64_t> resume_unanswered;
  std::vector<std::int64_t> resume_replay;
  // ready
  std::optional<std::string> app_id;
  std::optional<std::string> spark_ui_url;
  // ready of a driver serving Spark Connect (livy.connect.enabled): where; unset if it does not
  // or sent it incomplete (no host, a port outside 1-65535, no token)
  std::optional<ConnectInfo> connect;
  // fatal, unreadable, protocol-error
  std::string error;
  // started, progress, result
  std::int64_t statement_id = -1;
  double progress = 0.0;
  std::optional<StatementOutput> output;
  bool cancelled = false;
  // completion
  std::int64_t request_id = -1;
  std::vector<std::string> candidates;
  // job-started, job-result (job-result also uses `cancelled`)
  std::int64_t job_id = -1;
  std::optional<std::string> job_result;  // the result's bytes (for pyspark: base64 of the pickle)
  std::optional<std::string> job_error;
  // resource-added: `request_id`, and `job_error` when the driver could not add it
  // result-begin (`statement_id`, `result_columns`), result-rows (`statement_id`, `result_seq`,
  // `result_rows`), result-end (`statement_id`, `result_complete`, `error` when not complete)
  std::vector<ResultColumn> result_columns;
  std::int64_t result_seq = -1;
  std::vector<std::string> result_rows;  // each row a JSON array, as compact JSON text
  bool result_complete = false;

  bool operator==(const DriverMessage&) const = default;
};

Result<DriverMessage> decode_driver_message(const std::string& line);
// The line a driver sends for `message` (newline included). kUnreadable and
// kUnknown are no message of the protocol: they are written as type "unknown".
std::string encode_driver_message(const DriverMessage& message);

// A message from livyd to a driver.
struct LivydMessage {
  enum class Type {
    kWelcome, kRefused, kExecute, kCancel, kComplete, kShutdown, kJob, kJobCancel, kAddResource,
    kResultAck,  // a chunk of a whole result is stored (`id`, `seq`; `stop`: send no more)
    kUnknown  // a type this version does not know
  };
  Type type = Type::kUnknown;
  int version = 0;                // welcome
  std::string error{};            // refused
  std::int64_t id = -1;           // execute, cancel: the statement; job, job-cancel: the job
  std::int64_t request_id = -1;   // complete, add-resource (`rid`)
  std::string code{};             // execute, complete
  SessionKind kind = SessionKind::kPySpark;  // execute, complete
  std::int64_t cursor = 0;        // complete
  std::string job{};              // job: the job's bytes (base64 on the wire)
  JobType job_type = JobType::kPySpark;  // job
  ResourceKind resource_kind = ResourceKind::kFile;  // add-resource
  std::string uri{};              // add-resource
  std::int64_t seq = -1;          // result-ack
  bool stop = false;              // result-ack

  bool operator==(const LivydMessage&) const = default;
};

// One JSON line (newline included), always UTF-8: text that is not goes with
// each ill-formed sequence as U+FFFD (a driver reads UTF-8 only).
std::string encode_livyd_message(const LivydMessage& message);
// A line that is not a JSON object of UTF-8 text, or a field of the wrong type, is invalid_argument.
Result<LivydMessage> decode_livyd_message(const std::string& line);
// The wire name of a type ("execute", "result-ack"); "unknown" for kUnknown.
std::string_view livyd_message_type_name(LivydMessage::Type type);

// Messages to a driver, one JSON line each (newline included): encode_livyd_message of one message.
std::string welcome_message();
std::string refused_message(std::string_view error);
std::string execute_message(std::int64_t statement_id, const std::string& code, SessionKind kind);
std::string cancel_message(std::int64_t statement_id);
std::string complete_message(std::int64_t request_id, const std::string& code, SessionKind kind, std::int64_t cursor);
std::string shutdown_message();
// The job API: `job` carries the job's bytes in base64.
std::string job_message(std::int64_t job_id, const std::string& job, JobType type);
std::string job_cancel_message(std::int64_t job_id);
std::string add_resource_message(std::int64_t request_id, ResourceKind kind, const std::string& uri);
// A whole result's chunk `seq` of statement `statement_id` is stored; `stop`: the driver sends no more.
std::string result_ack_message(std::int64_t statement_id, std::int64_t seq, bool stop);

}  // namespace livy
