// The warm pool's profiles in their text form (sessions.warm-pool.profiles): a JSON object,
// name -> profile. In YAML the key is a mapping, which the loader turns into this text.
#pragma once

#include <string>
#include <vector>

#include "livy/config.h"
#include "livy/status.h"

namespace livy {

// {"small": {"kinds": ["pyspark", "sql"], "spark-version": "4.0", "driver-memory": "1g",
//  "driver-cores": 1, "executor-memory": "1g", "executor-cores": 1, "num-executors": 1,
//  "conf": {"spark.sql.shuffle.partitions": "4"}, "size": 2}}. Every field is optional;
// numbers may be written as strings (YAML gives strings). Unknown fields, unknown kinds and
// values of the wrong type are refused with a message naming them. "" or {}: no profiles.
Result<std::vector<WarmPoolProfile>> parse_warm_profiles(const std::string& text);
// The text parse_warm_profiles reads back (compact JSON; "" for no profiles).
std::string format_warm_profiles(const std::vector<WarmPoolProfile>& profiles);

}  // namespace livy
