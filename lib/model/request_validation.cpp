#include "model/request_validation.h"
#include "model/statement_parallelism.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include "base/text_values.h"

namespace livy {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxStringLength = 64 * 1024;
constexpr int kMaxCores = 4096;
constexpr int kMaxExecutors = 100'000;

// Properties that would let a request escape the server's choice of cluster: refused
// whatever the blocklist file says.
const char* const kServerConf[] = {"spark.master", "spark.submit.deployMode"};

// Properties that list files for Spark to ship or read, like the jars/pyFiles/files/archives
// fields: their local entries obey the whitelist too. spark.jars.repositories may name a
// file: Maven repository, from which spark.jars.packages would load jars.
const char* const kFileListConf[] = {"spark.jars", "spark.files", "spark.submit.pyFiles", "spark.archives",
                                     "spark.yarn.dist.jars", "spark.yarn.dist.files", "spark.yarn.dist.archives",
                                     "spark.yarn.dist.pyFiles", "spark.jars.repositories"};

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

bool has_control(const std::string& text) { return std::any_of(text.begin(), text.end(), is_control); }

// A property name as an error message may show it: control characters as '?'.
std::string printable(const std::string& text) {
  std::string out = text;
  std::replace_if(out.begin(), out.end(), is_control, '?');
  return out;
}

// The start of a text too long to show whole, never cut inside a UTF-8 sequence.
std::string shortened(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n) + "...";
}

Status check_text(const std::string& field, const std::string& value) {
  if (value.size() > kMaxStringLength) return Status::invalid_argument(field + " is too long");
  if (value.find('\0') != std::string::npos) return Status::invalid_argument(field + " contains a NUL character");
  return Status::ok();
}

// For values that name something (a class, a user, a queue, a file): no name needs a control
// character, and Spark trims some of them (so a check would see another text than Spark uses).
Status check_name_text(const std::string& field, const std::string& value) {
  Status st = check_text(field, value);
  if (st && has_control(value)) st = Status::invalid_argument(field + " contains a control character");
  return st;
}

Status check_cores(const char* field, const std::optional<int>& v, int max) {
  if (v && (*v < 1 || *v > max)) {
    return Status::invalid_argument(std::string(field) + " must be between 1 and " + std::to_string(max));
  }
  return Status::ok();
}

Status check_memory(const char* field, const std::optional<std::string>& v) {
  if (v && !is_spark_memory_string(*v)) {
    return Status::invalid_argument(std::string(field) + " '" + *v +
                                    "' is not a memory size (like 512m, 2g)");
  }
  return Status::ok();
}

// Each entry of a list field, split as spark-submit will split it; the entries joined
// with ',' become one argument, bounded like any other string.
Status check_uris(const char* field, const std::vector<std::string>& uris, const std::vector<std::string>& whitelist) {
  std::size_t joined = 0;
  for (const auto& uri : uris) {
    Status st = check_text(field, uri);
    if (st) st = check_uri_list(field, uri, whitelist, false);
    if (!st) return st;
    joined += uri.size() + 1;
  }
  if (joined > kMaxStringLength + 1) {
    return Status::invalid_argument(std::string(field) + " is too long (its entries together)");
  }
  return Status::ok();
}

// The scheme of a URI in lower case ("hdfs" of "HDFS://x"), empty for plain paths.
// RFC 3986: a letter, then letters, digits, '+', '-' or '.'; schemes ignore case, and
// so must the check (`FILE:/etc/passwd` is a local path).
std::string scheme_of(const std::string& uri) {
  const auto colon = uri.find(':');
  if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(uri[0]))) return "";
  std::string scheme;
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = uri[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return "";
    scheme.push_back(ascii_lower(c));
  }
  return scheme;
}

// %XX escapes of a URI path decoded, as Spark decodes file: and local: URIs;
// nullopt for a malformed escape or an encoded NUL.
std::optional<std::string> percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      return std::nullopt;
    }
    const char c = static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
    if (c == '\0') return std::nullopt;
    out.push_back(c);
    i += 2;
  }
  return out;
}

bool inside(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty()) continue;  // a trailing separator
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

}  // namespace

