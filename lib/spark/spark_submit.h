// Building spark-submit command lines and finding the Spark to run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "livy/batch.h"
#include "livy/config.h"
#include "livy/status.h"
#include "model/redaction.h"

namespace livy {

// A resolved Spark installation and how to start it.
struct SparkEnvironment {
  std::string spark_home;
  std::string spark_submit;  // absolute path of bin/spark-submit
  std::string python;        // PYSPARK_PYTHON, empty to leave Spark's choice
  std::string master;
  std::string deploy_mode;   // empty: client
  std::vector<std::pair<std::string, std::string>> env;  // for every child
  std::string ui_host;       // where a client-mode driver's Spark UI is reached
  std::string name;          // its name in spark.versions; empty for the unnamed default
  std::string version;       // its Spark version ("4.0.1"); empty when unknown
  // k8s:// masters only (the kubernetes.* keys): what add_kubernetes_conf adds.
  std::string k8s_image;            // kubernetes.container-image
  std::string k8s_namespace;        // kubernetes.namespace
  std::string k8s_service_account;  // kubernetes.service-account
};

// Finds Spark from config.spark_home, $SPARK_HOME, or ./.venv's pyspark.
Result<SparkEnvironment> resolve_spark(const Config& config);

// A spark-submit command. Conf values that the redactor calls secret are not in
// argv (every local user reads /proc/PID/cmdline): they go in `hidden_conf`, which
// write_properties_file puts in `properties_file`, and argv has
// `--properties-file <it>` instead.
struct SubmitCommand {
  std::vector<std::string> argv;
  std::string properties_file;                     // a path in the child's private directory
  std::map<std::string, std::string> hidden_conf;  // empty: no properties file
};

// The command of a batch: spark-submit, its options, the file, the arguments.
SubmitCommand batch_submit_command(const SparkEnvironment& spark, const BatchRequest& request,
                                   const Redactor& redactor, const std::string& properties_file);

// Appends the resource options (--jars, --driver-memory, --conf...) shared by batches
// and sessions; secret conf goes to cmd.hidden_conf and `--properties-file`.
void append_resource_options(const SparkResources& resources, const Redactor& redactor, SubmitCommand& cmd);

// What a session's driver is told at launch, as Spark configuration (the spark.livy.driver.*
// keys below): Spark hands its configuration to the driver under every cluster manager and
// deploy mode (system properties of the driver's JVM), where spark-submit's environment
// reaches a driver only in client mode. The driver reads them from its SparkConf.
struct DriverSettings {
  std::string callback;          // host:port of livyd's driver channel, as the driver reaches it
  std::string secret;            // the session's secret: only ever in the properties file
  std::int64_t session_id = 0;
  std::string session_kind;      // canonical name; `spark` makes the driver warm up the Scala REPL
  std::size_t max_output_bytes = 4 << 20;
  double reconnect_timeout_s = 0;  // sessions.recovery-grace
  std::string cache_dir;         // where the driver keeps what it compiles (livyd's host: not in cluster mode)
  std::string tls_fingerprint;   // SHA-256 of the channel's certificate (hex, colons); empty: no TLS
  bool spill_results = false;    // the session asked for whole results (livy.results.spill)
};

// A session's opt-in to whole results (docs/rest-api.md, "livyd extensions"): livyd's key,
// taken out of the conf before spark-submit; "true" (any case) turns it on.
inline constexpr std::string_view kResultsSpillConf = "livy.results.spill";
bool spills_results(const std::map<std::string, std::string>& conf);

// The Spark configuration keys of DriverSettings. The secret's name matches Spark's default
// spark.redaction.regex ((?i)secret|password|token|access[.]?key), so Spark's UI and logs redact it.
inline constexpr const char* kDriverCallbackConf = "spark.livy.driver.callback";
inline constexpr const char* kDriverSecretConf = "spark.livy.driver.secret";
inline constexpr const char* kDriverSessionIdConf = "spark.livy.driver.session-id";
inline constexpr const char* kDriverSessionKindConf = "spark.livy.driver.session-kind";
inline constexpr const char* kDriverMaxOutputConf = "spark.livy.driver.max-output-bytes";
inline constexpr const char* kDriverReconnectConf = "spark.livy.driver.reconnect-timeout";
inline constexpr const char* kDriverResultsConf = "spark.livy.driver.results";  // "spill": send whole results
inline constexpr const char* kDriverCacheDirConf = "spark.livy.driver.cache-dir";
inline constexpr const char* kDriverTlsFingerprintConf = "spark.livy.driver.tls-fingerprint";

// A session's spark-submit of the driver program.
struct SessionLaunch {
  std::string name;                       // --name
  std::optional<std::string> proxy_user;  // --proxy-user
  SparkResources resources;               // the request's, with livyd's own conf added
  std::string driver_script;              // the primary resource
  // The driver's sibling modules (Scala, R) as one archive (livy-drivers.zip), shipped with
  // --archives in cluster deploy mode, where the driver runs without livyd's files. Empty: none.
  std::string driver_archive;
  DriverSettings driver;
};

// The name under which a cluster-mode driver finds the shipped archive unpacked, in its
// working directory (spark-submit --archives path#name).
inline constexpr std::string_view kDriverArchiveName = "livy-drivers";

// The command of a session: spark-submit, its options, the driver's settings as --conf
// (they override the request's conf of the same names), the secret in cmd.hidden_conf
// (so in the properties file, whatever the redactor), the driver program last.
SubmitCommand session_submit_command(const SparkEnvironment& spark, const SessionLaunch& launch,
                                     const Redactor& redactor, const std::string& properties_file);

// The driver pod label by which livyd finds its application on Kubernetes (set by
// KubernetesClusterManager::tag_submission; its value is livyd's tag).
inline constexpr const char* kKubernetesTagConf = "spark.kubernetes.driver.label.livy-tag";

// The conf of a submission to a k8s:// master (nothing for other masters), added to `conf`
// before the command is built: spark.kubernetes.namespace (always livyd's: it looks for the
// driver there), the container image and the driver's service account when `conf` sets none,
// and spark.kubernetes.driver.pod.name from `name` and the tag in `conf` when `conf` names no
// pod (see driver_pod_name).
void add_kubernetes_conf(const SparkEnvironment& spark, std::string_view name,
                         std::map<std::string, std::string>& conf);

// A driver pod name made of a batch's or session's `name` and livyd's `tag`: a valid
// DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or
// digit, at most 63 characters, so that the names Spark derives from it stay valid too),
// unique through the tag, ending in "-driver". The name's part is cut or left out to fit,
// and left out when the tag starts with it already (livy-session-<id>).
std::string driver_pod_name(std::string_view name, std::string_view tag);

// What the primary resource of a spark-submit is written in (Spark refuses some in some modes).
enum class PrimaryKind { kJvm, kPython, kR };

// The master and deploy mode combinations spark-submit itself refuses for such an
// application (cluster deploy mode with a local master; Python or R on a standalone
// cluster in cluster mode; R on Mesos in cluster mode): an invalid_argument that says so
// (a 400), instead of a spark-submit that fails. ok() otherwise.
Status check_deploy_mode(const SparkEnvironment& spark, PrimaryKind primary);

// The masters an installation cannot run at all: `mesos://` with Spark 4 or later (Spark
// removed Mesos in 4.0). An invalid_argument that names the master and the installation
// (a 400 for a request's livy.spark.version, a start-up error for the server's default);
// ok() otherwise, also when the installation's version is unknown.
Status check_master(const SparkEnvironment& spark);

// Writes cmd.hidden_conf, if any, to cmd.properties_file (mode 0600, replacing any
// file there), after the text of Spark's spark-defaults.conf ($SPARK_CONF_DIR, else
// spark_home/conf), which spark-submit no longer reads once given --properties-file.
Status write_properties_file(const SubmitCommand& cmd, const SparkEnvironment& spark);

// `key=value` as a line of a Java properties file, escaped so that Java reads back
// exactly key and value. (Spark then trims the value's surrounding whitespace.)
std::string properties_line(std::string_view key, std::string_view value);

}  // namespace livy
