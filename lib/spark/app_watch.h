// Learning a Spark application's id and UI from its output and its REST API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace livy {

// The application id in a line of spark-submit output, if it names one:
// local-..., application_..._... (YARN), app-...-... (standalone), spark-... (Kubernetes),
// driver-...-... (a standalone driver in cluster deploy mode: StandaloneClusterManager's id).
std::optional<std::string> find_app_id(std::string_view line);

// The Spark UI port announced in a line ("Successfully started service 'SparkUI' on port 4040").
std::optional<int> find_ui_port(std::string_view line);

// Asks a Spark UI's REST API (/api/v1/applications) on this host for the id
// of its application. Local mode never prints the id, so this is how it is known.
std::optional<std::string> query_app_id(int ui_port);

}  // namespace livy
