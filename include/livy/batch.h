// Plain types of the batch API: requests, batches, pages, logs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livy/export.h"

namespace livy {

// Spark resources a batch or a session asks for. Unset = Spark's default.
struct SparkResources {
  std::vector<std::string> jars{};
  std::vector<std::string> py_files{};
  std::vector<std::string> files{};
  std::vector<std::string> archives{};
  std::optional<std::string> driver_memory{};    // like "1g", "512m"
  std::optional<int> driver_cores{};
  std::optional<std::string> executor_memory{};
  std::optional<int> executor_cores{};
  std::optional<int> num_executors{};
  std::optional<std::string> queue{};
  std::map<std::string, std::string> conf{};     // Spark properties

  bool operator==(const SparkResources&) const = default;
};

// A request to run one application with spark-submit.
struct BatchRequest {
  std::string file{};                        // jar, .py or .R: local path or URI
  std::optional<std::string> class_name{};   // main class of a jar
  std::vector<std::string> args{};           // arguments of the application
  std::optional<std::string> name{};         // unique among live batches; not all digits
  std::optional<std::string> proxy_user{};   // spark-submit --proxy-user
  SparkResources resources{};

  bool operator==(const BatchRequest&) const = default;
};

enum class BatchState { kNotStarted, kStarting, kRunning, kSuccess, kDead, kKilled, kError };

LIVY_API std::string_view to_string(BatchState state);  // Livy's name: "starting", "dead"...
LIVY_API bool is_final(BatchState state);

// Where to look at a running application.
struct AppInfo {
  std::optional<std::string> driver_log_url;
  std::optional<std::string> spark_ui_url;
  // Livy's "name#url;name#url" list of executor log links; livyd knows none yet, so null.
  std::optional<std::string> executor_log_urls;

  bool operator==(const AppInfo&) const = default;
};

// When a batch or session reached each step of its life, in epoch milliseconds; 0: not
// yet, or not known (stored by a livyd before these were kept). livyd's monitoring
// fields: the REST API shows them only behind ?detailed=true (Livy has none).
struct Timeline {
  std::int64_t created_ms = 0;  // accepted (its POST)
  std::int64_t started_ms = 0;  // its spark-submit was launched
  std::int64_t ready_ms = 0;    // first ready for work: a batch's first `running`, a session's first `idle`
  std::int64_t ended_ms = 0;    // reached its final state

  bool operator==(const Timeline&) const = default;
};

// A batch as its users see it.
struct Batch {
  std::int64_t id = 0;
  std::optional<std::string> name;
  std::optional<std::string> owner;
  std::optional<std::string> proxy_user;
  BatchState state = BatchState::kNotStarted;
  std::optional<std::string> app_id;
  AppInfo app_info;
  std::vector<std::string> log;  // the last lines of its output
  Timeline timeline{};

  bool operator==(const Batch&) const = default;
};

// One page of a list: `total` counts everything, not the page.
template <typename T>
struct Page {
  std::int64_t from = 0;
  std::int64_t total = 0;
  std::vector<T> items;

  bool operator==(const Page&) const = default;
};

// Lines of a log: `from` is the index of the first line returned among the
// `total` lines kept.
struct LogPage {
  std::int64_t id = 0;
  std::int64_t from = 0;
  std::int64_t total = 0;
  std::vector<std::string> lines;

  bool operator==(const LogPage&) const = default;
};

}  // namespace livy
