#include "model/statement_parallelism.h"

#include <charconv>

namespace livy {

Result<int> statement_parallelism(const std::map<std::string, std::string>& conf, int max) {
  const auto it = conf.find(std::string(kStatementParallelConf));
  if (it == conf.end()) return 1;
  const std::string& text = it->second;
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > max) {
    const std::string shown = text.size() > 32 ? text.substr(0, 32) + "..." : text;
    std::string printable;
    for (const char c : shown) printable += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
    return Status::invalid_argument("conf: " + std::string(kStatementParallelConf) + " must be an integer from 1 to " +
                                    std::to_string(max) + " (statements.max-parallel), not '" + printable + "'");
  }
  return value;
}

std::map<std::string, std::string> parallel_launch_conf(std::map<std::string, std::string> conf, int parallel) {
  conf.erase(std::string(kStatementParallelConf));
  conf.erase("spark.livy.driver.parallel");  // livyd's to set: a request's own never reaches the driver
  if (parallel > 1) {
    conf["spark.livy.driver.parallel"] = std::to_string(parallel);
    conf.emplace("spark.scheduler.mode", "FAIR");
  }
  return conf;
}

}  // namespace livy
