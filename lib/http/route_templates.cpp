#include "http/route_templates.h"

#include <algorithm>

namespace livy::http {
namespace {

// The non-empty segments of `path`, at most `limit` + 1 of them (one more says "too many").
std::vector<std::string_view> segments_of(std::string_view path, std::size_t limit) {
  std::vector<std::string_view> out;
  while (!path.empty() && out.size() <= limit) {
    const std::size_t slash = path.find('/');
    if (slash != 0) out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// A template segment against a path segment: a literal is equal; "prefix{x}" takes any
// segment that starts with the prefix and has at least one more character.
bool segment_matches(std::string_view pattern, std::string_view segment) {
  const std::size_t brace = pattern.find('{');
  if (brace == std::string_view::npos) return pattern == segment;
  return segment.size() > brace && segment.substr(0, brace) == pattern.substr(0, brace);
}

}  // namespace

RouteTemplates::RouteTemplates(const std::vector<std::string>& templates) {
  for (const std::string& text : templates) {
    Template t;
    t.text = text;
    for (const std::string_view s : segments_of(text, text.size())) {
      t.segments.emplace_back(s);
      if (s.find('{') == std::string_view::npos) ++t.literals;
    }
    max_segments_ = std::max(max_segments_, t.segments.size());
    templates_.push_back(std::move(t));
  }
}

std::vector<std::string> RouteTemplates::from_openapi(std::string_view yaml) {
  std::vector<std::string> out;
  bool in_paths = false;
  while (!yaml.empty()) {
    const std::size_t end = yaml.find('\n');
    std::string_view line = yaml.substr(0, end);
    yaml.remove_prefix(end == std::string_view::npos ? yaml.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line[0] != ' ' && line[0] != '#') {
      in_paths = line == "paths:";
      continue;
    }
    if (!in_paths || !line.starts_with("  ") || line.size() < 4) continue;
    std::string_view key = line.substr(2);
    if (key[0] == '\'' || key[0] == '"') {  // a quoted key: '/a/{b}':
      const std::size_t close = key.find(key[0], 1);
      if (close == std::string_view::npos) continue;
      key = key.substr(1, close - 1);
    } else {
      const std::size_t colon = key.rfind(':');
      if (colon == std::string_view::npos) continue;
      key = key.substr(0, colon);
    }
    if (key.starts_with('/')) out.emplace_back(key);
  }
  return out;
}

std::string_view RouteTemplates::match(std::string_view path) const {
  if (!path.starts_with('/')) return kOther;
  const auto segments = segments_of(path, max_segments_);
  const Template* best = nullptr;
  for (const Template& t : templates_) {
    if (t.segments.size() != segments.size()) continue;
    bool all = true;
    for (std::size_t i = 0; all && i < segments.size(); ++i) all = segment_matches(t.segments[i], segments[i]);
    if (all && (best == nullptr || t.literals > best->literals)) best = &t;
  }
  return best ? std::string_view(best->text) : kOther;
}

}  // namespace livy::http
