#include "http/list_query.h"

#include "base/text_values.h"

namespace livy::http {
namespace {

// "a,b" -> {"a", "b"}, each one of `names`; empty parts are skipped.
Result<std::vector<std::string>> names_param(const httplib::Request& req, const char* param,
                                             std::span<const std::string_view> names) {
  std::vector<std::string> out;
  if (!req.has_param(param)) return out;
  const std::string value = req.get_param_value(param);
  std::string_view text = value;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (part.empty()) continue;
    if (std::find(names.begin(), names.end(), part) == names.end()) {
      std::string known;
      for (const auto name : names) known += (known.empty() ? "" : ", ") + std::string(name);
      return Status::invalid_argument(std::string("query parameter '") + param + "': unknown value '" +
                                      std::string(part) + "' (one of " + known + ")");
    }
    out.emplace_back(part);
  }
  return out;
}

Result<std::int64_t> int_or(const httplib::Request& req, const char* param, std::int64_t fallback) {
  if (!req.has_param(param)) return fallback;
  const auto v = parse_int(req.get_param_value(param));
  if (!v) return Status::invalid_argument(std::string("query parameter '") + param + "' must be an integer");
  return *v;
}

bool has(const std::vector<std::string>& list, std::string_view value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool ListQuery::keeps(std::string_view state, const std::optional<std::string>& item_owner,
                      const std::optional<std::string>& item_proxy_user, std::string_view kind) const {
  return has(states, state) && has(kinds, kind) && (!owner || item_owner == owner) &&
         (!proxy_user || item_proxy_user == proxy_user);
}

Result<ListQuery> list_query(const httplib::Request& req, std::span<const std::string_view> state_names,
                             std::span<const std::string_view> kind_names) {
  ListQuery q;
  auto from = int_or(req, "from", 0);
  if (!from) return from.status();
  auto size = int_or(req, "size", 100);
  if (!size) return size.status();
  q.from = *from;
  q.size = *size;
  if (req.has_param("order")) {
    const std::string order = req.get_param_value("order");
    if (order != "asc" && order != "desc") return Status::invalid_argument("order must be asc or desc");
    q.newest_first = order == "desc";
  }
  auto states = names_param(req, "state", state_names);
  if (!states) return states.status();
  q.states = std::move(*states);
  if (!kind_names.empty()) {
    auto kinds = names_param(req, "kind", kind_names);
    if (!kinds) return kinds.status();
    q.kinds = std::move(*kinds);
  }
  if (req.has_param("owner")) q.owner = req.get_param_value("owner");
  if (req.has_param("proxyUser")) q.proxy_user = req.get_param_value("proxyUser");
  return q;
}

}  // namespace livy::http
