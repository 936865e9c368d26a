// RouteTemplates: which route template a request path belongs to, for metrics labels.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace livy::http {

// Maps a path to the template of the route that serves it ("//sessions/7/statements/" ->
// "/sessions/{id}/statements"), matched as route() matches (route_util.h: repeated and
// trailing slashes allowed), so that a label never holds a raw path a client chose. A
// path no template matches is kOther. No regex: the path is split into segments once
// (stopping past the longest template) and compared with each template's, so the work is
// bounded by the number of templates times their length, whatever the path.
class RouteTemplates {
 public:
  static constexpr std::string_view kOther = "other";

  // Each template: "/"-separated segments, each a literal or a "{name}" that stands for
  // one non-empty segment (a literal prefix may come before it: "upload-{kind}").
  explicit RouteTemplates(const std::vector<std::string>& templates);
  // The paths of an OpenAPI document's `paths:` (the keys indented by two spaces under
  // it, as docs/openapi.yaml writes them): every route livyd serves is there (a test checks).
  static std::vector<std::string> from_openapi(std::string_view yaml);

  // The template `path` matches, the one with the most literal segments if several do; kOther if none.
  std::string_view match(std::string_view path) const;
  std::size_t size() const { return templates_.size(); }

 private:
  struct Template {
    std::string text;
    std::vector<std::string> segments;
    int literals = 0;
  };
  std::vector<Template> templates_;
  std::size_t max_segments_ = 0;
};

}  // namespace livy::http
