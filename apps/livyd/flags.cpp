#include "flags.h"

#include <cstring>

namespace livyd {

const char* const kUsage =
    "usage: livyd [options]\n"
    "  --config FILE        YAML (.yaml/.yml) or Livy livy.conf file; may be repeated\n"
    "  --host ADDR          listen address (server.host)\n"
    "  --port N             listen port, 0 for any free one (server.port)\n"
    "  --data-dir DIR       store and logs (store.data-dir)\n"
    "  --spark-home DIR     Spark distribution (spark.home)\n"
    "  --set KEY=VALUE      any configuration key (see docs/configuration.md)\n"
    "  --port-file FILE     write the bound port here once listening\n"
    "  --version, --help\n";

livy::Status parse_flags(int argc, char** argv, Flags& flags, std::vector<std::string>& warnings) {
  // Files first so that flags override them whatever the order on the line.
  for (int i = 1; i + 1 < argc; ++i) {
    const bool takes_value = std::strcmp(argv[i], "--help") != 0 && std::strcmp(argv[i], "-h") != 0 &&
                             std::strcmp(argv[i], "--version") != 0;
    if (std::strcmp(argv[i], "--config") == 0) {
      livy::Status st = livy::load_config_file(argv[i + 1], flags.config, &warnings);
      if (!st) return st;
    }
    if (takes_value) ++i;
  }
  const struct {
    const char* flag;
    const char* key;
  } kShortcuts[] = {{"--host", "server.host"},
                    {"--port", "server.port"},
                    {"--data-dir", "store.data-dir"},
                    {"--spark-home", "spark.home"}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      continue;
    }
    if (arg == "--version") {
      flags.version = true;
      continue;
    }
    if (i + 1 >= argc) return livy::Status::invalid_argument("missing value after " + arg);
    const std::string value = argv[++i];
    if (arg == "--config") continue;
    if (arg == "--port-file") {
      flags.port_file = value;
      continue;
    }
    if (arg == "--set") {
      const auto eq = value.find('=');
      if (eq == std::string::npos) return livy::Status::invalid_argument("--set takes KEY=VALUE, got " + value);
      livy::Status st = livy::set_config_value(flags.config, value.substr(0, eq), value.substr(eq + 1));
      if (!st) return st;
      continue;
    }
    bool known = false;
    for (const auto& s : kShortcuts) {
      if (arg == s.flag) {
        livy::Status st = livy::set_config_value(flags.config, s.key, value);
        if (!st) return st;
        known = true;
      }
    }
    if (!known) return livy::Status::invalid_argument("unknown option " + arg);
  }
  return livy::Status::ok();
}

}  // namespace livyd
