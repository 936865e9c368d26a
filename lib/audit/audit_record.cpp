// The table of audited requests.
#include "audit/audit_record.h"

#include <vector>

namespace livy::audit {
namespace {

// "/sessions//3/statements/" -> {"sessions", "3", "statements"}: empty segments dropped, as the
// routes accept doubled and trailing slashes. Compared by hand: no regex over a client's path.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  const std::size_t query = path.find('?');
  if (query != std::string_view::npos) path = path.substr(0, query);
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    if (slash != 0) out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// The last segment of a 201's Location ("/sessions/3/statements/4" -> "4").
std::optional<std::string> created_id(std::string_view location) {
  const auto parts = segments(location);
  if (parts.empty()) return std::nullopt;
  return std::string(parts.back());
}

}  // namespace

std::optional<Action> classify(std::string_view method, std::string_view path, std::string_view location) {
  const auto p = segments(path);
  if (p.empty() || (p[0] != "sessions" && p[0] != "batches")) return std::nullopt;
  const bool sessions = p[0] == "sessions";
  const std::string what = sessions ? "session" : "batch";
  if (method == "POST" && p.size() == 1) return Action{"create", what, created_id(location), std::nullopt};
  if (p.size() < 2) return std::nullopt;
  const std::string ref(p[1]);
  if (method == "DELETE" && p.size() == 2) return Action{"delete", what, ref, std::nullopt};
  if (method != "POST" || !sessions) return std::nullopt;
  if (p.size() == 3) {
    const std::string_view verb = p[2];
    if (verb == "statements") return Action{"submit", "statement", created_id(location), ref};
    if (verb == "submit-job" || verb == "run-job") return Action{"submit", "job", created_id(location), ref};
    if (verb == "stop" || verb == "interrupt") return Action{std::string(verb), "session", ref, std::nullopt};
    for (const std::string_view kind : {"jar", "pyfile", "file"}) {
      if (verb.size() == 7 + kind.size() && verb.starts_with("upload-") && verb.ends_with(kind)) {
        return Action{"upload", std::string(kind), std::nullopt, ref};
      }
      if (verb.size() == 4 + kind.size() && verb.starts_with("add-") && verb.ends_with(kind)) {
        return Action{"add", std::string(kind), std::nullopt, ref};
      }
    }
    return std::nullopt;
  }
  if (p.size() == 5 && p[4] == "cancel" && (p[2] == "statements" || p[2] == "jobs")) {
    return Action{"cancel", p[2] == "statements" ? "statement" : "job", std::string(p[3]), ref};
  }
  return std::nullopt;
}

}  // namespace livy::audit
