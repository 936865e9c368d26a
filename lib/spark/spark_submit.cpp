#include "spark/spark_submit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

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
  if (spark.master.rfind("k8s://", 0) == 0) {
    spark.k8s_image = config.kubernetes_container_image;
    spark.k8s_namespace = config.kubernetes_namespace;
    spark.k8s_service_account = config.kubernetes_service_account;
  }
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

void append_resource_options(const SparkResources& r, const Redactor& redactor, SubmitCommand& cmd) {
  std::vector<std::string>& argv = cmd.argv;
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
    if (redactor.is_secret(key, value)) {
      cmd.hidden_conf.emplace(key, value);
      continue;
    }
    argv.emplace_back("--conf");
    argv.push_back(key + "=" + value);
  }
  if (!cmd.hidden_conf.empty()) {
    argv.emplace_back("--properties-file");
    argv.push_back(cmd.properties_file);
  }
}

namespace {

// `text` as DNS-1123 label characters: lower case, other characters as '-', runs of
// '-' as one, no '-' at either end.
std::string dns_label_part(std::string_view text) {
  std::string out;
  for (const char raw : text) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(raw)));
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!keep) c = '-';
    if (c == '-' && (out.empty() || out.back() == '-')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace

std::string driver_pod_name(std::string_view name, std::string_view tag) {
  static constexpr std::size_t kMaxLabel = 63;
  static constexpr std::string_view kSuffix = "-driver";
  std::string unique = dns_label_part(tag);
  if (unique.empty()) unique = "livy";
  if (unique.size() > kMaxLabel - kSuffix.size()) unique.resize(kMaxLabel - kSuffix.size());
  while (!unique.empty() && unique.back() == '-') unique.pop_back();
  std::string prefix = dns_label_part(name);
  if (!prefix.empty() && unique.rfind(prefix, 0) == 0) prefix.clear();
  const std::size_t room = kMaxLabel - kSuffix.size() - unique.size();
  if (prefix.size() + 1 > room) prefix.resize(room > 0 ? room - 1 : 0);
  while (!prefix.empty() && prefix.back() == '-') prefix.pop_back();
  return (prefix.empty() ? "" : prefix + "-") + unique + std::string(kSuffix);
}

void add_kubernetes_conf(const SparkEnvironment& spark, std::string_view name,
                         std::map<std::string, std::string>& conf) {
  if (spark.master.rfind("k8s://", 0) != 0) return;
  if (!spark.k8s_namespace.empty()) conf["spark.kubernetes.namespace"] = spark.k8s_namespace;
  if (!spark.k8s_image.empty()) conf.emplace("spark.kubernetes.container.image", spark.k8s_image);
  if (!spark.k8s_service_account.empty()) {
    conf.emplace("spark.kubernetes.authenticate.driver.serviceAccountName", spark.k8s_service_account);
  }
  const auto tag = conf.find(kKubernetesTagConf);
  if (tag != conf.end() && !tag->second.empty()) {
    conf.emplace("spark.kubernetes.driver.pod.name", driver_pod_name(name, tag->second));
  }
}

namespace {

// spark-submit, the master and the deploy mode: how every batch's and session's command begins.
SubmitCommand submit_command_start(const SparkEnvironment& spark, const std::string& properties_file) {
  SubmitCommand cmd;
  cmd.properties_file = properties_file;
  cmd.argv = {spark.spark_submit, "--master", spark.master};
  if (!spark.deploy_mode.empty()) {
    cmd.argv.emplace_back("--deploy-mode");
    cmd.argv.push_back(spark.deploy_mode);
  }
  return cmd;
}

}  // namespace

SubmitCommand batch_submit_command(const SparkEnvironment& spark, const BatchRequest& request,
                                   const Redactor& redactor, const std::string& properties_file) {
  SubmitCommand cmd = submit_command_start(spark, properties_file);
  std::vector<std::string>& argv = cmd.argv;
  add_value("--name", request.name, argv);
  add_value("--class", request.class_name, argv);
  add_value("--proxy-user", request.proxy_user, argv);
  SparkResources resources = request.resources;
  add_kubernetes_conf(spark, request.name.value_or(""), resources.conf);
  append_resource_options(resources, redactor, cmd);
  argv.push_back(request.file);
  argv.insert(argv.end(), request.args.begin(), request.args.end());
  return cmd;
}

SubmitCommand session_submit_command(const SparkEnvironment& spark, const SessionLaunch& launch,
                                     const Redactor& redactor, const std::string& properties_file) {
  SubmitCommand cmd = submit_command_start(spark, properties_file);
  std::vector<std::string>& argv = cmd.argv;
  argv.emplace_back("--name");
  argv.push_back(launch.name);
  add_value("--proxy-user", launch.proxy_user, argv);
  SparkResources resources = launch.resources;
  const DriverSettings& d = launch.driver;
  // Assigned, not added: a request's own spark.livy.driver.* never reaches the driver.
  resources.conf.erase(kDriverSecretConf);
  resources.conf.erase(kDriverTlsFingerprintConf);
  resources.conf[kDriverCallbackConf] = d.callback;
  resources.conf[kDriverSessionIdConf] = std::to_string(d.session_id);
  resources.conf[kDriverSessionKindConf] = d.session_kind;
  resources.conf[kDriverMaxOutputConf] = std::to_string(d.max_output_bytes);
  resources.conf[kDriverReconnectConf] = std::to_string(d.reconnect_timeout_s);
  // (A driver in the cluster gets livy_results.py with the driver's archive, launch.driver_archive.)
  if (d.spill_results) {
    resources.conf[kDriverResultsConf] = "spill";
  } else {
    resources.conf.erase(kDriverResultsConf);
  }
  // A path on livyd's host: of no use to a driver in the cluster.
  if (!d.cache_dir.empty() && spark.deploy_mode != "cluster") resources.conf[kDriverCacheDirConf] = d.cache_dir;
  if (!d.tls_fingerprint.empty()) resources.conf[kDriverTlsFingerprintConf] = d.tls_fingerprint;
  add_kubernetes_conf(spark, launch.name, resources.conf);
  // In cluster deploy mode spark-submit would stay, a JVM on livyd's host for as long as the
  // session lives, printing the application's state every second into the session's log.
  // livyd follows the application through the cluster manager instead: spark-submit ends
  // once the driver is submitted, unless the request says otherwise.
  if (spark.deploy_mode == "cluster") {
    if (spark.master == "yarn") resources.conf.emplace("spark.yarn.submit.waitAppCompletion", "false");
    if (spark.master.starts_with("k8s://")) resources.conf.emplace("spark.kubernetes.submission.waitAppCompletion", "false");
  }
  // In the cluster the driver has only what spark-submit ships: its modules go as an archive.
  // spark-submit's --archives replaces a spark.archives of the conf: with only the latter, add to it.
  if (!launch.driver_archive.empty() && spark.deploy_mode == "cluster") {
    std::string shipped = launch.driver_archive + "#" + std::string(kDriverArchiveName);
    const auto conf_archives = resources.conf.find("spark.archives");
    if (resources.archives.empty() && conf_archives != resources.conf.end() && !conf_archives->second.empty()) {
      conf_archives->second += "," + shipped;
    } else {
      resources.archives.push_back(std::move(shipped));
    }
  }
  // Hidden before the resource options are added, so that they add --properties-file for it.
  cmd.hidden_conf.emplace(kDriverSecretConf, d.secret);
  append_resource_options(resources, redactor, cmd);
  argv.push_back(launch.driver_script);
  return cmd;
}

Status check_master(const SparkEnvironment& spark) {
  if (spark.master.rfind("mesos://", 0) != 0) return Status::ok();
  // "4.0.1": the major version is the digits before the first '.'.
  int major = 0;
  for (const char c : spark.version) {
    if (c < '0' || c > '9') break;
    major = major * 10 + (c - '0');
    if (major > 1000) break;
  }
  if (major < 4) return Status::ok();
  const std::string which =
      spark.name.empty() ? "the default Spark installation" : "Spark installation '" + spark.name + "'";
  return Status::invalid_argument("master " + spark.master +
                                  " needs Apache Mesos support, which Spark removed in 4.0: " + which + " is Spark " +
                                  spark.version +
                                  "; use a Spark 3.5 installation (livy.spark.version) or another master");
}

Status check_deploy_mode(const SparkEnvironment& spark, PrimaryKind primary) {
  if (Status st = check_master(spark); !st) return st;
  if (spark.deploy_mode != "cluster") return Status::ok();
  const std::string& m = spark.master;
  const auto starts = [&m](std::string_view prefix) { return m.rfind(prefix, 0) == 0; };
  const char* why = nullptr;
  if (m == "local" || starts("local[") || starts("local-cluster[")) {
    why = "cluster deploy mode is not compatible with a local master";
  } else if (starts("spark://") && primary == PrimaryKind::kPython) {
    why = "Spark does not support cluster deploy mode for Python applications on standalone clusters";
  } else if (starts("spark://") && primary == PrimaryKind::kR) {
    why = "Spark does not support cluster deploy mode for R applications on standalone clusters";
  } else if (starts("mesos://") && primary == PrimaryKind::kR) {
    why = "Spark does not support cluster deploy mode for R applications on Mesos clusters";
  }
  if (why == nullptr) return Status::ok();
  return Status::invalid_argument(std::string(why) + " (spark.master " + m +
                                  ", spark.deploy-mode cluster): use client deploy mode for it");
}

std::string properties_line(std::string_view key, std::string_view value) {
  std::string out;
  const auto escape = [&out](char c, bool in_key) {
    switch (c) {
      case '\\': out += "\\\\"; return;
      case '\n': out += "\\n"; return;
      case '\r': out += "\\r"; return;
      case '\t': out += "\\t"; return;
      case '\f': out += "\\f"; return;
      default: break;
    }
    if (in_key && (c == ' ' || c == '=' || c == ':' || c == '#' || c == '!')) out += '\\';
    out += c;  // bytes >= 0x80 as they are: Spark reads the file as UTF-8
  };
  for (char c : key) escape(c, true);
  out += '=';
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (i == 0 && value[i] == ' ') out += '\\';  // Java skips a value's leading blanks
    escape(value[i], false);
  }
  out += '\n';
  return out;
}

