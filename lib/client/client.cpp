// livy::Client: one request per call, the reply decoded into plain types.
#include "livy/client.h"

#include <utility>

#include "client/client_impl.h"
#include "client/reply_json.h"
#include "client/request_json.h"

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

Result<ServerVersion> Client::version() { return decoded(impl_->http.get("/version"), client::decode_version); }

Result<Batch> Client::submit(const BatchRequest& request) {
  return decoded(impl_->http.post("/batches", client::encode_batch_request(request)), client::decode_batch);
}

Result<Batch> Client::get_batch(std::int64_t id) {
  return decoded(impl_->http.get(batch_path(id)), client::decode_batch);
}

Result<Page<Batch>> Client::list_batches(std::int64_t from, std::int64_t size) {
  return decoded(impl_->http.get("/batches" + page_query(from, size)), client::decode_batch_page);
}

Result<LogPage> Client::batch_log(std::int64_t id, std::optional<std::int64_t> from, std::int64_t size) {
  return decoded(impl_->http.get(batch_path(id) + "/log" + log_query(from, size)), client::decode_log);
}

Status Client::delete_batch(std::int64_t id) { return impl_->http.del(batch_path(id)).status(); }

Result<Session> Client::create_session(const SessionRequest& request) {
  return decoded(impl_->http.post("/sessions", client::encode_session_request(request)), client::decode_session);
}

Result<Session> Client::get_session(std::int64_t id) {
  return decoded(impl_->http.get(session_path(id)), client::decode_session);
}

Result<Page<Session>> Client::list_sessions(std::int64_t from, std::int64_t size) {
  return decoded(impl_->http.get("/sessions" + page_query(from, size)), client::decode_session_page);
}

Result<SessionState> Client::session_state(std::int64_t id) {
  return decoded(impl_->http.get(session_path(id) + "/state"), client::decode_session_state);
}

Result<LogPage> Client::session_log(std::int64_t id, std::optional<std::int64_t> from, std::int64_t size) {
  return decoded(impl_->http.get(session_path(id) + "/log" + log_query(from, size)), client::decode_log);
}

Status Client::delete_session(std::int64_t id) { return impl_->http.del(session_path(id)).status(); }

Result<Statement> Client::submit_statement(std::int64_t session_id, const StatementRequest& request) {
  return decoded(impl_->http.post(session_path(session_id) + "/statements", client::encode_statement_request(request)),
                 client::decode_statement);
}

Result<Statement> Client::get_statement(std::int64_t session_id, std::int64_t statement_id,
                                        std::optional<std::chrono::seconds> wait) {
  std::string path = session_path(session_id) + "/statements/" + std::to_string(statement_id);
  std::chrono::milliseconds extra_wait(0);
  if (wait && wait->count() > 0) {
    path += "?wait=" + std::to_string(wait->count());
    extra_wait = *wait;
  }
  return decoded(impl_->http.get(path, extra_wait), client::decode_statement);
}

Result<Page<Statement>> Client::list_statements(std::int64_t session_id, std::int64_t from, std::int64_t size) {
  return decoded(impl_->http.get(session_path(session_id) + "/statements" + page_query(from, size)),
                 [from](const std::string& body) { return client::decode_statement_page(body, from); });
}

Status Client::cancel_statement(std::int64_t session_id, std::int64_t statement_id) {
  return impl_->http.post(session_path(session_id) + "/statements/" + std::to_string(statement_id) + "/cancel", "")
      .status();
}

Result<std::vector<std::string>> Client::complete(std::int64_t session_id, const std::string& code,
                                                  std::optional<SessionKind> kind, std::int64_t cursor) {
  return decoded(impl_->http.post(session_path(session_id) + "/completion",
                                  client::encode_completion_request(code, kind, cursor)),
                 client::decode_candidates);
}

}  // namespace livy
