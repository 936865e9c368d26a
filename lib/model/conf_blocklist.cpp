#include "model/conf_blocklist.h"

#include <fstream>
#include <iterator>

#include "base/text_values.h"

namespace livy {
namespace {

// docs/configuration.md ("The conf blocklist") says why each entry is here; keep the two in step.
const char* const kDefaultEntries[] = {
    // Livy's default spark-blacklist.conf.
    "spark.master",
    "spark.submit.deployMode",
    "spark.yarn.jar",
    "spark.yarn.jars",
    "spark.yarn.archive",
    "livy.rsc.server.idle-timeout",
    // Livy refuses it too, unless livy.server.session.allow-custom-classpath.
    "spark.submit.proxyUser.allowCustomClasspathInClusterMode",
    // JVM options: -javaagent:<local jar>, -XX:OnOutOfMemoryError=<command>, ...
    "spark.driver.extraJavaOptions",
    "spark.executor.extraJavaOptions",
    "spark.driver.defaultJavaOptions",
    "spark.executor.defaultJavaOptions",
    "spark.yarn.am.extraJavaOptions",
    // Class paths and native library paths on local disks.
    "spark.driver.extraClassPath",
    "spark.executor.extraClassPath",
    "spark.driver.extraLibraryPath",
    "spark.executor.extraLibraryPath",
    "spark.yarn.am.extraLibraryPath",
    // The programs Spark runs as Python and as R.
    "spark.pyspark.python",
    "spark.pyspark.driver.python",
    "spark.r.command",
    "spark.r.driver.command",
    "spark.r.shell.command",
    // Resource discovery runs a script, or reads a file, of the request's choosing.
    "spark.*.resource.*.discoveryScript",
    "spark.*.resourcesFile",
    // Ivy: a local settings file (which may name local repositories), and where it writes.
    "spark.jars.ivySettings",
    "spark.jars.ivy",
    // Hive metastore client jars from a local class path.
    "spark.sql.hive.metastore.jars",
    "spark.sql.hive.metastore.jars.path",
    // A local keytab logs Spark in as its owner.
    "spark.kerberos.keytab",
    "spark.yarn.keytab",
    // A scheme mapped onto the local file system turns `x:///etc/passwd` into a local
    // read the whitelist does not see.
    "spark.hadoop.fs.*.impl",
    "spark.hadoop.fs.viewfs.*",
    // Kubernetes: pod templates and hostPath volumes reach the nodes' disks; credentials
    // and service accounts are the operator's.
    "spark.kubernetes.*.podTemplateFile",
    "spark.kubernetes.*.volumes.hostPath.*",
    "spark.kubernetes.authenticate.*",
};

}  // namespace

bool conf_key_matches(std::string_view pattern, std::string_view key) {
  // The classic wildcard walk: on a mismatch, the last '*' takes one more character.
  // At most pattern.size() * key.size() steps; both are short (keys are bounded by
  // requests.max-conf-key-bytes before they get here).
  std::size_t p = 0, k = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (k < key.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = k;
    } else if (p < pattern.size() && ascii_lower(pattern[p]) == ascii_lower(key[k])) {
      ++p;
      ++k;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      k = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

ConfBlocklist ConfBlocklist::defaults() {
  return ConfBlocklist(std::vector<std::string>(std::begin(kDefaultEntries), std::end(kDefaultEntries)));
}

Result<ConfBlocklist> ConfBlocklist::parse(std::string_view text, const std::string& origin) {
  std::vector<std::string> entries;
  int number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string line = trim(text.substr(start, end - start));
    start = end + 1;
    ++number;
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    const std::string where = origin + ":" + std::to_string(number) + ": ";
    if (line.find('\\') != std::string::npos) {
      return Status::invalid_argument(where + "backslash escapes are not supported; write the property name as it is");
    }
    const std::string name = line.substr(0, line.find_first_of(" \t\f\v\r=:"));
    if (name.empty()) return Status::invalid_argument(where + "expected a property name");
    for (const char c : name) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return Status::invalid_argument(where + "control character in a property name");
      }
    }
    entries.push_back(name);
  }
  return ConfBlocklist(std::move(entries));
}

Result<ConfBlocklist> ConfBlocklist::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot read the conf blocklist " + path + " (requests.conf-blocklist-file)");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return Status::not_found("cannot read the conf blocklist " + path + " (requests.conf-blocklist-file)");
  return parse(text, path);
}

std::optional<std::string> ConfBlocklist::match(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (conf_key_matches(entry, key)) return entry;
  }
  return std::nullopt;
}

}  // namespace livy
