// SessionManager and StatementRunner: interactive Spark sessions and the code run in them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livy/connect_info.h"
#include "livy/once.h"
#include "livy/session.h"
#include "livy/ref.h"
#include "livy/status.h"
#include "livy/export.h"

namespace livy {

class Runtime;
struct SessionCore;

// Starts and stops interactive sessions: one spark-submit of livyd's driver
// each, which connects back to the runtime. Owned by a Runtime
// (Runtime::sessions()); thread-safe. A session is named by id or name.
class LIVY_API SessionManager {
 public:
  ~SessionManager();
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  // Stores and starts the session; returns it in state `starting`.
  Result<Session> create(const SessionRequest& request, const std::optional<std::string>& owner = std::nullopt);
  // create(), at most once per idempotency key (docs/rest-api.md, "Idempotent create"): a later
  // call by the same owner with the same key and an equal request, within
  // requests.idempotency-retention and also after a restart, returns the first session with
  // `replayed` set. The key with another request is a conflict; a bad key (empty, longer than
  // requests.idempotency-max-key-bytes, not printable ASCII) is invalid_argument.
  Result<Once<Session>> create_once(std::string_view key, const SessionRequest& request,
                                    const std::optional<std::string>& owner = std::nullopt);
  Result<Session> get(const Ref& ref) const;
  Result<Page<Session>> list(std::int64_t from = 0, std::int64_t size = 100) const;
  Result<LogPage> log(const Ref& ref, std::optional<std::int64_t> from, std::int64_t size = 100) const;

  // A client looked at the session: renews its heartbeat (GET /sessions/{id} does this).
  Result<Session> heartbeat(const Ref& ref);
  // Client activity (POST /connect): renews the heartbeat, the idle timeout and the TTL.
  Result<Session> touch(const Ref& ref);
  // Stops the driver; the session ends `killed` and stays listed.
  Status stop(const Ref& ref);
  // Stops the driver if needed and forgets the session.
  Status remove(const Ref& ref);
  // Cancels the running statement, if any.
  Status interrupt(const Ref& ref);

  // Blocks until the session is idle (or final), or the timeout passes; returns it either way.
  Result<Session> wait_ready(const Ref& ref, std::chrono::milliseconds timeout) const;

  // Where the session's driver serves Spark Connect (a session created with the conf
  // livy.connect.enabled=true, once idle). invalid_argument when it was not asked for; conflict
  // while the session is not ready, or after it ended.
  Result<ConnectInfo> connect_info(const Ref& ref) const;

 private:
  friend class Runtime;
  explicit SessionManager(std::shared_ptr<SessionCore> core);
  std::shared_ptr<SessionCore> core_;
};

// Runs statements in sessions, one at a time per session, in order.
// Owned by a Runtime (Runtime::statements()); thread-safe.
class LIVY_API StatementRunner {
 public:
  ~StatementRunner();
  StatementRunner(const StatementRunner&) = delete;
  StatementRunner& operator=(const StatementRunner&) = delete;

  // Queues the code; returns the statement in state `waiting`.
  Result<Statement> submit(const Ref& session, const StatementRequest& request);
  // With `wait` > 0, blocks until the statement is final or the time passes.
  Result<Statement> get(const Ref& session, std::int64_t statement_id,
                        std::chrono::milliseconds wait = std::chrono::milliseconds(0)) const;
  // Statements of a session, oldest first (or newest first with `descending`).
  Result<Page<Statement>> list(const Ref& session, std::int64_t from = 0, std::int64_t size = 100,
                               bool descending = false) const;
  Status cancel(const Ref& session, std::int64_t statement_id);
  // Completion candidates for `code` at `cursor` (an offset in characters, as Livy's clients count).
  Result<std::vector<std::string>> complete(const Ref& session, const std::string& code,
                                            std::optional<SessionKind> kind, std::int64_t cursor);

  // livyd extension (docs/rest-api.md, "Whole results"): the directory where the statement's
  // whole result is kept when its session asked for it (livy.results.spill); it holds a
  // finished result once it has a meta.json. not_found for an unknown session or statement.
  Result<std::string> result_location(const Ref& session, std::int64_t statement_id) const;

  // Convenience: submit and wait until it is final; returns it either way.
  Result<Statement> run(const Ref& session, const StatementRequest& request, std::chrono::milliseconds timeout);

 private:
  friend class Runtime;
  explicit StatementRunner(std::shared_ptr<SessionCore> core);
  std::shared_ptr<SessionCore> core_;
};

}  // namespace livy
