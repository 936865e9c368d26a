#include "spark/spark_connect.h"

#include <cctype>

namespace livy {

bool connect_requested(const std::map<std::string, std::string>& conf) {
  const auto it = conf.find(std::string(kConnectConf));
  return it != conf.end() && it->second == "true";
}

Status check_connect_request(const std::map<std::string, std::string>& conf, const SparkEnvironment& spark) {
  const auto it = conf.find(std::string(kConnectConf));
  if (it == conf.end() || it->second == "false") return Status::ok();
  if (it->second != "true") {
    return Status::invalid_argument("conf: " + std::string(kConnectConf) + " must be true or false");
  }
  const std::string& v = spark.version;
  int major = 0;
  std::size_t digits = 0;
  for (; digits < v.size() && digits < 4 && std::isdigit(static_cast<unsigned char>(v[digits])); ++digits) {
    major = major * 10 + (v[digits] - '0');
  }
  if (digits > 0 && major < 4) {
    return Status::invalid_argument("conf: " + std::string(kConnectConf) +
                                    " needs Spark 4.0 or later; this session's Spark is " + v +
                                    " (choose another with livy.spark.version)");
  }
  return Status::ok();
}

std::map<std::string, std::string> with_connect_for_driver(std::map<std::string, std::string> conf) {
  const bool on = connect_requested(conf);
  conf.erase(std::string(kConnectConf));
  conf.erase(std::string(kDriverConnectConf));  // a request's own never reaches the driver
  if (on) conf[std::string(kDriverConnectConf)] = "true";
  return conf;
}

}  // namespace livy
