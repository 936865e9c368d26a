// Several Spark installations on one server: the default one and those named in
// spark.versions, of which a session or batch picks one with livy.spark.version.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "livy/config.h"
#include "livy/status.h"
#include "spark/spark_submit.h"

namespace livy {

// The conf key by which a request names its Spark installation. livyd's own: it is
// taken out of the conf before spark-submit sees it.
inline constexpr std::string_view kSparkVersionConf = "livy.spark.version";

// The installations a runtime launches with, resolved once at start-up; immutable after,
// so the engines read it without a lock.
class SparkInstallations {
 public:
  // Only `single`: a runtime without spark.versions (and tests that build one by hand).
  SparkInstallations(SparkEnvironment single);  // NOLINT: implicit by design

  // Every installation of `config`, each checked (an executable bin/spark-submit), and the
  // default: spark.default-version's, else resolve_spark's (spark.home, $SPARK_HOME, ./.venv).
  // Errors name the key and the installation.
  static Result<SparkInstallations> resolve(const Config& config);

  // The installation that `conf`'s livy.spark.version names, the default without one.
  // Request validation has refused names that are not configured; an unknown one here
  // falls back to the default.
  const SparkEnvironment& for_conf(const std::map<std::string, std::string>& conf) const;
  const SparkEnvironment& default_spark() const { return default_; }

  // Sets `key` in the environment of every installation's spark-submit (at start-up, before
  // the engines read it).
  void add_env(const std::string& key, const std::string& value);

  // True when spark.versions names any installation: launches then say in their log which
  // Spark they run.
  bool named() const { return !named_.empty(); }

 private:
  SparkInstallations() = default;
  SparkEnvironment default_;
  std::map<std::string, SparkEnvironment, std::less<>> named_;
};

// `conf` without livy.spark.version, for spark-submit.
std::map<std::string, std::string> without_spark_version(std::map<std::string, std::string> conf);

// "Spark 3.5 (3.5.7) at /opt/spark35": the log line of a launch (name and version
// left out when unknown).
std::string describe_spark(const SparkEnvironment& spark);

// The Spark version of the installation at `spark_home`, read from the name of its
// jars/spark-core_<scala>-<version>.jar; empty when there is none.
std::string spark_version_at(const std::string& spark_home);

}  // namespace livy
