// docs/configuration.md's table of keys is held to the code: a key added to
// livy::config_keys() without a row, a row left for a key that is gone, or a
// Livy name or default that differs, fails here.
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "livy/config.h"
#include "support/temp_dir.h"

namespace {

struct Row {
  std::string livy_name;
  std::string default_text;
};

// The cells of a table row "| `a` | `b` | ... |", without the backticks.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::size_t at = 1;
  while (at < line.size()) {
    const std::size_t end = line.find(" | ", at);
    std::string cell = line.substr(at, end == std::string::npos ? std::string::npos : end - at);
    while (!cell.empty() && (cell.front() == ' ')) cell.erase(0, 1);
    while (!cell.empty() && (cell.back() == ' ' || cell.back() == '|')) cell.pop_back();
    out.push_back(cell);
    if (end == std::string::npos) break;
    at = end + 2;
  }
  return out;
}

std::string unquote(const std::string& cell) {
  std::string text = cell;
  if (text.size() >= 2 && text.front() == '`') text = text.substr(1, text.find('`', 1) - 1);
  // A table cell spells '|' as "\|" (a regex default).
  for (std::size_t at = text.find("\\|"); at != std::string::npos; at = text.find("\\|", at + 1)) text.erase(at, 1);
  return text;
}

// The rows of the "## Keys" section's table, by livyd name.
std::map<std::string, Row> documented_keys() {
  const std::string doc = livy_test::read_file(std::string(LIVY_SOURCE_DIR) + "/docs/configuration.md");
  const std::size_t start = doc.find("\n## Keys\n");
  REQUIRE(start != std::string::npos);
  const std::size_t end = doc.find("\n## ", start + 1);
  std::istringstream section(doc.substr(start, end - start));
  std::map<std::string, Row> rows;
  for (std::string line; std::getline(section, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    const auto c = cells(line);
    REQUIRE(c.size() >= 5);
    INFO(line.substr(0, 80));
    CHECK(rows.emplace(unquote(c[0]), Row{c[1] == "-" ? "" : unquote(c[1]), unquote(c[2])}).second);
  }
  return rows;
}

}  // namespace

TEST_CASE("docs/configuration.md documents every key, with its Livy name and default, and no other", "[config]") {
  const auto rows = documented_keys();
  std::map<std::string, const livy::ConfigKey*> keys;
  for (const auto& k : livy::config_keys()) keys[k.name] = &k;
  for (const auto& [name, key] : keys) {
    INFO(name);
    const auto row = rows.find(name);
    REQUIRE(row != rows.end());
    CHECK(row->second.livy_name == key->livy_name);
    // The table may spell a default more readably ("1048576" with "(1 MiB)" after it).
    CHECK(row->second.default_text.rfind(key->default_text, 0) == 0);
  }
  for (const auto& [name, row] : rows) {
    INFO(name);
    CHECK(keys.count(name) == 1);
  }
}
