// The public faces of SessionCore.
#include "livy/session_manager.h"

#include "core/session_core.h"

namespace livy {

SessionManager::SessionManager(std::shared_ptr<SessionCore> core) : core_(std::move(core)) {}
SessionManager::~SessionManager() = default;

Result<Session> SessionManager::create(const SessionRequest& request, const std::optional<std::string>& owner) {
  return core_->create(request, owner);
}
Result<Session> SessionManager::get(std::string_view id_or_name) const { return core_->get(id_or_name); }
Result<Page<Session>> SessionManager::list(std::int64_t from, std::int64_t size) const {
  return core_->list(from, size);
}
Result<LogPage> SessionManager::log(std::string_view id_or_name, std::optional<std::int64_t> from,
                                    std::int64_t size) const {
  return core_->log(id_or_name, from, size);
}
Result<Session> SessionManager::touch(std::string_view id_or_name) { return core_->touch(id_or_name); }
Status SessionManager::stop(std::string_view id_or_name) { return core_->stop_session(id_or_name, false); }
Status SessionManager::remove(std::string_view id_or_name) { return core_->stop_session(id_or_name, true); }
Status SessionManager::interrupt(std::string_view id_or_name) { return core_->interrupt(id_or_name); }
Result<Session> SessionManager::wait_ready(std::string_view id_or_name, std::chrono::milliseconds timeout) const {
  return core_->wait_ready(id_or_name, timeout);
}

StatementRunner::StatementRunner(std::shared_ptr<SessionCore> core) : core_(std::move(core)) {}
StatementRunner::~StatementRunner() = default;

Result<Statement> StatementRunner::submit(std::string_view session, const StatementRequest& request) {
  return core_->submit(session, request);
}
Result<Statement> StatementRunner::get(std::string_view session, std::int64_t statement_id,
                                       std::chrono::milliseconds wait) const {
  return core_->statement(session, statement_id, wait);
}
Result<Page<Statement>> StatementRunner::list(std::string_view session, std::int64_t from, std::int64_t size,
                                              bool descending) const {
  return core_->statements(session, from, size, descending);
}
Status StatementRunner::cancel(std::string_view session, std::int64_t statement_id) {
  return core_->cancel(session, statement_id);
}
Result<std::vector<std::string>> StatementRunner::complete(std::string_view session, const std::string& code,
                                                           std::optional<SessionKind> kind, std::int64_t cursor) {
  return core_->complete(session, code, kind, cursor);
}
Result<Statement> StatementRunner::run(std::string_view session, const StatementRequest& request,
                                       std::chrono::milliseconds timeout) {
  auto st = core_->submit(session, request);
  if (!st) return st;
  return core_->statement(session, st->id, timeout);
}

}  // namespace livy
