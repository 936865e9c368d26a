#include "sessions/warm_profile.h"

#include <algorithm>
#include <array>

namespace livy {
namespace {

// Spark's static SQL settings (StaticSQLConf and the Hive ones): spark.conf.set refuses them
// once the session exists. Prefixes end in '.'; the others are whole keys.
constexpr std::array<std::string_view, 22> kStaticSql = {
    "spark.sql.warehouse.dir",
    "spark.sql.catalogImplementation",
    "spark.sql.extensions",
    "spark.sql.hive.",
    "spark.sql.catalog.",
    "spark.sql.queryExecutionListeners",
    "spark.sql.streaming.streamingQueryListeners",
    "spark.sql.streaming.ui.",
    "spark.sql.ui.",
    "spark.sql.event.",
    "spark.sql.legacy.sessionInitWithConfigDefaults",
    "spark.sql.globalTempDatabase",
    "spark.sql.sources.schemaStringLengthThreshold",
    "spark.sql.filesourceTableRelationCacheSize",
    "spark.sql.codegen.cache.maxEntries",
    "spark.sql.codegen.comments",
    "spark.sql.cache.serializer",
    "spark.sql.defaultUrlStreamHandlerFactory.enabled",
    "spark.sql.broadcastExchange.maxThreadThreshold",
    "spark.sql.subquery.maxThreadThreshold",
    "spark.sql.metadataCacheTTLSeconds",
    "spark.sql.connect.",
};

bool has_prefix(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

template <typename T>
bool same_or_absent(const std::optional<T>& asked, const T& profile, const T& unset) {
  return !asked || (profile != unset && *asked == profile);
}

}  // namespace

bool is_runtime_conf(std::string_view key) {
  if (!has_prefix(key, "spark.sql.") || key.size() == 10) return false;
  return std::none_of(kStaticSql.begin(), kStaticSql.end(), [key](std::string_view s) {
    return s.back() == '.' ? has_prefix(key, s) : key == s;
  });
}

std::string why_not_warm(const WarmPoolProfile& profile, const SessionRequest& request,
                         const std::string& default_version) {
  if (request.proxy_user) return "it has a proxy user (warm drivers run as livyd's user)";
  const std::string kind(to_string(request.kind.value_or(SessionKind::kShared)));
  if (std::find(profile.kinds.begin(), profile.kinds.end(), kind) == profile.kinds.end()) {
    return "its kind " + kind + " is not among the profile's kinds";
  }
  const SparkResources& r = request.resources;
  const auto asked_version = r.conf.find("livy.spark.version");
  const std::string version = asked_version == r.conf.end() ? default_version : asked_version->second;
  const std::string profile_version = profile.spark_version.empty() ? default_version : profile.spark_version;
  if (version != profile_version) return "it asks for another Spark version";
  if (!same_or_absent(r.driver_memory, profile.driver_memory, std::string()) ||
      !same_or_absent(r.driver_cores, profile.driver_cores, 0) ||
      !same_or_absent(r.executor_memory, profile.executor_memory, std::string()) ||
      !same_or_absent(r.executor_cores, profile.executor_cores, 0) ||
      !same_or_absent(r.num_executors, profile.num_executors, 0)) {
    return "it asks for other driver or executor sizes";
  }
  if (!r.jars.empty() || !r.py_files.empty() || !r.files.empty() || !r.archives.empty()) {
    return "it ships jars, pyFiles, files or archives";
  }
  if (r.queue) return "it names a queue";
  for (const auto& [key, value] : r.conf) {
    if (key == "livy.spark.version") continue;
    const auto fixed = profile.conf.find(key);
    if (fixed != profile.conf.end() && fixed->second == value) continue;
    if (!is_runtime_conf(key)) return "its conf " + key + " cannot change once Spark runs";
  }
  return "";
}

}  // namespace livy
