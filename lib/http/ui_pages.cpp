// The web UI: static pages and files compiled into livyd (lib/ui), served with their ETag and a
// Content-Security-Policy. No server-side templating: each page is the same file for every
// id, and its script reads the id from the address and everything else from the REST API.
// These are not REST routes (docs/openapi.yaml leaves them out): docs/ui.md describes them.
#include "http/ui_pages.h"

#include <string>
#include <string_view>

#include "http/route_util.h"
#include "ui/ui_assets.h"

namespace livy::http {
namespace {

using ui::Asset;
using ui::find_asset;

// If-None-Match holds `etag` (RFC 9110: a list, weak tags compare weakly, `*` matches any).
bool etag_matches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

void serve(const Asset& asset, const httplib::Request& req, httplib::Response& res) {
  res.set_header("Content-Security-Policy", kUiContentSecurityPolicy);
  // Kept by the browser, asked for again each time: a 304 while livyd's build is the same.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", asset.etag);
  if (etag_matches(req.get_header_value("If-None-Match"), asset.etag)) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.set_content(reinterpret_cast<const char*>(asset.data), asset.size, std::string(ui::content_type(asset.name)));
}

void page(httplib::Server& server, const std::string& pattern, const char* file) {
  const Asset* asset = find_asset(file);
  server.Get(route(pattern), [asset, file](const httplib::Request& req, httplib::Response& res) {
    if (asset == nullptr) return fail(res, Status::internal(std::string("this build lacks ") + file));
    serve(*asset, req, res);
  });
}

}  // namespace

void mount_ui(httplib::Server& server) {
  // As Livy: the server's root leads to the UI.
  server.Get(route("/"), [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/ui/", 302); });
  page(server, "/ui", "sessions.html");
  page(server, "/ui/batches", "batches.html");
  page(server, "/ui/session/{id}", "session.html");
  page(server, "/ui/session/{id}/log", "log.html");
  page(server, "/ui/batch/{id}/log", "log.html");
  server.Get(route("/ui/static/{file}"), [](const httplib::Request& req, httplib::Response& res) {
    const Asset* asset = find_asset("static/" + req.matches[1].str());
    if (asset == nullptr) return fail(res, Status::not_found("no such file: " + req.matches[1].str()));
    serve(*asset, req, res);
  });
}

}  // namespace livy::http
