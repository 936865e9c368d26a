// Checks of a request's values that do not depend on its wire format.
#pragma once

#include <string>
#include <vector>

#include "livy/batch.h"
#include "livy/status.h"

namespace livy {

// Rejects what spark-submit must never see: bad memory strings, non-positive
// cores, NUL bytes, names that look like ids, blocked Spark properties and
// local paths outside the whitelist.
Status validate_batch_request(const BatchRequest& request, const std::vector<std::string>& local_dir_whitelist);

Status validate_resources(const SparkResources& resources, const std::vector<std::string>& local_dir_whitelist);

// A local path (no scheme, file: or local:) must lie inside one of the
// whitelisted directories after resolving "..", and symlinks; remote URIs pass.
Status check_local_path(const std::string& field, const std::string& uri,
                        const std::vector<std::string>& local_dir_whitelist);

// Session and batch names: 1..256 bytes, no ASCII control characters and no '/',
// not all digits (all digits names an id).
Status validate_name(const std::string& name);

}  // namespace livy
