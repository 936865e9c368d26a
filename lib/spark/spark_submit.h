// Building spark-submit command lines and finding the Spark to run.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "livy/batch.h"
#include "livy/config.h"
#include "livy/status.h"

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
};

// Finds Spark from config.spark_home, $SPARK_HOME, or ./.venv's pyspark.
Result<SparkEnvironment> resolve_spark(const Config& config);

// The argv of a batch: spark-submit, its options, the file, the arguments.
std::vector<std::string> batch_submit_argv(const SparkEnvironment& spark, const BatchRequest& request);

// Appends the resource options (--jars, --driver-memory, --conf...) shared by batches and sessions.
void append_resource_options(const SparkResources& resources, std::vector<std::string>& argv);

}  // namespace livy
