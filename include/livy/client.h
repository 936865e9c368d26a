// livy::Client: a C++ client for the REST API of livyd or Apache Livy.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "livy/batch.h"
#include "livy/job.h"
#include "livy/once.h"
#include "livy/ref.h"
#include "livy/session.h"
#include "livy/status.h"
#include "livy/export.h"

namespace livy {

// User and password for HTTP Basic authentication (Livy's LDAP mode).
struct BasicAuth {
  std::string user;
  std::string password;
};

// How a Client talks to its server. Every field has a usable default.
struct ClientOptions {
  // Time to open the TCP (and TLS) connection. Default 10 s; a dead host
  // fails after this long.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // Longest wait for the server to take a request or answer it (per read or
  // write, not in total). Default 60 s: creates and deletes may be slow on a
  // busy cluster. A long-poll (get_statement with `wait`) adds its wait on top.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  // Headers sent with every request. Default: `X-Requested-By: livy`, which
  // Livy's CSRF protection requires on POST and DELETE and which every other
  // server ignores; an empty map sends none.
  std::map<std::string, std::string> headers{{"X-Requested-By", "livy"}};
  // HTTP Basic credentials; unset: none sent.
  std::optional<BasicAuth> basic_auth{};
  // For an https:// server: a PEM file of the CA certificates to trust (a
  // private CA, like the one that signed livyd's certificate). Empty: the
  // system's trust store. The certificate and the host name are always checked.
  std::string ca_cert_file;
  // Pause between two polls in wait_session_idle(), and in run() when the
  // server does not long-poll. Default 500 ms; shorter notices changes sooner
  // at the cost of more requests.
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(500)};
  // Longest single long-poll run() asks for (`?wait=N`, a livyd extension).
  // Default 10 s; 0 disables long-polling (plain polls only).
  std::chrono::seconds long_poll{std::chrono::seconds(10)};
};

// What GET /version reports.
struct ServerVersion {
  std::string version;                      // the Livy API level, like "0.9.0"
  std::optional<std::string> user;
  std::optional<std::string> revision;
  std::optional<std::string> branch;
  std::optional<std::string> date;
  std::optional<std::string> url;
  std::optional<std::string> livyd_version; // set by livyd only

  bool operator==(const ServerVersion&) const = default;
};