Status write_properties_file(const SubmitCommand& cmd, const SparkEnvironment& spark) {
  if (cmd.hidden_conf.empty()) return Status::ok();
  std::string text;
  const char* conf_dir = std::getenv("SPARK_CONF_DIR");
  const fs::path defaults = (conf_dir != nullptr && *conf_dir != '\0' ? fs::path(conf_dir)
                                                                      : fs::path(spark.spark_home) / "conf") /
                            "spark-defaults.conf";
  if (std::ifstream in(defaults); in) {
    std::ostringstream copy;
    copy << in.rdbuf();
    text = "# " + defaults.string() + "\n" + copy.str() + "\n";
  }
  text += "# from the request (secret values)\n";
  for (const auto& [key, value] : cmd.hidden_conf) text += properties_line(key, value);

  const int fd = ::open(cmd.properties_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::unavailable("cannot write the properties file " + cmd.properties_file);
  bool ok = ::fchmod(fd, 0600) == 0;  // an existing file keeps its mode through O_CREAT
  for (std::size_t done = 0; ok && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok) return Status::unavailable("cannot write the properties file " + cmd.properties_file);
  return Status::ok();
}

bool spills_results(const std::map<std::string, std::string>& conf) {
  const auto it = conf.find(std::string(kResultsSpillConf));
  if (it == conf.end() || it->second.size() != 4) return false;
  std::string value = it->second;
  for (char& c : value) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return value == "true";
}

}  // namespace livy
