// The two configuration formats read from text in memory: what load_config_file
// does after reading the file. Internal; the fuzz target tests/fuzz/fuzz_config.cpp uses it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "livy/config.h"

namespace livy {

// YAML: nested mappings become dotted keys, sequences comma-separated lists.
// `origin` (a path) starts every error message. Never throws.
Status parse_yaml_config(const std::string& text, const std::string& origin, Config& config,
                         std::vector<std::string>* warnings);

// Livy's `key = value` lines (also `key: value`, `key value`, `#` and `!`
// comments). Errors read "origin:line: message".
Status parse_livy_conf(std::string_view text, const std::string& origin, Config& config,
                       std::vector<std::string>* warnings);

}  // namespace livy
