// Messages between livyd and a session driver (docs/driver-protocol.md), as plain structs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livy/job.h"
#include "livy/session.h"
#include "livy/status.h"

namespace livy {

inline constexpr int kDriverProtocolVersion = 1;

// A message from a driver.
struct DriverMessage {
  enum class Type {
    kHello, kWarming, kReady, kFatal, kStarted, kProgress, kResult, kCompletion, kPong,
    kJobStarted, kJobResult, kResourceAdded,  // the job API (session_jobs.cpp)
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
  // ready
  std::optional<std::string> app_id;
  std::optional<std::string> spark_ui_url;
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
};

Result<DriverMessage> decode_driver_message(const std::string& line);

// Messages to a driver, one JSON line each (newline included).
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

}  // namespace livy
