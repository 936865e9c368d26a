// The opt-in to statements in parallel in one session: the conf key livy.statements.parallel.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "livy/status.h"

namespace livy {

// How many statements of the session may run at once (each on a thread of its driver, in a
// namespace of its own or in a named REPL). livyd's own key: it is taken out of the conf
// before spark-submit sees it. Without it, 1: Livy's one statement at a time.
inline constexpr std::string_view kStatementParallelConf = "livy.statements.parallel";

// statements.max-parallel's own limit.
inline constexpr int kMaxStatementParallel = 256;

// The session's parallelism from its conf: 1 without the key. An error (naming the key and
// statements.max-parallel) when it is not an integer from 1 to `max`.
Result<int> statement_parallelism(const std::map<std::string, std::string>& conf, int max);

// What spark-submit gets for a session of `parallel` statements at once: the conf without
// livy.statements.parallel and, above 1, the driver's spark.livy.driver.parallel and Spark's
// fair scheduler (spark.scheduler.mode FAIR, unless the request chose a mode), so that one
// statement's jobs do not wait behind another's.
std::map<std::string, std::string> parallel_launch_conf(std::map<std::string, std::string> conf, int parallel);

}  // namespace livy
