// Paging over the live table of a manager, with Livy's from/size semantics.
#pragma once

#include <cstdint>

#include "livy/batch.h"
#include "livy/status.h"

namespace livy {

// The entries from index `from` on, at most `size` of them, each converted;
// `total` counts all entries.
template <typename T, typename Map, typename Convert>
Result<Page<T>> page_of_entries(const Map& entries, std::int64_t from, std::int64_t size, Convert convert) {
  if (from < 0 || size < 0) return Status::invalid_argument("from and size must not be negative");
  Page<T> page;
  page.from = from;
  page.total = static_cast<std::int64_t>(entries.size());
  std::int64_t index = 0;
  for (const auto& [id, entry] : entries) {
    if (index >= from && index - from < size) page.items.push_back(convert(entry));
    ++index;
  }
  return page;
}

}  // namespace livy
