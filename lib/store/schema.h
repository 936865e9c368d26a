// The store's schema: its version and the migrations that bring an older file to it.
#pragma once

#include <string>

#include "livy/status.h"
#include "store/sqlite_stmt.h"

namespace livy {

// Brings the file `c` has open to Store::kSchemaVersion, each migration in one transaction
// with its new `user_version`; refuses a file that is not a livyd database or has a newer
// schema, naming `path`. Leaves `c` in WAL mode with foreign keys on.
Status migrate(sqlite::Connection& c, const std::string& path);

}  // namespace livy
