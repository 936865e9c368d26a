#include "spark/spark_versions.h"

#include <filesystem>

namespace livy {
namespace {

namespace fs = std::filesystem;

std::string list_names(const std::map<std::string, SparkEnvironment, std::less<>>& named) {
  std::string out;
  for (const auto& [name, spark] : named) out += (out.empty() ? "" : ", ") + name;
  return out;
}

Result<SparkEnvironment> resolve_named(const Config& config, const std::string& name, const std::string& home) {
  Config one = config;
  one.spark_home = home;
  // pyspark must be the same version as its Spark: a home inside a venv runs with that
  // venv's python (resolve_spark finds it), whatever spark.python says for the default.
  const bool in_venv = fs::path(home).lexically_normal().parent_path().filename() == "site-packages";
  if (in_venv) one.python.clear();
  auto spark = resolve_spark(one);
  if (!spark) return Status::unavailable("spark.versions: '" + name + "': " + spark.status().message());
  spark->name = name;
  spark->version = spark_version_at(spark->spark_home);
  return spark;
}

}  // namespace

SparkInstallations::SparkInstallations(SparkEnvironment single) : default_(std::move(single)) {}

Result<SparkInstallations> SparkInstallations::resolve(const Config& config) {
  SparkInstallations out;
  for (const auto& [name, home] : config.spark_versions) {
    auto spark = resolve_named(config, name, home);
    if (!spark) return spark.status();
    out.named_.emplace(name, std::move(*spark));
  }
  if (!config.spark_default_version.empty()) {
    const auto it = out.named_.find(config.spark_default_version);
    if (it == out.named_.end()) {
      const std::string known = out.named_.empty() ? "none is configured" : "configured: " + list_names(out.named_);
      return Status::invalid_argument("spark.default-version '" + config.spark_default_version +
                                      "' is not a name in spark.versions (" + known + ")");
    }
    out.default_ = it->second;
    if (Status st = check_master(out.default_); !st) return st;
    return out;
  }
  auto spark = resolve_spark(config);
  if (!spark) return spark.status();
  out.default_ = std::move(*spark);
  out.default_.version = spark_version_at(out.default_.spark_home);
  if (Status st = check_master(out.default_); !st) return st;
  return out;
}

void SparkInstallations::add_env(const std::string& key, const std::string& value) {
  default_.env.emplace_back(key, value);
  for (auto& [name, spark] : named_) spark.env.emplace_back(key, value);
}

const SparkEnvironment& SparkInstallations::for_conf(const std::map<std::string, std::string>& conf) const {
  const auto chosen = conf.find(std::string(kSparkVersionConf));
  if (chosen == conf.end()) return default_;
  const auto it = named_.find(chosen->second);
  return it == named_.end() ? default_ : it->second;
}

std::map<std::string, std::string> without_spark_version(std::map<std::string, std::string> conf) {
  conf.erase(std::string(kSparkVersionConf));
  return conf;
}

std::string describe_spark(const SparkEnvironment& spark) {
  std::string out = "Spark";
  if (!spark.name.empty()) out += " " + spark.name;
  if (!spark.version.empty()) out += " (" + spark.version + ")";
  return out + " at " + spark.spark_home;
}

std::string spark_version_at(const std::string& spark_home) {
  // jars/spark-core_2.13-4.0.1.jar: the version follows the last '-'.
  static constexpr std::string_view kPrefix = "spark-core_";
  std::error_code ec;
  for (fs::directory_iterator it(fs::path(spark_home) / "jars", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (!file.starts_with(kPrefix) || !file.ends_with(".jar")) continue;
    const std::string stem = file.substr(0, file.size() - 4);
    const auto dash = stem.rfind('-');
    if (dash == std::string::npos || dash < kPrefix.size()) continue;
    std::string version = stem.substr(dash + 1);
    if (!version.empty() && version.size() <= 32 && version[0] >= '0' && version[0] <= '9') return version;
  }
  return "";
}

}  // namespace livy
