// Which waiting statements of a session go to its driver now. Livy's rule, and every
// session's by default: one at a time, in order. A session that opted in with
// livy.statements.parallel (model/statement_parallelism.h) has up to that many in flight,
// each on a driver thread of its own; statements of one lane (a named REPL, or the one
// Scala or R interpreter) still run one at a time, in order. Pure functions: SessionCore
// calls them under the session's lock.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "livy/session.h"
#include "livy/status.h"

namespace livy {

// The REPL a statement names with a first line `%repl NAME` (NAME: 1 to 64 letters, digits,
// '_', '.' or '-'): nullopt without such a line, an error for a `%repl` line with a bad name.
// The driver reads the same line the same way (livy_parallel.py) and leaves it out of the code.
Result<std::optional<std::string>> named_repl(std::string_view code);

// The lane of a statement in a parallel session: "repl:NAME" for a named REPL, "kind:spark"
// or "kind:sparkr" for the session's one Scala or R interpreter, "" for a statement of its
// own (pyspark or sql without %repl: a fresh namespace, free to run beside any other).
std::string statement_lane(std::string_view code, std::optional<SessionKind> kind);

// The statements of `queue` (waiting ids, in order) to send now, in that order, given those
// in flight (`running`) and the session's `parallel`: with 1, the first waiting one once
// none is in flight (Livy's behaviour); above 1, in queue order as long as fewer than
// `parallel` are in flight, skipping one whose lane has a statement in flight or an earlier
// one waiting (so a lane keeps its order).
std::vector<std::int64_t> statements_to_send(const std::deque<std::int64_t>& queue,
                                             const std::set<std::int64_t>& running, int parallel,
                                             const std::function<std::string(std::int64_t)>& lane_of);

}  // namespace livy
