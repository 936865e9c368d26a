// Where a session's Spark Connect server listens (sessions created with the conf
// livy.connect.enabled=true, on Spark 4): what GET /sessions/{id}/connect-info returns.
#pragma once

#include <string>

#include "livy/export.h"

namespace livy {

// Reported by the session's driver when it is ready; the token is the session's own and
// grants what a statement does: give it only to those who may modify the session.
struct ConnectInfo {
  std::string host;        // as the driver reports it: its bind address, or its host name
  int port = 0;
  std::string token;       // the bearer token the server requires
  std::string session_id;  // the Connect session that is the REST statements' SparkSession; empty if not shared
  std::string user_id;     // the user id that session is registered under (with session_id)

  bool operator==(const ConnectInfo&) const = default;
};

// sc://host:port/;token=...[;session_id=...;user_id=...]: the connection string of pyspark's
// Connect client. A loopback host is written `localhost`: pyspark sends a token without TLS
// only to that name (Spark 4.0's Connect server has no TLS).
LIVY_API std::string connect_url(const ConnectInfo& info);

}  // namespace livy