Status check_local_path(const std::string& field, const std::string& uri, const std::vector<std::string>& whitelist) {
  const std::string scheme = scheme_of(uri);
  // Spark opens what comes before a '#fragment' (the fragment only names a link):
  // that part is what is checked, not a path that a fragment's ".." would bend.
  const std::string target = uri.substr(0, uri.find('#'));
  std::string path;
  if (scheme.empty()) {
    // A plain path with a fragment is read by Spark as a URI, escapes decoded.
    if (uri.find('#') == std::string::npos) {
      path = target;
    } else {
      const auto decoded = percent_decode(target);
      if (!decoded) return Status::invalid_argument(field + ": '" + uri + "' is not a valid URI");
      path = *decoded;
    }
  } else if (scheme == "file" || scheme == "local") {
    // Spark reads these as URIs: their query is not part of the path and their
    // escapes are decoded ("%2e%2e" is ".."), so the check does the same.
    const std::string rest = target.substr(scheme.size() + 1);
    const auto decoded = percent_decode(rest.substr(0, rest.find('?')));
    if (!decoded) return Status::invalid_argument(field + ": '" + uri + "' is not a valid URI");
    path = *decoded;
    // file:///x and file:/x both name /x; file://host/x is not local to us.
    if (path.rfind("//", 0) == 0) {
      path = path.substr(2);
      if (!path.empty() && path[0] != '/') return Status::invalid_argument(field + ": '" + uri + "' names a remote host");
    }
  } else {
    return Status::ok();
  }
  const fs::path p(path);
  if (!p.is_absolute()) {
    return Status::invalid_argument(field + ": local path '" + uri + "' must be absolute");
  }
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(p, ec);
  if (!ec) {
    for (const auto& dir : whitelist) {
      std::error_code dec;
      const fs::path allowed = fs::weakly_canonical(fs::path(dir), dec);
      if (!dec && inside(resolved, allowed)) return Status::ok();
    }
  }
  return Status::invalid_argument(field + ": local path '" + uri + "' cannot be added to user sessions");
}

Status validate_name(const std::string& name) {
  if (name.empty() || name.size() > 256) return Status::invalid_argument("name must have 1 to 256 characters");
  bool all_digits = true;
  for (char c : name) {
    if (is_control(c) || c == '/') {
      return Status::invalid_argument("name must not contain control characters or '/'");
    }
    all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  }
  if (all_digits) return Status::invalid_argument("name must not be all digits (that would be an id)");
  return Status::ok();
}

Status check_uri_list(const std::string& field, const std::string& list, const std::vector<std::string>& whitelist,
                      bool allow_empty) {
  if (has_control(list)) return Status::invalid_argument(field + " contains a control character");
  // spark-submit splits --jars, --files... and their properties on ',', so one entry
  // "http://h/x,/etc/passwd" ships /etc/passwd. Each part is checked rather than the
  // entry refused: a comma-joined list in one entry is what some clients send, and
  // Livy and spark-submit accept it. Spark trims each part; so does split_list.
  const std::vector<std::string> parts = split_list(list);
  if (parts.empty() && !allow_empty) return Status::invalid_argument(field + " contains an empty entry");
  for (const auto& part : parts) {
    Status st = check_local_path(field, part, whitelist);
    if (!st) return st;
  }
  return Status::ok();
}

namespace {

// `message` with each quoted entry of the list `value` shown as Spark shows a secret.
std::string without_entries(std::string message, const std::string& value) {
  for (const auto& part : split_list(value)) {
    const std::string quoted = "'" + part + "'";
    const std::string shown = "'" + std::string(kRedactedText) + "'";
    for (auto at = message.find(quoted); at != std::string::npos; at = message.find(quoted, at + shown.size())) {
      message.replace(at, quoted.size(), shown);
    }
  }
  return message;
}

}  // namespace

Result<RequestRules> load_request_rules(const Config& config) {
  RequestRules rules;
  rules.local_dir_whitelist = config.local_dir_whitelist;
  rules.max_conf_key_bytes = config.max_conf_key_bytes;
  for (const auto& [name, home] : config.spark_versions) rules.spark_versions.push_back(name);
  rules.spark_master = config.spark_master;
  rules.deploy_mode = config.spark_deploy_mode;
  rules.max_parallel = config.statement_max_parallel;
  if (!config.conf_blocklist_file.empty()) {
    auto blocklist = ConfBlocklist::load(config.conf_blocklist_file);
    if (!blocklist) return blocklist.status();
    rules.conf_blocklist = std::move(*blocklist);
  }
  auto redactor = Redactor::compile(config.redaction_regex, "spark.redaction-regex");
  if (!redactor) return redactor.status();
  rules.redactor = std::move(*redactor);
  return rules;
}

