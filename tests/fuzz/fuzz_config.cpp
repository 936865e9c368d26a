// libFuzzer target: the configuration readers (lib/model/config_text.h, what
// livy::load_config_file runs on a file's text) and livy::set_config_value.
// Every input is read as YAML and as livy.conf; its first byte also picks a key
// and the rest is set as that key's value.
// Checked, beyond "no crash, no sanitizer report, no exception escaping":
//  - a rejected file or value is invalid_argument with a message, and a rejected
//    value leaves the key as it was;
//  - every value a reader accepted reads back the same: get_config_value's text,
//    set on a fresh Config, gives the same text again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/config_text.h"
#include "fuzz_check.h"
#include "livy/config.h"

namespace {

using namespace livy;
using livy_fuzz::check_rejection;

void check_round_trip(const Config& config, const std::string& key) {
  const std::string text = get_config_value(config, key);
  Config fresh;
  FUZZ_CHECK(set_config_value(fresh, key, text).is_ok());
  FUZZ_CHECK(get_config_value(fresh, key) == text);
}

template <typename Parse>
void check_file(Parse parse, const std::string& text) {
  Config config;
  std::vector<std::string> warnings;
  const Status st = parse(text, "fuzz.conf", config, &warnings);
  if (!st) {
    check_rejection(st);
    FUZZ_CHECK(st.message().rfind("fuzz.conf:", 0) == 0);
    return;
  }
  for (const auto& w : warnings) FUZZ_CHECK(!w.empty());
  for (const auto& key : config_keys()) check_round_trip(config, key.name);
}

void check_set(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  const auto& keys = config_keys();
  const ConfigKey& key = keys[data[0] % keys.size()];
  // Half the time by the livy.conf name, when the key has one.
  const bool livy_name = (data[0] / keys.size()) % 2 == 1 && !key.livy_name.empty();
  const std::string value(reinterpret_cast<const char*>(data) + 1, size - 1);
  Config config;
  const std::string before = get_config_value(config, key.name);
  const Status st = set_config_value(config, livy_name ? key.livy_name : key.name, value);
  if (!st) {
    check_rejection(st);
    FUZZ_CHECK(get_config_value(config, key.name) == before);
    return;
  }
  check_round_trip(config, key.name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_file(parse_yaml_config, text);
  check_file(parse_livy_conf, text);
  check_set(data, size);
  return 0;
}
