#include "livy/batch.h"

namespace livy {

std::string_view to_string(BatchState state) {
  switch (state) {
    case BatchState::kNotStarted: return "not_started";
    case BatchState::kStarting: return "starting";
    case BatchState::kRunning: return "running";
    case BatchState::kSuccess: return "success";
    case BatchState::kDead: return "dead";
    case BatchState::kKilled: return "killed";
    case BatchState::kError: return "error";
  }
  return "error";
}

bool is_final(BatchState state) {
  return state == BatchState::kSuccess || state == BatchState::kDead || state == BatchState::kKilled ||
         state == BatchState::kError;
}

}  // namespace livy
