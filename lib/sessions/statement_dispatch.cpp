#include "sessions/statement_dispatch.h"

namespace livy {

namespace {

constexpr std::size_t kMaxReplName = 64;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

}  // namespace

Result<std::optional<std::string>> named_repl(std::string_view code) {
  std::string_view line = code.substr(0, code.find('\n'));
  while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
  while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
  constexpr std::string_view kMagic = "%repl";
  if (!line.starts_with(kMagic)) return std::optional<std::string>();
  std::string_view name = line.substr(kMagic.size());
  if (!name.empty() && !is_space(name.front())) return std::optional<std::string>();  // %replay: another magic
  while (!name.empty() && is_space(name.front())) name.remove_prefix(1);
  bool valid = !name.empty() && name.size() <= kMaxReplName;
  for (const char c : name) valid = valid && is_name_char(c);
  if (!valid) {
    return Status::invalid_argument("code: %repl needs a name of 1 to 64 letters, digits, '_', '.' or '-' on the "
                                    "first line (%repl NAME)");
  }
  return std::optional<std::string>(std::string(name));
}

std::string statement_lane(std::string_view code, std::optional<SessionKind> kind) {
  if (kind == SessionKind::kSpark) return "kind:spark";
  if (kind == SessionKind::kSparkR) return "kind:sparkr";
  auto name = named_repl(code);
  if (name && *name) return "repl:" + **name;
  return "";
}

std::vector<std::int64_t> statements_to_send(const std::deque<std::int64_t>& queue,
                                             const std::set<std::int64_t>& running, int parallel,
                                             const std::function<std::string(std::int64_t)>& lane_of) {
  std::vector<std::int64_t> out;
  if (parallel <= 1) {
    if (running.empty() && !queue.empty()) out.push_back(queue.front());
    return out;
  }
  std::set<std::string> taken;  // lanes with a statement in flight, or an earlier one waiting
  for (const std::int64_t id : running) {
    if (std::string lane = lane_of(id); !lane.empty()) taken.insert(std::move(lane));
  }
  for (const std::int64_t id : queue) {
    if (running.size() + out.size() >= static_cast<std::size_t>(parallel)) break;
    std::string lane = lane_of(id);
    if (lane.empty()) {
      out.push_back(id);
    } else if (taken.insert(std::move(lane)).second) {
      out.push_back(id);
    }
  }
  return out;
}

}  // namespace livy
