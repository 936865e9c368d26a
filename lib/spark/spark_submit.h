// Building spark-submit command lines and finding the Spark to run.
#pragma once

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

// Writes cmd.hidden_conf, if any, to cmd.properties_file (mode 0600, replacing any
// file there), after the text of Spark's spark-defaults.conf ($SPARK_CONF_DIR, else
// spark_home/conf), which spark-submit no longer reads once given --properties-file.
Status write_properties_file(const SubmitCommand& cmd, const SparkEnvironment& spark);

// `key=value` as a line of a Java properties file, escaped so that Java reads back
// exactly key and value. (Spark then trims the value's surrounding whitespace.)
std::string properties_line(std::string_view key, std::string_view value);

}  // namespace livy