Status validate_resources(const SparkResources& r, const RequestRules& rules) {
  const auto& whitelist = rules.local_dir_whitelist;
  Status st = check_uris("jars", r.jars, whitelist);
  if (st) st = check_uris("pyFiles", r.py_files, whitelist);
  if (st) st = check_uris("files", r.files, whitelist);
  if (st) st = check_uris("archives", r.archives, whitelist);
  if (st) st = check_memory("driverMemory", r.driver_memory);
  if (st) st = check_memory("executorMemory", r.executor_memory);
  if (st) st = check_cores("driverCores", r.driver_cores, kMaxCores);
  if (st) st = check_cores("executorCores", r.executor_cores, kMaxCores);
  if (st) st = check_cores("numExecutors", r.num_executors, kMaxExecutors);
  if (st && r.queue) st = check_name_text("queue", *r.queue);
  if (!st) return st;
  for (const auto& [key, value] : r.conf) {
    if (key.empty()) return Status::invalid_argument("conf: a property name is empty");
    if (key.size() > rules.max_conf_key_bytes) {
      return Status::invalid_argument(
          "conf: a property name is longer than " + std::to_string(rules.max_conf_key_bytes) +
          " bytes (requests.max-conf-key-bytes): '" + printable(shortened(key, 64)) + "'");
    }
    if (has_control(key)) {
      return Status::invalid_argument("conf: property name '" + printable(key) + "' contains a control character");
    }
    if (key.find_first_of("= ") != std::string::npos) {
      return Status::invalid_argument("conf: invalid property name '" + key + "'");
    }
    for (const char* server : kServerConf) {
      if (equals_ignoring_case(key, server)) {
        return Status::invalid_argument("conf: '" + key + "' is set by the server and cannot be changed");
      }
    }
    // Livy's words, so that clients and searches recognize them.
    if (rules.conf_blocklist.match(key)) {
      return Status::invalid_argument("Blacklisted configuration values in session config: " + key);
    }
    st = check_text("conf." + key, value);
    if (!st) return st;
    for (const char* list_key : kFileListConf) {
      if (!equals_ignoring_case(key, list_key)) continue;
      st = check_uri_list("conf " + key, value, whitelist, true);
      // The message quotes the entry; a secret one (a URL with a token) is not repeated.
      if (!st && rules.redactor.is_secret(key, value)) {
        return Status::invalid_argument(without_entries(st.message(), value));
      }
      if (!st) return st;
    }
  }
  return Status::ok();
}

namespace {

// livy.spark.version must name an installation of spark.versions.
Status check_spark_version(const SparkResources& r, const RequestRules& rules) {
  const auto chosen = r.conf.find("livy.spark.version");
  if (chosen == r.conf.end()) return Status::ok();
  if (std::find(rules.spark_versions.begin(), rules.spark_versions.end(), chosen->second) !=
      rules.spark_versions.end()) {
    return Status::ok();
  }
  std::string known;
  for (const auto& name : rules.spark_versions) known += (known.empty() ? "" : ", ") + name;
  return Status::invalid_argument("conf: livy.spark.version '" + printable(shortened(chosen->second, 64)) +
                                  "' is not a configured Spark version (" +
                                  (known.empty() ? std::string("spark.versions names none") : "configured: " + known) +
                                  ")");
}

// Spark's own test (SparkSubmit): a master that starts with "spark" is standalone. The
// deploy mode is the request's spark.submit.deployMode, if one got through, else the server's.
bool standalone_cluster_mode(const SparkResources& r, const RequestRules& rules) {
  std::string mode = rules.deploy_mode;
  for (const auto& [key, value] : r.conf) {
    if (key == "spark.submit.deployMode") mode = trim(value);
  }
  return rules.spark_master.starts_with("spark") && mode == "cluster";
}

}  // namespace

Status validate_batch_request(const BatchRequest& request, const RequestRules& rules) {
  if (request.file.empty()) return Status::invalid_argument("file is required");
  Status st = check_name_text("file", request.file);
  // The whole, as the application's runner opens it, and each comma-separated part:
  // in client mode spark-submit also adds the file to spark.jars or spark.files, which
  // are split on ','.
  if (st) st = check_local_path("file", request.file, rules.local_dir_whitelist);
  if (st) st = check_uri_list("file", request.file, rules.local_dir_whitelist, false);
  if (st && request.class_name) st = check_name_text("className", *request.class_name);
  if (st && request.class_name && request.class_name->empty()) st = Status::invalid_argument("className is empty");
  if (st && request.name) st = validate_name(*request.name);
  if (st && request.proxy_user) st = check_name_text("proxyUser", *request.proxy_user);
  for (const auto& arg : request.args) {
    if (st) st = check_text("args", arg);  // free text: a tab or a newline may belong there
  }
  if (st) st = validate_resources(request.resources, rules);
  if (st) st = check_spark_version(request.resources, rules);
  // Spark names a Python application by its file's ending (.py) and an R one by .R or .r,
  // and refuses both in standalone cluster mode only after spark-submit has started.
  if (st && standalone_cluster_mode(request.resources, rules)) {
    const std::string& file = request.file;
    if (file.ends_with(".py") || file.ends_with(".R") || file.ends_with(".r")) {
      st = Status::invalid_argument(
          "file: Spark does not run Python or R applications in cluster deploy mode on a standalone master: "
          "submit a JVM application (a jar and className), or use a server in client deploy mode");
    }
  }
  return st;
}

Status validate_session_request(const SessionRequest& request, const RequestRules& rules) {
  Status st = validate_resources(request.resources, rules);
  if (st && request.name) st = validate_name(*request.name);
  if (st && request.proxy_user) st = check_name_text("proxyUser", *request.proxy_user);
  if (st) st = check_spark_version(request.resources, rules);
  if (st) st = statement_parallelism(request.resources.conf, rules.max_parallel).status();
  if (st && standalone_cluster_mode(request.resources, rules)) {
    st = Status::invalid_argument(
        "sessions cannot run in cluster deploy mode on a standalone master: a session's driver is a Python "
        "program, and Spark runs no Python application in standalone cluster mode; use a server in client "
        "deploy mode");
  }
  return st;
}

}  // namespace livy
