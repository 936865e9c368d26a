// Whether a session request fits a warm pool profile: pure functions, no state.
#pragma once

#include <string>
#include <string_view>

#include "livy/config.h"
#include "livy/session.h"

namespace livy {

// True for a Spark property a running SparkSession can take through spark.conf.set: a
// `spark.sql.` key that is not one of Spark's static SQL settings (warehouse, catalog
// implementation, extensions, Hive metastore, catalogs, listeners, UI, caches and thread
// pools sized at start). Everything else is read once when the SparkContext starts.
bool is_runtime_conf(std::string_view key);

// Why `request` cannot claim a driver of `profile`, or "" when it can. `default_version`:
// spark.default-version, the installation of a request or profile that names none. It fits
// when: no proxyUser (a warm driver runs as livyd's user); its kind (none: shared) is among
// the profile's kinds; its livy.spark.version is the profile's; driverMemory, driverCores,
// executorMemory, executorCores and numExecutors are absent or the profile's; no jars,
// pyFiles, files, archives or queue; and each conf key either has the profile's value or is
// a runtime SQL conf (is_runtime_conf), applied when the driver is claimed.
std::string why_not_warm(const WarmPoolProfile& profile, const SessionRequest& request,
                         const std::string& default_version);

}  // namespace livy
