// Plain types of the programmatic job API: jobs run in a session's driver, and
// files added to a session's Spark context.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "livy/export.h"

namespace livy {

// How a job is serialized. kPySpark: a cloudpickle'd Python callable taking a
// JobContext (Livy's Python client). kSpark: a serialized Java job (Livy's Java
// client), which needs Livy's Java job interfaces: livyd refuses it.
enum class JobType { kPySpark, kSpark };
LIVY_API std::string_view to_string(JobType type);  // "pyspark", "spark"

// A job to run: its serialized bytes (not base64) and how to read them.
struct JobRequest {
  std::string job;
  JobType type = JobType::kPySpark;
  bool run_now = false;  // run-job: before the statements and jobs already waiting

  bool operator==(const JobRequest&) const = default;
};

// Livy's JobHandle states. kSent is only ever the answer to the POST that
// created a job; a job livyd holds is kQueued until the driver starts it.
enum class JobState { kSent, kQueued, kStarted, kCancelled, kFailed, kSucceeded };
LIVY_API std::string_view to_string(JobState state);  // "SENT", "QUEUED", ...
LIVY_API bool is_final(JobState state);

struct Job {
  std::int64_t id = 0;
  JobState state = JobState::kQueued;
  // kSucceeded: what the job returned, as bytes. For a pyspark job this is
  // base64 of the pickled value, as Livy's driver produces it (the wire
  // encodes these bytes in base64 once more, and Livy's client decodes twice).
  std::optional<std::string> result;
  std::optional<std::string> error;  // kFailed: why (for a pyspark job, its Python traceback)

  bool operator==(const Job&) const = default;
};

// What a file added to a session becomes in its Spark context.
enum class ResourceKind {
  kJar,     // sc.addJar: on the executors' classpath
  kPyFile,  // sc.addPyFile: importable by Python on the driver and the executors
  kFile,    // sc.addFile: readable through SparkFiles.get(name)
};
LIVY_API std::string_view to_string(ResourceKind kind);  // "jar", "pyfile", "file"

}  // namespace livy
