// Whole results (livy.results.spill): the driver streams a statement's result in chunks
// before its `result`; they are written beside the session, with no session lock held
// (ResultSpool), and the statement's output then notes that the whole result exists.
#include <filesystem>

#include "model/id_or_name.h"
#include "sessions/session_core.h"
#include "wire/json_writer.h"

namespace livy {

namespace fs = std::filesystem;

// The additive MIME type of a statement output whose whole result was kept (docs/rest-api.md).
constexpr const char* kWholeResultMime = "application/vnd.livyd.result.v1+json";

std::string SessionCore::results_dir(const Entry& e) { return results_dir_of(e.rec.log_path); }

std::string SessionCore::results_dir_of(const std::string& log_path) {
  return (fs::path(log_path).parent_path() / "results").string();
}

void SessionCore::on_result_message(Entry& e, const DriverMessage& m) {
  std::string dir;
  std::shared_ptr<DriverConnection> driver;
  {
    MutexLock lock(e.mu);
    if (is_final(e.rec.state) || !e.driver) return;
    driver = e.driver;
    const bool known = m.statement_id < static_cast<std::int64_t>(e.statements.size()) &&
                       !is_final(e.statements[static_cast<std::size_t>(m.statement_id)].state);
    if (!known || !spills_results(e.request.resources.conf)) {
      // Not asked for, or for no running statement: the driver is told to stop sending.
      if (m.type == DriverMessage::Type::kResultRows) driver->send(result_ack_message(m.statement_id, m.result_seq, true));
      return;
    }
    dir = results_dir(e);
  }
  if (auto ack = results_.on_message(e.id, dir, m)) driver->send(*ack);
}

void SessionCore::note_whole_result(Entry& e, std::int64_t statement, std::optional<StatementOutput>& output) {
  if (!output || !output->ok) return;
  const auto meta = results_.finished(e.id, statement);
  if (!meta) return;
  wire::JsonWriter w;
  w.start_object();
  w.int64("rows", meta->rows);
  w.key("complete");
  w.boolean(meta->complete);
  if (!meta->complete) w.string("reason", meta->reason);
  w.string("href", "/sessions/" + std::to_string(e.id) + "/statements/" + std::to_string(statement) + "/result");
  w.end_object();
  output->data[kWholeResultMime] = w.text();
}

Result<std::string> SessionCore::result_dir(std::string_view session, std::int64_t id) {
  const EntryPtr e = lookup(session);
  if (e == nullptr) return not_found(session);
  MutexLock lock(e->mu);
  if (id < 0 || id >= static_cast<std::int64_t>(e->statements.size())) {
    return Status::not_found("Statement '" + std::to_string(id) + "' not found.");
  }
  return results_dir(*e) + "/" + std::to_string(id);
}

}  // namespace livy
