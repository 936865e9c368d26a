// Paging over the lines a LogTail keeps, with Livy's /log semantics.
#pragma once

#include <algorithm>
#include <optional>

#include "process/log_tail.h"
#include "livy/batch.h"

namespace livy {

// Without `from`: the last `size` lines; size < 0: all lines from `from`.
inline LogPage page_of(const LogTail& tail, std::int64_t id, std::optional<std::int64_t> from, std::int64_t size) {
  const auto& lines = tail.lines();
  const auto total = static_cast<std::int64_t>(lines.size());
  LogPage page;
  page.id = id;
  page.total = total;
  page.from = from ? *from : (size < 0 ? 0 : std::max<std::int64_t>(0, total - size));
  // Compared before adding: from + size may not fit in an int64.
  const std::int64_t end = (size < 0 || size >= total - page.from) ? total : page.from + size;
  for (std::int64_t i = page.from; i < end; ++i) page.lines.push_back(lines[static_cast<std::size_t>(i)]);
  return page;
}

}  // namespace livy
