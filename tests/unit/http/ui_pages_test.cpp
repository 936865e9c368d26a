// The web UI's pages (lib/http/ui_pages.cpp, lib/ui) and the lists' filters and order (lib/http/list_query.h),
// in-process: a real httplib server on 127.0.0.1 over a runtime with the scripted launcher.
// The pages themselves run in a real browser in tests/ui.
#include "http/ui_pages.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "livy/http.h"
#include "support/http_harness.h"
#include "support/test_runtime.h"
#include "ui/ui_assets.h"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using livy_test::HttpHarness;
using livy_test::TestRuntime;

namespace {

struct Fixture {
  TestRuntime t;
  std::unique_ptr<HttpHarness> http;

  explicit Fixture(bool ui_enabled = true) {
    t.config().ui_enabled = ui_enabled;
    t.open();
    http = std::make_unique<HttpHarness>(t.runtime());
  }
  ~Fixture() { http.reset(); }  // the server goes before the runtime

  httplib::Client& client() { return http->client(); }
  int post_batch(const std::string& extra = "") {
    const auto res = client().Post("/batches", R"({"file": ")" + t.job_file() + "\"" + extra + "}", "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 201);
    rapidjson::Document doc;
    doc.Parse(res->body.c_str());
    return doc["id"].GetInt();
  }
  // The ids of GET `path`'s list, in its order, and its total.
  std::pair<std::vector<int>, int> list(const std::string& path) {
    const auto res = client().Get(path);
    REQUIRE(res);
    INFO(path << ": " << res->body);
    REQUIRE(res->status == 200);
    rapidjson::Document doc;
    doc.Parse(res->body.c_str());
    std::vector<int> ids;
    for (const auto& item : doc["sessions"].GetArray()) ids.push_back(item["id"].GetInt());
    return {ids, doc["total"].GetInt()};
  }
};

const char* const kPages[] = {
    "/ui", "/ui/", "/ui/batches", "/ui/session/3", "/ui/session/my-name/log", "/ui/batch/12/log"};

}  // namespace

TEST_CASE("GET / redirects to /ui/, as Livy's root does", "[http][ui]") {
  Fixture f;
  const auto res = f.client().Get("/");
  REQUIRE(res);
  CHECK(res->status == 302);
  CHECK(res->get_header_value("Location") == "/ui/");
}

TEST_CASE("the UI's pages: HTML with the UI's Content-Security-Policy, an ETag and no-cache", "[http][ui]") {
  Fixture f;
  for (const char* path : kPages) {
    INFO(path);
    const auto res = f.client().Get(path);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(res->get_header_value("Content-Security-Policy") == livy::http::kUiContentSecurityPolicy);
    CHECK(res->get_header_value_count("Content-Security-Policy") == 1);
    CHECK(res->get_header_value("Cache-Control") == "no-cache");
    CHECK_THAT(res->get_header_value("ETag"), StartsWith("\""));
    CHECK_THAT(res->body, StartsWith("<!DOCTYPE html>"));
  }
  // The same file for every id: the page's script reads the id from its address.
  CHECK(f.client().Get("/ui/session/3")->body == f.client().Get("/ui/session/4")->body);
}

TEST_CASE("the Content-Security-Policy allows the UI's own scripts, styles and requests, and nothing else",
          "[http][ui]") {
  const std::string csp = livy::http::kUiContentSecurityPolicy;
  CHECK_THAT(csp, Contains("default-src 'none'"));
  CHECK_THAT(csp, Contains("script-src 'self';"));
  CHECK_THAT(csp, Contains("style-src 'self';"));
  CHECK_THAT(csp, Contains("img-src 'self' data:;"));
  CHECK_THAT(csp, Contains("connect-src 'self';"));
  CHECK_THAT(csp, Contains("frame-ancestors 'self'"));
  CHECK_FALSE(Catch::Matchers::Contains("unsafe").match(csp));
}

TEST_CASE("an unchanged file is a 304 for a client that has its ETag", "[http][ui]") {
  Fixture f;
  const auto first = f.client().Get("/ui/static/ui.js");
  REQUIRE(first);
  REQUIRE(first->status == 200);
  const std::string etag = first->get_header_value("ETag");
  for (const std::string& sent : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    INFO(sent);
    const auto again = f.client().Get("/ui/static/ui.js", {{"If-None-Match", sent}});
    REQUIRE(again);
    CHECK(again->status == 304);
    CHECK(again->body.empty());
    CHECK(again->get_header_value("ETag") == etag);
  }
  const auto changed = f.client().Get("/ui/static/ui.js", {{"If-None-Match", "\"0000000000000000\""}});
  REQUIRE(changed);
  CHECK(changed->status == 200);
  CHECK(changed->body == first->body);
  // Another file has another tag.
  CHECK(f.client().Get("/ui/static/ui.css")->get_header_value("ETag") != etag);
}

