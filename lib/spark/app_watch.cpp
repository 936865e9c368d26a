#include "spark/app_watch.h"

#include <httplib.h>
#include <rapidjson/document.h>

#include <regex>

namespace livy {

std::optional<std::string> find_app_id(std::string_view line) {
  static const std::regex kAppId(R"(\b(application_\d{10,}_\d{4,}|app-\d{14}-\d{4,}|local-\d{10,}|spark-[0-9a-f]{32})\b)");
  std::match_results<std::string_view::const_iterator> m;
  if (std::regex_search(line.begin(), line.end(), m, kAppId)) return m[1].str();
  return std::nullopt;
}

std::optional<int> find_ui_port(std::string_view line) {
  static const std::regex kUi(R"(Successfully started service 'SparkUI' on port (\d{1,5}))");
  std::match_results<std::string_view::const_iterator> m;
  if (std::regex_search(line.begin(), line.end(), m, kUi)) return std::stoi(m[1].str());
  return std::nullopt;
}

std::optional<std::string> query_app_id(int ui_port) {
  httplib::Client client("127.0.0.1", ui_port);
  client.set_connection_timeout(0, 300'000);
  client.set_read_timeout(1, 0);
  const auto res = client.Get("/api/v1/applications");
  if (!res || res->status != 200) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse(res->body.c_str(), res->body.size());
  if (doc.HasParseError() || !doc.IsArray() || doc.Empty()) return std::nullopt;
  const auto& app = doc[0];
  if (!app.IsObject() || !app.HasMember("id") || !app["id"].IsString()) return std::nullopt;
  return std::string(app["id"].GetString(), app["id"].GetStringLength());
}

}  // namespace livy
