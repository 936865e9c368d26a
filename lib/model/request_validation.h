// Checks of a request's values that do not depend on its wire format.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/conf_blocklist.h"
#include "model/redaction.h"
#include "livy/batch.h"
#include "livy/config.h"
#include "livy/session.h"
#include "livy/status.h"

namespace livy {

// What the operator allows requests to ask of spark-submit; built once per runtime.
struct RequestRules {
  std::vector<std::string> local_dir_whitelist;                  // files.local-dir-whitelist
  ConfBlocklist conf_blocklist = ConfBlocklist::defaults();      // requests.conf-blocklist-file
  std::size_t max_conf_key_bytes = Config{}.max_conf_key_bytes;  // requests.max-conf-key-bytes
  Redactor redactor{};                                           // spark.redaction-regex
  std::vector<std::string> spark_versions{};  // the names in spark.versions, which livy.spark.version may name
  std::string spark_master{};               // spark.master
  std::string deploy_mode{};                // spark.deploy-mode
  int max_parallel = Config{}.statement_max_parallel;  // statements.max-parallel: livy.statements.parallel's limit
};

// The rules of `config`: reads the blocklist file it names, if any, and compiles its
// redaction regex (a bad one is an error naming the key).
Result<RequestRules> load_request_rules(const Config& config);

// Rejects what spark-submit must never see: bad memory strings, non-positive
// cores, NUL bytes (control characters where no value needs them), names that
// look like ids, blocked Spark properties and local paths outside the whitelist,
// a livy.spark.version that spark.versions does not name, and what Spark refuses in
// cluster deploy mode on a standalone master (Python and R applications: every
// session, whose driver is Python).
Status validate_batch_request(const BatchRequest& request, const RequestRules& rules);
Status validate_session_request(const SessionRequest& request, const RequestRules& rules);
Status validate_resources(const SparkResources& resources, const RequestRules& rules);

// A local path (no scheme, file: or local:, in any case) must lie inside one of the
// whitelisted directories after resolving "..", and symlinks; remote URIs pass.
// `uri` is one path: callers split lists first (see check_uri_list).
Status check_local_path(const std::string& field, const std::string& uri,
                        const std::vector<std::string>& local_dir_whitelist);

// A comma-separated list as spark-submit reads it: each part, trimmed, must pass
// check_local_path. No control characters. `allow_empty`: an empty list is fine.
Status check_uri_list(const std::string& field, const std::string& list,
                      const std::vector<std::string>& local_dir_whitelist, bool allow_empty);

// Session and batch names: 1..256 bytes, no ASCII control characters and no '/',
// not all digits (all digits names an id).
Status validate_name(const std::string& name);

}  // namespace livy