TEST_CASE("static files: their own Content-Type; a name not built in is a JSON 404", "[http][ui]") {
  Fixture f;
  const auto js = f.client().Get("/ui/static/ui.js");
  REQUIRE(js);
  CHECK(js->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
  const auto css = f.client().Get("/ui/static/ui.css");
  REQUIRE(css);
  CHECK(css->get_header_value("Content-Type") == "text/css; charset=utf-8");
  for (const char* path : {"/ui/static/nope.js", "/ui/static/..%2Fsessions.html", "/ui/static/%2e%2e",
                           "/ui/sessions.html", "/ui/static/"}) {
    INFO(path);
    const auto res = f.client().Get(path);
    REQUIRE(res);
    CHECK(res->status == 404);
    CHECK_THAT(res->get_header_value("Content-Type"), StartsWith("application/json"));
  }
}

TEST_CASE("every file a page names is built in, and no page has inline script or style", "[http][ui]") {
  Fixture f;
  const std::regex reference(R"re((src|href)="(/ui/static/[^"]+)")re");
  const std::regex inline_script(R"(<script(?![^>]*\bsrc=)[^>]*>)");
  const std::regex handler(R"(\son[a-z]+\s*=)", std::regex::icase);
  int references = 0;
  for (const char* path : kPages) {
    INFO(path);
    const std::string body = f.client().Get(path)->body;
    CHECK_FALSE(std::regex_search(body, inline_script));
    CHECK_FALSE(std::regex_search(body, handler));
    CHECK(body.find("style=") == std::string::npos);
    for (auto it = std::sregex_iterator(body.begin(), body.end(), reference); it != std::sregex_iterator(); ++it) {
      const std::string file = (*it)[2];
      INFO(file);
      const auto res = f.client().Get(file);
      REQUIRE(res);
      CHECK(res->status == 200);
      ++references;
    }
  }
  CHECK(references >= 6 * 3);  // a stylesheet and at least two scripts each
  // No script builds markup from text: the pages' data goes through textContent and DOM calls.
  for (const auto& asset : livy::ui::assets()) {
    const std::string text(reinterpret_cast<const char*>(asset.data), asset.size);
    INFO(asset.name);
    CHECK(text.find("innerHTML") == std::string::npos);
    CHECK(text.find("outerHTML") == std::string::npos);
    CHECK(text.find("insertAdjacentHTML") == std::string::npos);
    CHECK(text.find("document.write") == std::string::npos);
    CHECK(text.find("eval(") == std::string::npos);
  }
}

TEST_CASE("ui.enabled false: no UI and no redirect", "[http][ui]") {
  Fixture f(false);
  for (const char* path : {"/", "/ui", "/ui/static/ui.js"}) {
    INFO(path);
    const auto res = f.client().Get(path);
    REQUIRE(res);
    CHECK(res->status == 404);
  }
  CHECK(f.client().Get("/batches")->status == 200);
}

TEST_CASE("GET /batches: filters by state and proxy user, newest first with order=desc", "[http][ui]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.post_batch(i % 2 == 0 ? R"(, "proxyUser": "etl")" : "");
  for (int id : {1, 2}) REQUIRE(f.client().Delete("/batches/" + std::to_string(id))->status == 200);

  CHECK(f.list("/batches") == std::pair<std::vector<int>, int>{{0, 1, 2, 3, 4}, 5});
  CHECK(f.list("/batches?order=desc") == std::pair<std::vector<int>, int>{{4, 3, 2, 1, 0}, 5});
  CHECK(f.list("/batches?order=desc&from=1&size=2") == std::pair<std::vector<int>, int>{{3, 2}, 5});
  CHECK(f.list("/batches?order=desc&from=4&size=10") == std::pair<std::vector<int>, int>{{0}, 5});
  CHECK(f.list("/batches?order=desc&from=9&size=10") == std::pair<std::vector<int>, int>{{}, 5});
  CHECK(f.list("/batches?order=asc&from=3") == std::pair<std::vector<int>, int>{{3, 4}, 5});
  CHECK(f.list("/batches?state=killed") == std::pair<std::vector<int>, int>{{1, 2}, 2});
  CHECK(f.list("/batches?state=killed&order=desc&size=1") == std::pair<std::vector<int>, int>{{2}, 2});
  CHECK(f.list("/batches?state=starting,running&order=desc") == std::pair<std::vector<int>, int>{{4, 3, 0}, 3});
  CHECK(f.list("/batches?proxyUser=etl") == std::pair<std::vector<int>, int>{{0, 2, 4}, 3});
  CHECK(f.list("/batches?proxyUser=etl&state=killed") == std::pair<std::vector<int>, int>{{2}, 1});
  CHECK(f.list("/batches?owner=alice") == std::pair<std::vector<int>, int>{{}, 0});  // no auth: owner is null
  CHECK(f.list("/batches?state=success") == std::pair<std::vector<int>, int>{{}, 0});
}

TEST_CASE("GET /sessions and /batches: a filter or order that is not known is a 400 naming it", "[http][ui]") {
  Fixture f;
  const auto check = [&](const std::string& path, const std::string& says) {
    INFO(path);
    const auto res = f.client().Get(path);
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Contains(says));
  };
  check("/batches?state=idle", "unknown value 'idle'");  // a session's state
  check("/batches?state=running,bogus", "unknown value 'bogus'");
  check("/sessions?state=running", "unknown value 'running'");  // a batch's state
  check("/sessions?kind=python3", "unknown value 'python3'");
  check("/batches?order=newest", "order must be asc or desc");
  check("/sessions?from=x", "'from' must be an integer");
  check("/batches?size=-1", "must not be negative");
  CHECK(f.list("/sessions?kind=pyspark&state=idle,busy&order=desc") == std::pair<std::vector<int>, int>{{}, 0});
  // Batches take no kind: it is ignored, as any parameter Livy does not know.
  CHECK(f.client().Get("/batches?kind=whatever")->status == 200);
}
