// GET /sessions and /batches: Livy's from/size, and livyd's optional filters and order
// (docs/rest-api.md#filters-and-order-livyd). Livy has only from and size; its clients send
// nothing else and get Livy's pages.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "livy/batch.h"
#include "livy/status.h"

namespace livy::http {

struct ListQuery {
  std::int64_t from = 0;
  std::int64_t size = 100;
  bool newest_first = false;              // order=desc: `from` counts from the newest
  std::vector<std::string> states;        // state=a,b: in any of these; empty: every state
  std::optional<std::string> owner;       // owner=x
  std::optional<std::string> proxy_user;  // proxyUser=x
  std::vector<std::string> kinds;         // kind=a,b (sessions); empty: every kind

  bool filters() const { return !states.empty() || owner || proxy_user || !kinds.empty(); }
  // Whether an item with these fields passes the filters.
  bool keeps(std::string_view state, const std::optional<std::string>& item_owner,
             const std::optional<std::string>& item_proxy_user, std::string_view kind) const;
};

// Reads from, size, order, state, owner, proxyUser and (when `kind_names` is not empty) kind.
// A state or kind not among the names given is a 400 that names it.
Result<ListQuery> list_query(const httplib::Request& req, std::span<const std::string_view> state_names,
                             std::span<const std::string_view> kind_names);

// Access control (auth/access.h) for the request this thread is handling (routes.cpp).
// The caller may see a session's or batch's log (Livy leaves it out of GET /sessions/{id} otherwise).
bool caller_may_view(const std::optional<std::string>& owner, const std::optional<std::string>& proxy_user);
// The caller may view every session and batch, so lists need no filtering.
bool caller_views_all();

// One page of what the caller may view and `keep` accepts, paged after filtering, so that `from`
// and `total` count what the caller sees. `list(from, size)` is the manager's list (oldest first).
// Without filters, a caller who views all gets the manager's page as is (newest first: the
// manager's page at the other end, reversed), converting only its items; otherwise every item
// is converted and looked at, in one snapshot under the manager's lock.
template <typename T, typename List, typename Keep>
Result<Page<T>> query_page(const List& list, const ListQuery& q, const Keep& keep) {
  if (q.from < 0 || q.size < 0) return Status::invalid_argument("from and size must not be negative");
  if (!q.filters() && caller_views_all()) {
    if (!q.newest_first) return list(q.from, q.size);
    // Two snapshots: a batch added or dropped between them shifts this page by one.
    auto count = list(0, 0);
    if (!count) return count.status();
    const std::int64_t end = count->total - std::min(q.from, count->total);  // exclusive, oldest first
    const std::int64_t begin = end - std::min(q.size, end);
    auto page = list(begin, end - begin);
    if (!page) return page.status();
    std::reverse(page->items.begin(), page->items.end());
    page->from = q.from;
    return page;
  }
  auto all = list(0, std::numeric_limits<std::int64_t>::max());
  if (!all) return all.status();
  if (q.newest_first) std::reverse(all->items.begin(), all->items.end());
  Page<T> out;
  out.from = q.from;
  for (auto& item : all->items) {
    if (!keep(item) || !caller_may_view(item.owner, item.proxy_user)) continue;
    if (out.total >= q.from && out.total - q.from < q.size) out.items.push_back(std::move(item));
    ++out.total;
  }
  return out;
}

}  // namespace livy::http
