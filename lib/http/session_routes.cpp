// /sessions and their statements: Livy's interactive API over SessionManager and StatementRunner.
#include <algorithm>

#include "wire/connect_json.h"
#include "wire/request_json.h"
#include "wire/statement_json.h"
#include "model/id_or_name.h"
#include "http/route_util.h"

namespace livy::http {
namespace {

// A long poll (?wait=) holds a server thread; it is bounded.
constexpr std::int64_t kMaxWaitSeconds = 30;

}  // namespace

void mount_sessions(httplib::Server& server, Runtime& runtime) {
  SessionManager& sessions = runtime.sessions();
  const std::size_t body_limit = runtime.config().request_max_bytes;

  server.Get(route("/sessions"), [&sessions](const httplib::Request& req, httplib::Response& res) {
    static constexpr std::string_view kStates[] = {"not_started", "starting", "recovering", "idle",   "busy",
                                                   "shutting_down", "error", "dead",       "killed", "success"};
    static constexpr std::string_view kKinds[] = {"spark", "pyspark", "sparkr", "sql", "shared"};
    const auto query = list_query(req, kStates, kKinds);
    if (!query) return fail(res, query.status());
    const auto detailed = detailed_param(req);
    if (!detailed) return fail(res, detailed.status());
    const auto page = query_page<Session>(
        [&sessions](std::int64_t f, std::int64_t n) { return sessions.list(f, n); }, *query,
        [&q = *query](const Session& s) {
          return q.keeps(to_string(s.state), s.owner, s.proxy_user, to_string(s.kind.value_or(SessionKind::kShared)));
        });
    if (!page) return fail(res, page.status());
    reply(res, 200, wire::encode_session_page(*page, *detailed));
  });

  server.Post(route("/sessions"), [&sessions, body_limit](const httplib::Request& req, httplib::Response& res,
                                                         const httplib::ContentReader& reader) {
    const auto body = read_body(req, reader, body_limit);
    if (!body) return fail(res, body.status());
    // Livy's clients may post an empty body: every field is optional.
    auto request = wire::decode_session_request(body->empty() ? "{}" : *body);
    if (!request) return fail(res, request.status());
    auto proxy_user = creation_proxy_user(req, request->proxy_user);
    if (!proxy_user) return fail(res, proxy_user.status());
    request->proxy_user = std::move(*proxy_user);
    const auto key = idempotency_key(req);
    if (!key) return fail(res, key.status());
    // With a key, a retry of a create that was made gets the same session, with 200.
    const auto made = *key ? sessions.create_once(**key, *request, caller())
                           : as_once(sessions.create(*request, caller()));
    if (!made) return fail(res, made.status());
    res.set_header("Location", "/sessions/" + std::to_string(made->value.id));
    reply(res, made->replayed ? 200 : 201, wire::encode_session(made->value));
  });

  // A GET of the session is client activity: it renews the heartbeat (sparkmagic relies on it).
  server.Get(route("/sessions/{id}"), [&sessions](const httplib::Request& req, httplib::Response& res) {
    const auto detailed = detailed_param(req);
    if (!detailed) return fail(res, detailed.status());
    auto session = sessions.heartbeat(req.matches[1].str());
    if (!session) return fail(res, session.status());
    if (!caller_may_view(session->owner, session->proxy_user)) session->log.clear();  // as Livy: no log
    reply(res, 200, wire::encode_session(*session, *detailed));
  });

  server.Get(route("/sessions/{id}/state"), [&sessions](const httplib::Request& req, httplib::Response& res) {
    const auto session = sessions.get(req.matches[1].str());
    if (!session) return fail(res, session.status());
    reply(res, 200, wire::encode_state(session->id, to_string(session->state)));
  });

  server.Get(route("/sessions/{id}/log"), [&sessions](const httplib::Request& req, httplib::Response& res) {
    const auto from = int_param(req, "from");
    const auto size = int_param(req, "size");
    if (!from) return fail(res, from.status());
    if (!size) return fail(res, size.status());
    const auto page = sessions.log(req.matches[1].str(), *from, size->value_or(100));
    if (!page) return fail(res, page.status());
    reply(res, 200, wire::encode_log(*page));
  });

  server.Delete(route("/sessions/{id}"), bodiless([&sessions](const httplib::Request& req, httplib::Response& res) {
    const Status st = sessions.remove(req.matches[1].str());
    if (!st) return fail(res, st);
    reply(res, 200, wire::encode_message("deleted"));
  }));

  server.Post(route("/sessions/{id}/connect"),
              bodiless([&sessions](const httplib::Request& req, httplib::Response& res) {
    const auto session = sessions.touch(req.matches[1].str());
    if (!session) return fail(res, session.status());
    reply(res, 200, wire::encode_session(*session));
  }));

  server.Post(route("/sessions/{id}/stop"), bodiless([&sessions](const httplib::Request& req, httplib::Response& res) {
    const Status st = sessions.stop(req.matches[1].str());
    if (!st) return fail(res, st);
    res.status = 204;
  }));

  // livyd extension: where the session's driver serves Spark Connect, with its token. Needs
  // modify access (auth::route_access): the token runs code as a statement does.
  server.Get(route("/sessions/{id}/connect-info"), [&sessions](const httplib::Request& req, httplib::Response& res) {
    const auto session = sessions.get(req.matches[1].str());
    if (!session) return fail(res, session.status());
    const auto info = sessions.connect_info(session->id);
    if (!info) return fail(res, info.status());
    res.set_header("Cache-Control", "no-store");
    reply(res, 200, wire::encode_connect_info(session->id, *info));
  });

  server.Post(route("/sessions/{id}/interrupt"),
              bodiless([&sessions](const httplib::Request& req, httplib::Response& res) {
    const Status st = sessions.interrupt(req.matches[1].str());
    if (!st) return fail(res, st);
    reply(res, 200, wire::encode_message("interrupted"));
  }));
}

void mount_statements(httplib::Server& server, Runtime& runtime) {
  StatementRunner& statements = runtime.statements();
  const SessionManager& sessions = runtime.sessions();
  const std::size_t body_limit = runtime.config().request_max_bytes;

  server.Get(route("/sessions/{id}/statements"), [&statements](const httplib::Request& req, httplib::Response& res) {
    const auto from = int_param(req, "from");
    const auto size = int_param(req, "size");
    if (!from) return fail(res, from.status());
    if (!size) return fail(res, size.status());
    const auto detailed = detailed_param(req);
    if (!detailed) return fail(res, detailed.status());
    const std::string order = req.has_param("order") ? req.get_param_value("order") : "asc";
    if (order != "asc" && order != "desc") return fail(res, Status::invalid_argument("order must be asc or desc"));
    const auto page = statements.list(req.matches[1].str(), from->value_or(0), size->value_or(100), order == "desc");
    if (!page) return fail(res, page.status());
    reply(res, 200, wire::encode_statement_page(*page, *detailed));
  });

  server.Post(route("/sessions/{id}/statements"), [&sessions, &statements, body_limit](const httplib::Request& req,
                                                                           httplib::Response& res,
                                                                           const httplib::ContentReader& reader) {
    const auto body = read_body(req, reader, body_limit);
    if (!body) return fail(res, body.status());
    const auto request = wire::decode_statement_request(*body);
    if (!request) return fail(res, request.status());
    const std::string session = req.matches[1].str();
    const auto st = statements.submit(session, *request);
    if (!st) return fail(res, st.status());
    res.set_header("Location", session_path(sessions, session) + "/statements/" + std::to_string(st->id));
    reply(res, 201, wire::encode_statement(*st));
  });

  server.Get(route("/sessions/{id}/statements/{sid}"), [&statements](const httplib::Request& req,
                                                                    httplib::Response& res) {
    const auto id = as_id(req.matches[2].str());
    if (!id) return fail(res, Status::not_found("Statement '" + req.matches[2].str() + "' not found."));
    const auto wait = int_param(req, "wait");  // livyd extension: long poll, in seconds
    if (!wait) return fail(res, wait.status());
    const auto detailed = detailed_param(req);
    if (!detailed) return fail(res, detailed.status());
    const auto seconds = std::clamp<std::int64_t>(wait->value_or(0), 0, kMaxWaitSeconds);
    const auto st = statements.get(req.matches[1].str(), *id, std::chrono::seconds(seconds));
    if (!st) return fail(res, st.status());
    reply(res, 200, wire::encode_statement(*st, *detailed));
  });

  server.Post(route("/sessions/{id}/statements/{sid}/cancel"), bodiless([&statements](const httplib::Request& req,
                                                                            httplib::Response& res) {
    const auto id = as_id(req.matches[2].str());
    if (!id) return fail(res, Status::not_found("Statement '" + req.matches[2].str() + "' not found."));
    const Status st = statements.cancel(req.matches[1].str(), *id);
    if (!st) return fail(res, st);
    reply(res, 200, wire::encode_message("canceled"));
  }));

  server.Post(route("/sessions/{id}/completion"), [&statements, body_limit](const httplib::Request& req,
                                                                          httplib::Response& res,
                                                                          const httplib::ContentReader& reader) {
    const auto body = read_body(req, reader, body_limit);
    if (!body) return fail(res, body.status());
    const auto request = wire::decode_completion_request(*body);
    if (!request) return fail(res, request.status());
    const auto candidates = statements.complete(req.matches[1].str(), request->code, request->kind, request->cursor);
    if (!candidates) return fail(res, candidates.status());
    reply(res, 200, wire::encode_candidates(*candidates));
  });
}

}  // namespace livy::http
