// Spark Connect on a session's driver: the session conf that asks for it, which livyd
// takes out of what spark-submit sees and hands to its driver as spark.livy.driver.connect.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "livy/status.h"
#include "spark/spark_submit.h"

namespace livy {

// "true" asks the driver to serve Spark Connect; "false" or absent does not.
inline constexpr std::string_view kConnectConf = "livy.connect.enabled";
// What the driver reads (docs/driver-protocol.md); only livyd sets it.
inline constexpr std::string_view kDriverConnectConf = "spark.livy.driver.connect";

// True when `conf` asks for Spark Connect (request validation has refused other values).
bool connect_requested(const std::map<std::string, std::string>& conf);

// A value other than true or false is refused; so is true when `spark` (the installation the
// session runs on) is older than Spark 4.0, whose distribution has no spark-connect jar. An
// installation of unknown version is let through (the driver then fails if it cannot start it).
Status check_connect_request(const std::map<std::string, std::string>& conf, const SparkEnvironment& spark);

// `conf` for spark-submit: without livy.connect.enabled, and with spark.livy.driver.connect=true
// when it was true (a spark.livy.driver.connect of the request's own is dropped).
std::map<std::string, std::string> with_connect_for_driver(std::map<std::string, std::string> conf);

}  // namespace livy
