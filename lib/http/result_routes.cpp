// GET /sessions/{id}/statements/{sid}/result: a statement's whole result (livy.results.spill),
// by pages as JSON or whole as JSON lines, CSV or an Arrow IPC stream (docs/rest-api.md,
// "Whole results"). Access is the statement's (auth/access.cpp: a GET under a session needs
// view). Everything is read from disk in the request's thread with no lock held; a download
// is produced a piece at a time, so livyd's memory stays bounded by the piece.
#include <memory>

#include "http/route_util.h"
#include "model/id_or_name.h"
#include "results/result_export.h"

namespace livy::http {
namespace {

constexpr std::int64_t kDefaultPageRows = 100;

bool accepts_json(std::string_view accept) {
  if (accept.empty()) return true;
  for (const std::string_view any : {"application/json", "*/*", "application/*"}) {
    if (accept.find(any) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

void mount_results(httplib::Server& server, Runtime& runtime) {
  const StatementRunner& statements = runtime.statements();
  const std::int64_t max_rows = runtime.config().result_page_max_rows;

  server.Get(route("/sessions/{id}/statements/{sid}/result"), [&statements, max_rows](const httplib::Request& req,
                                                                                     httplib::Response& res) {
    const auto id = as_id(req.matches[2].str());
    if (!id) return fail(res, Status::not_found("Statement '" + req.matches[2].str() + "' not found."));
    // What is asked for first: a bad request is a 400 whatever the statement.
    std::optional<results::ResultFormat> format;
    if (req.has_param("format")) {
      const std::string name = req.get_param_value("format");
      if (name != "json") {
        format = results::format_named(name);
        if (!format) return fail(res, Status::invalid_argument("query parameter 'format' must be json, jsonl, csv or arrow"));
      }
    } else {
      const std::string accept = req.get_header_value("Accept");
      format = results::format_accepted(accept);
      if (!format && !accepts_json(accept)) {
        return reply(res, 406, wire::encode_message("the result is served as application/json (pages), "
                                                    "application/jsonl, text/csv or application/vnd.apache.arrow.stream"));
      }
    }
    const auto offset = int_param(req, "offset");
    const auto limit = int_param(req, "limit");
    if (!offset) return fail(res, offset.status());
    if (!limit) return fail(res, limit.status());
    if (offset->value_or(0) < 0) return fail(res, Status::invalid_argument("query parameter 'offset' must not be negative"));
    if (limit->value_or(0) < 0 || limit->value_or(0) > max_rows) {
      return fail(res, Status::invalid_argument("query parameter 'limit' must be between 0 and " +
                                                std::to_string(max_rows) + " (statements.result-page-max-rows)"));
    }
    const auto dir = statements.result_location(req.matches[1].str(), *id);
    if (!dir) return fail(res, dir.status());
    auto reader = results::ResultReader::open(*dir);
    if (!reader && reader.status().code() == ErrorCode::kNotFound) {
      return fail(res, Status::not_found("Statement " + std::to_string(*id) +
                                         " has no whole result: its session did not set livy.results.spill, "
                                         "its output fitted inline, or it has not finished"));
    }
    if (!reader) return fail(res, reader.status());
    res.set_header("X-Livyd-Result-Complete", reader->meta().complete ? "true" : "false");
    if (!format) {
      const auto page = reader->page(offset->value_or(0), limit->value_or(kDefaultPageRows));
      if (!page) return fail(res, page.status());
      return reply(res, 200, results::page_json(reader->meta(), offset->value_or(0), *page));
    }
    if (offset->has_value() || limit->has_value()) {
      return fail(res, Status::invalid_argument("offset and limit page the JSON form; a download is the whole result"));
    }
    auto cursor = reader->cursor(0);
    if (!cursor) return fail(res, cursor.status());
    auto download = std::make_shared<results::ResultExport>(reader->meta(), std::move(*cursor), *format);
    res.status = 200;
    res.set_chunked_content_provider(std::string(results::media_type(*format)),
                                     [download](std::size_t, httplib::DataSink& sink) {
                                       std::string piece;
                                       if (download->next(piece)) return sink.write(piece.data(), piece.size());
                                       if (download->failed()) return false;  // cut: the client sees it unfinished
                                       sink.done();
                                       return true;
                                     });
  });
}

}  // namespace livy::http
