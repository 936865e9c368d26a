// Where the YARN ResourceManager's REST API is, as Hadoop's own clients would find it:
// yarn.resourcemanager.webapp.address (or .https.address under yarn.http.policy
// HTTPS_ONLY) in $HADOOP_CONF_DIR/yarn-site.xml.
#pragma once

#include <map>
#include <string>

#include "livy/status.h"

namespace livy {

// The <property> names and values of a Hadoop configuration file's text (yarn-site.xml,
// core-site.xml). Not a general XML parser: it reads what Hadoop writes and what people
// write by hand in these files (comments, CDATA-free values, the five XML entities), and
// fails with a message on anything it cannot read. A later property with the same name wins.
Result<std::map<std::string, std::string>> parse_hadoop_conf(const std::string& text);

// The RM web app's base URL (http://host:port) from a yarn-site.xml's properties, with
// Hadoop's defaults: ${yarn.resourcemanager.hostname}:8088 (https: 8090), host 0.0.0.0.
// An address whose host is 0.0.0.0 (a bind-all address) is reached on 127.0.0.1, as
// Hadoop's clients do.
Result<std::string> resourcemanager_url_from(const std::map<std::string, std::string>& props);

// Reads `conf_dir`/yarn-site.xml (at most 4 MiB) and returns resourcemanager_url_from it.
Result<std::string> resourcemanager_url_from_conf_dir(const std::string& conf_dir);

}  // namespace livy
