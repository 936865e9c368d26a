#include "spark/spark_submit.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace livy {
namespace {

namespace fs = std::filesystem;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

void add_list(const char* option, const std::vector<std::string>& items, std::vector<std::string>& argv) {
  if (items.empty()) return;
  argv.emplace_back(option);
  argv.push_back(join(items));
}

void add_value(const char* option, const std::optional<std::string>& value, std::vector<std::string>& argv) {
  if (!value) return;
  argv.emplace_back(option);
  argv.push_back(*value);
}

void add_int(const char* option, const std::optional<int>& value, std::vector<std::string>& argv) {
  if (!value) return;
  argv.emplace_back(option);
  argv.push_back(std::to_string(*value));
}

bool executable(const fs::path& p) { return ::access(p.c_str(), X_OK) == 0; }

// pyspark from PyPI lives at <venv>/lib/pythonX.Y/site-packages/pyspark.
std::optional<fs::path> venv_python_for(const fs::path& spark_home) {
  const fs::path venv = spark_home.parent_path().parent_path().parent_path().parent_path();
  if (spark_home.parent_path().filename() != "site-packages") return std::nullopt;
  const fs::path python = venv / "bin" / "python";
  if (executable(python)) return python;
  return std::nullopt;
}

std::optional<fs::path> find_venv_pyspark(const fs::path& venv) {
  std::error_code ec;
  const fs::path lib = venv / "lib";
  if (!fs::is_directory(lib, ec)) return std::nullopt;
  for (const auto& entry : fs::directory_iterator(lib, ec)) {
    const fs::path candidate = entry.path() / "site-packages" / "pyspark";
    if (executable(candidate / "bin" / "spark-submit")) return candidate;
  }
  return std::nullopt;
}

}  // namespace

Result<SparkEnvironment> resolve_spark(const Config& config) {
  fs::path home;
  if (!config.spark_home.empty()) {
    home = config.spark_home;
  } else if (const char* env = std::getenv("SPARK_HOME"); env != nullptr && *env != '\0') {
    home = env;
  } else if (auto found = find_venv_pyspark(fs::current_path() / ".venv")) {
    home = *found;
  } else {
    return Status::unavailable(
        "Spark not found: set spark.home, or SPARK_HOME, or run scripts/bootstrap to create ./.venv with pyspark");
  }
  std::error_code ec;
  home = fs::absolute(home, ec).lexically_normal();
  if (!home.has_filename()) home = home.parent_path();  // "/x/pyspark/" names /x/pyspark
  const fs::path submit = home / "bin" / "spark-submit";
  if (!executable(submit)) return Status::unavailable("no executable bin/spark-submit under " + home.string());

  SparkEnvironment spark;
  spark.spark_home = home.string();
  spark.spark_submit = submit.string();
  spark.master = config.spark_master;
  spark.deploy_mode = config.spark_deploy_mode;
  if (!config.python.empty()) {
    spark.python = config.python;
  } else if (auto py = venv_python_for(home)) {
    spark.python = py->string();
  } else if (const char* env = std::getenv("PYSPARK_PYTHON"); env != nullptr) {
    spark.python = env;
  }
  spark.env.emplace_back("SPARK_HOME", spark.spark_home);
  if (!spark.python.empty()) spark.env.emplace_back("PYSPARK_PYTHON", spark.python);
  // A local master needs no other host: keep Spark on loopback unless told otherwise.
  const char* local_ip = std::getenv("SPARK_LOCAL_IP");
  if (spark.master.rfind("local", 0) == 0 && local_ip == nullptr) {
    spark.env.emplace_back("SPARK_LOCAL_IP", "127.0.0.1");
    local_ip = "127.0.0.1";
  }
  if (local_ip != nullptr && *local_ip != '\0') {
    spark.ui_host = local_ip;
  } else {
    char host[256] = {};
    spark.ui_host = ::gethostname(host, sizeof host - 1) == 0 ? host : "localhost";
  }
  return spark;
}

void append_resource_options(const SparkResources& r, std::vector<std::string>& argv) {
  add_list("--jars", r.jars, argv);
  add_list("--py-files", r.py_files, argv);
  add_list("--files", r.files, argv);
  add_list("--archives", r.archives, argv);
  add_value("--driver-memory", r.driver_memory, argv);
  add_int("--driver-cores", r.driver_cores, argv);
  add_value("--executor-memory", r.executor_memory, argv);
  add_int("--executor-cores", r.executor_cores, argv);
  add_int("--num-executors", r.num_executors, argv);
  add_value("--queue", r.queue, argv);
  for (const auto& [key, value] : r.conf) {  // std::map: a stable order
    argv.emplace_back("--conf");
    argv.push_back(key + "=" + value);
  }
}

std::vector<std::string> batch_submit_argv(const SparkEnvironment& spark, const BatchRequest& request) {
  std::vector<std::string> argv{spark.spark_submit, "--master", spark.master};
  if (!spark.deploy_mode.empty()) {
    argv.emplace_back("--deploy-mode");
    argv.push_back(spark.deploy_mode);
  }
  add_value("--name", request.name, argv);
  add_value("--class", request.class_name, argv);
  add_value("--proxy-user", request.proxy_user, argv);
  append_resource_options(request.resources, argv);
  argv.push_back(request.file);
  argv.insert(argv.end(), request.args.begin(), request.args.end());
  return argv;
}

}  // namespace livy
