#include "runtime/runtime_metrics.h"

#include <string>

#include "metrics/process_stats.h"

namespace livy {
namespace {

using metrics::FamilySnapshot;
using metrics::MetricType;
using metrics::Series;

constexpr SessionState kSessionStates[] = {
    SessionState::kNotStarted, SessionState::kStarting,     SessionState::kRecovering, SessionState::kIdle,
    SessionState::kBusy,       SessionState::kShuttingDown, SessionState::kError,      SessionState::kDead,
    SessionState::kKilled,     SessionState::kSuccess};
constexpr BatchState kBatchStates[] = {BatchState::kNotStarted, BatchState::kStarting, BatchState::kRunning,
                                       BatchState::kSuccess,    BatchState::kDead,     BatchState::kKilled,
                                       BatchState::kError};
constexpr StatementState kStatementStates[] = {StatementState::kWaiting,    StatementState::kRunning,
                                               StatementState::kAvailable,  StatementState::kError,
                                               StatementState::kCancelling, StatementState::kCancelled};
constexpr SessionKind kStatementKinds[] = {SessionKind::kSpark, SessionKind::kPySpark, SessionKind::kSparkR,
                                           SessionKind::kSql};

template <typename Key>
double count_of(const std::map<Key, std::int64_t>& counts, const Key& key) {
  const auto it = counts.find(key);
  return it == counts.end() ? 0 : static_cast<double>(it->second);
}

// Every state is a series, 0 or not, so a state's series never vanishes between scrapes.
template <typename State, std::size_t N>
FamilySnapshot by_state(const char* name, const char* help, const State (&states)[N],
                        const std::map<State, std::int64_t>& counts) {
  FamilySnapshot f{name, help, MetricType::kGauge, {}};
  for (const State state : states) {
    f.series.push_back(Series{{{"state", std::string(to_string(state))}}, count_of(counts, state), {}});
  }
  return f;
}

void add_counter(std::vector<FamilySnapshot>& out, const char* name, const char* help, metrics::Labels labels,
                 std::uint64_t value) {
  if (out.empty() || out.back().name != name) out.push_back(FamilySnapshot{name, help, MetricType::kCounter, {}});
  out.back().series.push_back(Series{std::move(labels), static_cast<double>(value), {}});
}

void add_channel(std::vector<FamilySnapshot>& out, const DriverListener::Stats& s) {
  add_counter(out, "livyd_driver_channel_connections_total",
              "TCP connections accepted on the driver channel (drivers, and anything else that connects).", {},
              s.connections);
  const char* errors = "livyd_driver_protocol_errors_total";
  const char* help =
      "Connections to the driver channel closed, or lines dropped, for breaking the driver protocol, by reason.";
  add_counter(out, errors, help, {{"reason", "refused_hello"}}, s.refused);
  add_counter(out, errors, help, {{"reason", "hello_too_long"}}, s.pending.too_long);
  add_counter(out, errors, help, {{"reason", "hello_timeout"}}, s.pending.timed_out);
  add_counter(out, errors, help, {{"reason", "tls_failed"}}, s.pending.tls_failed);
  add_counter(out, errors, help, {{"reason", "unreadable_message"}}, s.unreadable);
  add_counter(out, errors, help, {{"reason", "message_too_long"}}, s.too_long);
  out.push_back(FamilySnapshot{"livyd_driver_connections",
                               "Session drivers connected to the driver channel now.",
                               MetricType::kGauge,
                               {Series{{}, static_cast<double>(s.drivers), {}}}});
}

}  // namespace

void add_runtime_collectors(metrics::Registry& registry, SessionCore& sessions, BatchManager::Impl& batches) {
  registry.add_collector([&sessions, &batches](std::vector<FamilySnapshot>& out) {
    const SessionCore::Census census = sessions.census();
    out.push_back(by_state("livyd_sessions",
                           "Interactive sessions livyd holds, by state (finished ones until sessions.state-retain).",
                           kSessionStates, census.sessions));
    FamilySnapshot statements{
        "livyd_statements", "Statements of the sessions livyd holds, by state and kind.", MetricType::kGauge, {}};
    for (const StatementState state : kStatementStates) {
      for (const SessionKind kind : kStatementKinds) {
        statements.series.push_back(
            Series{{{"state", std::string(to_string(state))}, {"kind", std::string(to_string(kind))}},
                   count_of(census.statements, std::pair(state, kind)),
                   {}});
      }
    }
    out.push_back(std::move(statements));
    out.push_back(by_state("livyd_batches",
                           "Batches livyd holds, by state (finished ones until sessions.state-retain).", kBatchStates,
                           batches.count_by_state()));
    if (const auto channel = sessions.channel_stats()) add_channel(out, *channel);
    metrics::append_process_families(metrics::ProcessStats::read(), out);
  });
}

}  // namespace livy
