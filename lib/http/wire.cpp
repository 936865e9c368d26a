#include "http/wire.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "livy/version.h"

namespace livy::http {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void opt(Writer& w, const char* key, const std::optional<std::string>& v) {
  w.Key(key);
  if (v) str(w, *v);
  else w.Null();
}

void lines(Writer& w, const char* key, const std::vector<std::string>& items) {
  w.Key(key);
  w.StartArray();
  for (const auto& s : items) str(w, s);
  w.EndArray();
}

void write_batch(Writer& w, const Batch& b) {
  w.StartObject();
  w.Key("id");
  w.Int64(b.id);
  opt(w, "name", b.name);
  opt(w, "owner", b.owner);
  opt(w, "proxyUser", b.proxy_user);
  w.Key("state");
  str(w, to_string(b.state));
  opt(w, "appId", b.app_id);
  w.Key("appInfo");
  w.StartObject();
  opt(w, "driverLogUrl", b.app_info.driver_log_url);
  opt(w, "sparkUiUrl", b.app_info.spark_ui_url);
  w.EndObject();
  lines(w, "log", b.log);
  w.EndObject();
}

std::string done(const rapidjson::StringBuffer& buf) { return std::string(buf.GetString(), buf.GetSize()); }

}  // namespace

std::string batch_json(const Batch& batch) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_batch(w, batch);
  return done(buf);
}

std::string batch_list_json(const Page<Batch>& page) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("from");
  w.Int64(page.from);
  w.Key("total");
  w.Int64(page.total);
  w.Key("sessions");
  w.StartArray();
  for (const auto& b : page.items) write_batch(w, b);
  w.EndArray();
  w.EndObject();
  return done(buf);
}

std::string state_json(std::int64_t id, std::string_view state) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("id");
  w.Int64(id);
  w.Key("state");
  str(w, state);
  w.EndObject();
  return done(buf);
}

std::string log_json(const LogPage& page) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("id");
  w.Int64(page.id);
  w.Key("from");
  w.Int64(page.from);
  w.Key("total");
  w.Int64(page.total);
  lines(w, "log", page.lines);
  w.EndObject();
  return done(buf);
}

std::string msg_json(std::string_view msg) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("msg");
  str(w, msg);
  w.EndObject();
  return done(buf);
}

std::string version_json(const std::string& user) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("version");
  str(w, kLivyApiVersion);
  w.Key("user");
  str(w, user);
  w.Key("revision");
  str(w, LIVYD_REVISION);
  w.Key("branch");
  str(w, LIVYD_BRANCH);
  w.Key("date");
  str(w, LIVYD_BUILD_DATE);
  w.Key("url");
  str(w, "livyd");
  w.Key("livydVersion");
  str(w, kVersion);
  w.EndObject();
  return done(buf);
}

}  // namespace livy::http
