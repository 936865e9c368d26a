// The public faces of SessionCore.
#include "livy/session_manager.h"

#include "sessions/session_core.h"
#include "store/request_record.h"

namespace livy {

SessionManager::SessionManager(std::shared_ptr<SessionCore> core) : core_(std::move(core)) {}
SessionManager::~SessionManager() = default;

Result<Session> SessionManager::create(const SessionRequest& request, const std::optional<std::string>& owner) {
  return core_->create(request, owner);
}
Result<Once<Session>> SessionManager::create_once(std::string_view key, const SessionRequest& request,
                                                 const std::optional<std::string>& owner) {
  if (!core_->once) return Status::unavailable("idempotent creates are not set up in this runtime");
  std::optional<Session> made;
  const auto outcome = core_->once->run(owner, key, "session", record::encode_session_request(request),
                                        [&](const IdempotencyRecord& key) -> Result<std::int64_t> {
                                          auto session = core_->create(request, owner, &key);
                                          if (!session) return session.status();
                                          made = std::move(*session);
                                          return made->id;
                                        });
  if (!outcome) return outcome.status();
  if (made) return Once<Session>{std::move(*made), false};
  auto first = core_->get(std::to_string(outcome->id));
  if (!first) {
    return Status::conflict("session " + std::to_string(outcome->id) +
                            ", created with this idempotency key, no longer exists; use a new key");
  }
  return Once<Session>{std::move(*first), true};
}
Result<Session> SessionManager::get(const Ref& ref) const { return core_->get(ref.text()); }
Result<Page<Session>> SessionManager::list(std::int64_t from, std::int64_t size) const {
  return core_->list(from, size);
}
Result<LogPage> SessionManager::log(const Ref& ref, std::optional<std::int64_t> from,
                                    std::int64_t size) const {
  return core_->log(ref.text(), from, size);
}
Result<Session> SessionManager::heartbeat(const Ref& ref) { return core_->touch(ref.text(), false); }
Result<Session> SessionManager::touch(const Ref& ref) { return core_->touch(ref.text(), true); }
Status SessionManager::stop(const Ref& ref) { return core_->stop_session(ref.text(), false); }
Status SessionManager::remove(const Ref& ref) {
  Status st = core_->stop_session(ref.text(), true);
  core_->sweep_results();  // its whole results' files, removed with no lock held
  return st;
}
Status SessionManager::interrupt(const Ref& ref) { return core_->interrupt(ref.text()); }
Result<Session> SessionManager::wait_ready(const Ref& ref, std::chrono::milliseconds timeout) const {
  return core_->wait_ready(ref.text(), timeout);
}
Result<ConnectInfo> SessionManager::connect_info(const Ref& ref) const { return core_->connect_info(ref.text()); }

StatementRunner::StatementRunner(std::shared_ptr<SessionCore> core) : core_(std::move(core)) {}
StatementRunner::~StatementRunner() = default;

Result<Statement> StatementRunner::submit(const Ref& session, const StatementRequest& request) {
  return core_->submit(session.text(), request);
}
Result<Statement> StatementRunner::get(const Ref& session, std::int64_t statement_id,
                                       std::chrono::milliseconds wait) const {
  return core_->statement(session.text(), statement_id, wait);
}
Result<Page<Statement>> StatementRunner::list(const Ref& session, std::int64_t from, std::int64_t size,
                                              bool descending) const {
  return core_->statements(session.text(), from, size, descending);
}
Status StatementRunner::cancel(const Ref& session, std::int64_t statement_id) {
  return core_->cancel(session.text(), statement_id);
}
Result<std::vector<std::string>> StatementRunner::complete(const Ref& session, const std::string& code,
                                                           std::optional<SessionKind> kind, std::int64_t cursor) {
  return core_->complete(session.text(), code, kind, cursor);
}
Result<std::string> StatementRunner::result_location(const Ref& session, std::int64_t statement_id) const {
  return core_->result_dir(session.text(), statement_id);
}
Result<Statement> StatementRunner::run(const Ref& session, const StatementRequest& request,
                                       std::chrono::milliseconds timeout) {
  auto st = core_->submit(session.text(), request);
  if (!st) return st;
  return core_->statement(session.text(), st->id, timeout);
}

}  // namespace livy
