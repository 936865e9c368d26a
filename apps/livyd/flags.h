// livyd's command line: files and overrides applied on top of the defaults.
#pragma once

#include <string>
#include <vector>

#include "livy/config.h"

namespace livyd {

struct Flags {
  livy::Config config;
  std::string port_file;  // --port-file: where to write the bound port
  bool help = false;
  bool version = false;
};

// Applies --config files first, then the other flags in order. Fills
// `warnings` with unknown configuration keys.
livy::Status parse_flags(int argc, char** argv, Flags& flags, std::vector<std::string>& warnings);

extern const char* const kUsage;

}  // namespace livyd
