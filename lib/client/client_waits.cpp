// livy::Client's waiting calls: polls (and long-polls) until a state is reached.
#include <algorithm>
#include <thread>

#include "client/client_impl.h"
#include "base/text_values.h"
#include "livy/client.h"

namespace livy {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds until(Clock::time_point deadline) {
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

}  // namespace

Result<Session> Client::wait_session_idle(const Ref& session, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto current = get_session(session);
    if (!current || current->state == SessionState::kIdle) return current;
    const std::string name = "session " + session.text();
    if (is_final(current->state)) {
      std::string msg = name + " ended " + std::string(to_string(current->state));
      if (!current->log.empty()) msg += "; last log line: " + current->log.back();
      return Status::conflict(std::move(msg));
    }
    const milliseconds left = until(deadline);
    if (left == milliseconds(0)) {
      return Status::unavailable(name + " is still " + std::string(to_string(current->state)) + " after " +
                                 format_duration(timeout));
    }
    std::this_thread::sleep_for(std::min(impl_->options.poll_interval, left));
  }
}

Result<Statement> Client::run(const Ref& session, const std::string& code, std::optional<SessionKind> kind,
                              milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto statement = submit_statement(session, StatementRequest{code, kind});
  while (statement && !is_final(statement->state)) {
    const milliseconds left = until(deadline);
    if (left == milliseconds(0)) {
      return Status::unavailable("statement " + std::to_string(statement->id) + " of session " + session.text() +
                                 " is still " + std::string(to_string(statement->state)) + " after " +
                                 format_duration(timeout));
    }
    const auto wait = std::min(impl_->options.long_poll, std::chrono::duration_cast<std::chrono::seconds>(left));
    const auto asked = Clock::now();
    statement = get_statement(session, statement->id,
                              wait.count() > 0 ? std::optional<std::chrono::seconds>(wait) : std::nullopt);
    if (!statement || is_final(statement->state)) break;
    // A server that long-polls answers a statement that is not final only
    // once the wait is over; an earlier answer means it ignored `wait`.
    if (Clock::now() - asked < wait / 2 || wait.count() == 0) {
      std::this_thread::sleep_for(std::min(impl_->options.poll_interval, until(deadline)));
    }
  }
  return statement;
}

}  // namespace livy
