// /batches: Livy's batch API over BatchManager.
#include "wire/request_json.h"
#include "http/route_util.h"

namespace livy::http {

void mount_batches(httplib::Server& server, Runtime& runtime) {
  BatchManager& batches = runtime.batches();
  const std::size_t body_limit = runtime.config().request_max_bytes;

  server.Get(route("/batches"), [&batches](const httplib::Request& req, httplib::Response& res) {
    static constexpr std::string_view kStates[] = {"not_started", "starting", "running", "success",
                                                   "dead",        "killed",   "error"};
    const auto query = list_query(req, kStates, {});
    if (!query) return fail(res, query.status());
    const auto detailed = detailed_param(req);
    if (!detailed) return fail(res, detailed.status());
    const auto page = query_page<Batch>([&batches](std::int64_t f, std::int64_t n) { return batches.list(f, n); },
                                        *query, [&q = *query](const Batch& b) {
                                          return q.keeps(to_string(b.state), b.owner, b.proxy_user, {});
                                        });
    if (!page) return fail(res, page.status());
    reply(res, 200, wire::encode_batch_page(*page, *detailed));
  });

  server.Post(route("/batches"), [&batches, body_limit](const httplib::Request& req, httplib::Response& res,
                                                       const httplib::ContentReader& reader) {
    const auto body = read_body(req, reader, body_limit);
    if (!body) return fail(res, body.status());
    auto request = wire::decode_batch_request(*body);
    if (!request) return fail(res, request.status());
    auto proxy_user = creation_proxy_user(req, request->proxy_user);
    if (!proxy_user) return fail(res, proxy_user.status());
    request->proxy_user = std::move(*proxy_user);
    const auto key = idempotency_key(req);
    if (!key) return fail(res, key.status());
    // With a key, a retry of a submit that was made gets the same batch, with 200.
    const auto made = *key ? batches.submit_once(**key, *request, caller())
                           : as_once(batches.submit(*request, caller()));
    if (!made) return fail(res, made.status());
    res.set_header("Location", "/batches/" + std::to_string(made->value.id));
    reply(res, made->replayed ? 200 : 201, wire::encode_batch(made->value));
  });

  server.Get(route("/batches/{id}"), [&batches](const httplib::Request& req, httplib::Response& res) {
    const auto detailed = detailed_param(req);
    if (!detailed) return fail(res, detailed.status());
    auto batch = batches.get(req.matches[1].str());
    if (!batch) return fail(res, batch.status());
    if (!caller_may_view(batch->owner, batch->proxy_user)) batch->log.clear();  // as Livy: no log
    reply(res, 200, wire::encode_batch(*batch, *detailed));
  });

  server.Get(route("/batches/{id}/state"), [&batches](const httplib::Request& req, httplib::Response& res) {
    const auto batch = batches.get(req.matches[1].str());
    if (!batch) return fail(res, batch.status());
    reply(res, 200, wire::encode_state(batch->id, to_string(batch->state)));
  });

  server.Get(route("/batches/{id}/log"), [&batches](const httplib::Request& req, httplib::Response& res) {
    const auto from = int_param(req, "from");
    const auto size = int_param(req, "size");
    if (!from) return fail(res, from.status());
    if (!size) return fail(res, size.status());
    const auto page = batches.log(req.matches[1].str(), *from, size->value_or(100));
    if (!page) return fail(res, page.status());
    reply(res, 200, wire::encode_log(*page));
  });

  server.Delete(route("/batches/{id}"), bodiless([&batches](const httplib::Request& req, httplib::Response& res) {
    const Status st = batches.kill(req.matches[1].str());
    if (!st) return fail(res, st);
    reply(res, 200, wire::encode_message("deleted"));
  }));
}

}  // namespace livy::http
