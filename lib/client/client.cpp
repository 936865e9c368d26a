// livy::Client: one request per call, the reply decoded into plain types.
#include "livy/client.h"

#include <utility>

#include "client/client_impl.h"
#include "wire/job_json.h"
#include "wire/reply_json.h"
#include "wire/request_json.h"
#include "wire/statement_json.h"

namespace livy {
namespace {

std::string page_query(std::int64_t from, std::int64_t size) {
  return "?from=" + std::to_string(from) + "&size=" + std::to_string(size);
}

std::string log_query(std::optional<std::int64_t> from, std::int64_t size) {
  std::string query = "?size=" + std::to_string(size);
  if (from) query += "&from=" + std::to_string(*from);
  return query;
}

// Applies `decode` to the body of a successful reply.
template <typename Decode>
auto decoded(Result<std::string> body, Decode decode) -> decltype(decode(std::string())) {
  if (!body) return body.status();
  return decode(*body);
}

}  // namespace

using client::batch_path;
using client::session_path;

Client::Client(std::string base_url, ClientOptions options)
    : impl_(std::make_unique<Impl>(base_url, std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Result<ServerVersion> Client::version() { return decoded(impl_->http.get("/version"), wire::decode_version); }

Result<Batch> Client::submit(const BatchRequest& request) {
  return decoded(impl_->http.post("/batches", wire::encode_batch_request(request)), wire::decode_batch);
}

Result<Batch> Client::get_batch(const Ref& batch) {
  return decoded(impl_->http.get(batch_path(batch)), wire::decode_batch);
}

Result<Page<Batch>> Client::list_batches(std::int64_t from, std::int64_t size) {
  return decoded(impl_->http.get("/batches" + page_query(from, size)), wire::decode_batch_page);
}

Result<LogPage> Client::batch_log(const Ref& batch, std::optional<std::int64_t> from, std::int64_t size) {
  return decoded(impl_->http.get(batch_path(batch) + "/log" + log_query(from, size)), wire::decode_log);
}

Status Client::delete_batch(const Ref& batch) { return impl_->http.del(batch_path(batch)).status(); }

Result<Session> Client::create_session(const SessionRequest& request) {
  return decoded(impl_->http.post("/sessions", wire::encode_session_request(request)), wire::decode_session);
}

namespace {

// An idempotent create's reply: 200 names the object an earlier call with the key created.
template <typename T, typename Decode>
Result<Once<T>> once_of(Result<client::HttpTransport::Reply> reply, Decode decode) {
  if (!reply) return reply.status();
  auto object = decoded(Result<std::string>(std::move(reply->body)), decode);
  if (!object) return object.status();
  return Once<T>{std::move(*object), reply->status == 200};
}

}  // namespace

Result<Once<Session>> Client::create_session_once(const SessionRequest& request, const std::string& idempotency_key) {
  return once_of<Session>(impl_->http.post_keyed("/sessions", wire::encode_session_request(request), idempotency_key),
                          wire::decode_session);
}

Result<Once<Batch>> Client::submit_once(const BatchRequest& request, const std::string& idempotency_key) {
  return once_of<Batch>(impl_->http.post_keyed("/batches", wire::encode_batch_request(request), idempotency_key),
                        wire::decode_batch);
}

Result<Session> Client::get_session(const Ref& session) {
  return decoded(impl_->http.get(session_path(session)), wire::decode_session);
}

Result<Page<Session>> Client::list_sessions(std::int64_t from, std::int64_t size) {
  return decoded(impl_->http.get("/sessions" + page_query(from, size)), wire::decode_session_page);
}

Result<SessionState> Client::session_state(const Ref& session) {
  return decoded(impl_->http.get(session_path(session) + "/state"), wire::decode_session_state);
}

Result<LogPage> Client::session_log(const Ref& session, std::optional<std::int64_t> from, std::int64_t size) {
  return decoded(impl_->http.get(session_path(session) + "/log" + log_query(from, size)), wire::decode_log);
}

Status Client::delete_session(const Ref& session) { return impl_->http.del(session_path(session)).status(); }

Result<Statement> Client::submit_statement(const Ref& session, const StatementRequest& request) {
  return decoded(impl_->http.post(session_path(session) + "/statements", wire::encode_statement_request(request)),
                 wire::decode_statement);
}

Result<Statement> Client::get_statement(const Ref& session, std::int64_t statement_id,
                                        std::optional<std::chrono::seconds> wait) {
  std::string path = session_path(session) + "/statements/" + std::to_string(statement_id);
  std::chrono::milliseconds extra_wait(0);
  if (wait && wait->count() > 0) {
    path += "?wait=" + std::to_string(wait->count());
    extra_wait = *wait;
  }
  return decoded(impl_->http.get(path, extra_wait), wire::decode_statement);
}

Result<Page<Statement>> Client::list_statements(const Ref& session, std::int64_t from, std::int64_t size) {
  return decoded(impl_->http.get(session_path(session) + "/statements" + page_query(from, size)),
                 [from](const std::string& body) { return wire::decode_statement_page(body, from); });
}

Status Client::cancel_statement(const Ref& session, std::int64_t statement_id) {
  return impl_->http.post(session_path(session) + "/statements/" + std::to_string(statement_id) + "/cancel", "")
      .status();
}

Result<std::vector<std::string>> Client::complete(const Ref& session, const std::string& code,
                                                  std::optional<SessionKind> kind, std::int64_t cursor) {
  return decoded(impl_->http.post(session_path(session) + "/completion",
                                  wire::encode_completion_request({code, kind, cursor})),
                 wire::decode_candidates);
}

namespace {

const char* resource_endpoint(ResourceKind kind, bool upload) {
  switch (kind) {
    case ResourceKind::kJar: return upload ? "/upload-jar" : "/add-jar";
    case ResourceKind::kPyFile: return upload ? "/upload-pyfile" : "/add-pyfile";
    case ResourceKind::kFile: break;
  }
  return upload ? "/upload-file" : "/add-file";
}

}  // namespace

Result<Job> Client::submit_job(const Ref& session, const JobRequest& request) {
  return decoded(impl_->http.post(session_path(session) + (request.run_now ? "/run-job" : "/submit-job"),
                                  wire::encode_job_request(request)),
                 wire::decode_job);
}

Result<Job> Client::get_job(const Ref& session, std::int64_t job_id) {
  return decoded(impl_->http.get(session_path(session) + "/jobs/" + std::to_string(job_id)), wire::decode_job);
}

Status Client::cancel_job(const Ref& session, std::int64_t job_id) {
  return impl_->http.post(session_path(session) + "/jobs/" + std::to_string(job_id) + "/cancel", "").status();
}

Status Client::add_resource(const Ref& session, ResourceKind kind, const std::string& uri) {
  return impl_->http.post(session_path(session) + resource_endpoint(kind, false), wire::encode_resource_request(uri))
      .status();
}

Status Client::upload_resource(const Ref& session, ResourceKind kind, const std::string& file_name,
                               const std::string& content) {
  return impl_->http
      .post_file(session_path(session) + resource_endpoint(kind, true), kind == ResourceKind::kJar ? "jar" : "file",
                 file_name, content)
      .status();
}

}  // namespace livy
