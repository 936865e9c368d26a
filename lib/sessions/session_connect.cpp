// GET /sessions/{id}/connect-info: where a session's driver serves Spark Connect.
#include "model/id_or_name.h"
#include "sessions/session_core.h"
#include "spark/spark_connect.h"

namespace livy {

Result<ConnectInfo> SessionCore::connect_info(std::string_view id_or_name) {
  const EntryPtr e = find(id_or_name);
  if (e == nullptr) return not_found(id_or_name);
  MutexLock lock(e->mu);
  if (e->gone) return not_found(id_or_name);
  const std::string which = "session " + std::to_string(e->id);
  if (!connect_requested(e->request.resources.conf)) {
    return Status::invalid_argument("Spark Connect is not enabled in " + which + ": create the session with conf " +
                                    std::string(kConnectConf) + "=true");
  }
  const SessionState state = e->rec.state;
  if (is_final(state)) {
    return Status::conflict(which + " is " + std::string(to_string(state)) + ": its Spark Connect server is gone");
  }
  if (!e->ready || !e->connect) {
    if (e->ready) return Status::conflict("the driver of " + which + " did not report a Spark Connect server");
    return Status::conflict(which + " is " + std::string(to_string(state)) +
                            ": Spark Connect is available once it is idle");
  }
  return *e->connect;
}

}  // namespace livy