// A connection to one Livy-compatible server (livyd or Apache Livy).
//
//   livy::Client client("http://127.0.0.1:8998");
//   auto s = client.create_session({.kind = livy::SessionKind::kPySpark});
//   auto idle = client.wait_session_idle(s->id, std::chrono::minutes(2));
//   auto st = client.run(s->id, "1 + 1", std::nullopt, std::chrono::minutes(1));
//   if (st && st->output) std::puts(st->output->text().c_str());
//
// Every call is one or more blocking HTTP requests and returns the server's
// answer as the plain types of livy/batch.h and livy/session.h, or a Status:
// HTTP 400 (and other 4xx) -> invalid_argument, 401/403 -> forbidden,
// 404 -> not_found, 409 -> conflict, 413 -> too_large, 429 ->
// resource_exhausted, 408/502/503/504 and connection failures or timeouts ->
// unavailable, other 5xx -> internal, each with the server's message (its
// {"msg"}, a bare JSON string, or the raw body); a reply that is not what the
// API promises -> internal, naming the field.
//
// Sessions and batches are named by id or by name (a livy::Ref: `7` or
// "nightly-etl"), as in the REST paths; statements by their id.
//
// Thread-safe. The Client keeps one connection alive and calls from several
// threads take turns on it (a long-poll holds it while it waits): use one
// Client per thread to run requests in parallel.
class LIVY_API Client {
 public:
  // `base_url`: "http://host:port" or "https://host:port", optionally with a
  // path prefix ("https://gateway/livy"). A malformed URL is reported by
  // every call as invalid_argument.
  explicit Client(std::string base_url, ClientOptions options = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Result<ServerVersion> version();

  // Batches.
  Result<Batch> submit(const BatchRequest& request);
  // submit with an Idempotency-Key header (a livyd extension, docs/rest-api.md): a retry with
  // the same key and body, after a timeout or a lost reply, gets the batch the first call
  // created (`replayed`, HTTP 200) instead of starting a second one; the same key with another
  // body is a conflict (409). A server that does not know the header creates a new one.
  Result<Once<Batch>> submit_once(const BatchRequest& request, const std::string& idempotency_key);
  Result<Batch> get_batch(const Ref& batch);
  Result<Page<Batch>> list_batches(std::int64_t from = 0, std::int64_t size = 100);
  // Without `from`, the last `size` lines; size < 0: all.
  Result<LogPage> batch_log(const Ref& batch, std::optional<std::int64_t> from = std::nullopt,
                            std::int64_t size = 100);
  Status delete_batch(const Ref& batch);

  // Interactive sessions.
  Result<Session> create_session(const SessionRequest& request);
  // create_session with an Idempotency-Key header, as submit_once.
  Result<Once<Session>> create_session_once(const SessionRequest& request, const std::string& idempotency_key);
  // Also renews the session's heartbeat.
  Result<Session> get_session(const Ref& session);
  Result<Page<Session>> list_sessions(std::int64_t from = 0, std::int64_t size = 100);
  Result<SessionState> session_state(const Ref& session);
  Result<LogPage> session_log(const Ref& session, std::optional<std::int64_t> from = std::nullopt,
                              std::int64_t size = 100);
  Status delete_session(const Ref& session);
  // Polls until the session is idle. A session that ends (error, dead,
  // killed, success) instead is `conflict`, naming its state and last log
  // line; still starting or busy after `timeout` is `unavailable`.
  Result<Session> wait_session_idle(const Ref& session, std::chrono::milliseconds timeout);

  // Statements.
  Result<Statement> submit_statement(const Ref& session, const StatementRequest& request);
  // With `wait`, asks the server to answer only once the statement is final
  // or `wait` has passed (`?wait=N`, a livyd extension; other servers ignore
  // it and answer at once).
  Result<Statement> get_statement(const Ref& session, std::int64_t statement_id,
                                  std::optional<std::chrono::seconds> wait = std::nullopt);
  Result<Page<Statement>> list_statements(const Ref& session, std::int64_t from = 0, std::int64_t size = 100);
  Status cancel_statement(const Ref& session, std::int64_t statement_id);
  // Completion candidates for `code` at byte offset `cursor`. Unset `kind`:
  // the session's (livyd; Apache Livy needs it given).
  Result<std::vector<std::string>> complete(const Ref& session, const std::string& code,
                                            std::optional<SessionKind> kind, std::int64_t cursor);
  // Submits `code` and waits until the statement is final (available,
  // cancelled or error): long-polls where the server can, polls every
  // poll_interval where it cannot. Code that raised is still `available`,
  // with the error in its output. Not final after `timeout`: `unavailable`
  // (the statement keeps running; cancel it with cancel_statement).
  Result<Statement> run(const Ref& session, const std::string& code, std::optional<SessionKind> kind,
                        std::chrono::milliseconds timeout);

  // The job API. submit_job posts to submit-job, or to run-job when
  // `request.run_now`; the reply is the server's (state kSent). A job's
  // `result` is the bytes the server encodes (for a pyspark job: base64 of
  // the pickled value).
  Result<Job> submit_job(const Ref& session, const JobRequest& request);
  Result<Job> get_job(const Ref& session, std::int64_t job_id);
  Status cancel_job(const Ref& session, std::int64_t job_id);
  // add-jar, add-pyfile, add-file.
  Status add_resource(const Ref& session, ResourceKind kind, const std::string& uri);
  // upload-jar, upload-pyfile, upload-file: `content` as a multipart file named `file_name`.
  Status upload_resource(const Ref& session, ResourceKind kind, const std::string& file_name,
                         const std::string& content);

 private:
  struct LIVY_HIDDEN Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace livy
