// The replies of a Spark standalone master's REST submission server
// (GET /v1/submissions/status/<id>, POST /v1/submissions/kill/<id>), which livyd
// reads to follow and stop drivers it submitted in cluster deploy mode.
#pragma once

#include <optional>
#include <string>

namespace livy::wire {

// The fields livyd uses of a SubmissionStatusResponse, KillSubmissionResponse or
// ErrorResponse (Spark's own names in the comments).
struct StandaloneReply {
  std::string action;                       // "action": SubmissionStatusResponse...
  bool success = false;                     // "success": false for a driver the master does not know
  std::optional<std::string> driver_state;  // "driverState": SUBMITTED, RUNNING, FINISHED, FAILED...
  std::string message;                      // "message": an ERROR's exception, a kill's answer
  std::string worker_host_port;             // "workerHostPort": where the driver runs
};

// nullopt when `body` is not a JSON object with a string "action"; other fields of
// another type are read as absent.
std::optional<StandaloneReply> decode_standalone_reply(const std::string& body);

}  // namespace livy::wire
