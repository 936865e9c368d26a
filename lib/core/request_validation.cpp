#include "core/request_validation.h"

#include <cctype>
#include <filesystem>
#include <system_error>

#include "core/text_values.h"

namespace livy {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxStringLength = 64 * 1024;
constexpr int kMaxCores = 4096;
constexpr int kMaxExecutors = 100'000;

// Properties that would let a request escape the server's choice of cluster.
const char* const kBlockedConf[] = {"spark.master", "spark.submit.deployMode"};

// Properties that list files for Spark to ship, like the jars/pyFiles/files/archives
// fields: their local entries obey the whitelist too.
const char* const kFileListConf[] = {"spark.jars", "spark.files", "spark.submit.pyFiles", "spark.archives",
                                     "spark.yarn.dist.jars", "spark.yarn.dist.files", "spark.yarn.dist.archives",
                                     "spark.yarn.dist.pyFiles"};

Status check_text(const std::string& field, const std::string& value) {
  if (value.size() > kMaxStringLength) return Status::invalid_argument(field + " is too long");
  if (value.find('\0') != std::string::npos) return Status::invalid_argument(field + " contains a NUL character");
  return Status::ok();
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

Status check_uris(const char* field, const std::vector<std::string>& uris, const std::vector<std::string>& whitelist) {
  for (const auto& uri : uris) {
    if (uri.empty()) return Status::invalid_argument(std::string(field) + " contains an empty entry");
    Status st = check_text(field, uri);
    if (st) st = check_local_path(field, uri, whitelist);
    if (!st) return st;
  }
  return Status::ok();
}

// The scheme of a URI ("hdfs" of "hdfs://x"), empty for plain paths.
std::string scheme_of(const std::string& uri) {
  const auto colon = uri.find(':');
  if (colon == std::string::npos || colon == 0) return "";
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = uri[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return "";
  }
  return uri.substr(0, colon);
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
    if (static_cast<unsigned char>(c) < 0x20 || c == '/') {
      return Status::invalid_argument("name must not contain control characters or '/'");
    }
    all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  }
  if (all_digits) return Status::invalid_argument("name must not be all digits (that would be an id)");
  return Status::ok();
}

Status validate_resources(const SparkResources& r, const std::vector<std::string>& whitelist) {
  Status st = check_uris("jars", r.jars, whitelist);
  if (st) st = check_uris("pyFiles", r.py_files, whitelist);
  if (st) st = check_uris("files", r.files, whitelist);
  if (st) st = check_uris("archives", r.archives, whitelist);
  if (st) st = check_memory("driverMemory", r.driver_memory);
  if (st) st = check_memory("executorMemory", r.executor_memory);
  if (st) st = check_cores("driverCores", r.driver_cores, kMaxCores);
  if (st) st = check_cores("executorCores", r.executor_cores, kMaxCores);
  if (st) st = check_cores("numExecutors", r.num_executors, kMaxExecutors);
  if (st && r.queue) st = check_text("queue", *r.queue);
  if (!st) return st;
  for (const auto& [key, value] : r.conf) {
    if (key.empty() || key.find_first_of("= \t\r\n") != std::string::npos) {
      return Status::invalid_argument("conf: invalid property name '" + key + "'");
    }
    for (const char* blocked : kBlockedConf) {
      if (key == blocked) return Status::invalid_argument("conf: '" + key + "' is set by the server and cannot be changed");
    }
    st = check_text("conf." + key, value);
    if (!st) return st;
    for (const char* list_key : kFileListConf) {
      if (key != list_key) continue;
      for (const auto& entry : split_list(value)) {
        st = check_local_path("conf " + key, entry, whitelist);
        if (!st) return st;
      }
    }
  }
  return Status::ok();
}

Status validate_batch_request(const BatchRequest& request, const std::vector<std::string>& whitelist) {
  if (request.file.empty()) return Status::invalid_argument("file is required");
  Status st = check_text("file", request.file);
  if (st) st = check_local_path("file", request.file, whitelist);
  if (st && request.class_name) st = check_text("className", *request.class_name);
  if (st && request.class_name && request.class_name->empty()) st = Status::invalid_argument("className is empty");
  if (st && request.name) st = validate_name(*request.name);
  if (st && request.proxy_user) st = check_text("proxyUser", *request.proxy_user);
  for (const auto& arg : request.args) {
    if (st) st = check_text("args", arg);
  }
  if (st) st = validate_resources(request.resources, whitelist);
  return st;
}

}  // namespace livy
