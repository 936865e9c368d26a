#include "wire/connect_json.h"

#include "wire/json_writer.h"
#include "wire/reply_reader.h"

namespace livy::wire {

std::string encode_connect_info(std::int64_t session_id, const ConnectInfo& info) {
  JsonWriter w;
  w.start_object();
  w.int64("id", session_id);
  w.string("url", connect_url(info));
  w.string("host", info.host);
  w.int64("port", info.port);
  w.string("token", info.token);
  w.key("shared");
  w.boolean(!info.session_id.empty());
  if (!info.session_id.empty()) {
    w.string("sessionId", info.session_id);
    w.string("userId", info.user_id);
  }
  w.end_object();
  return w.text();
}

Result<ConnectInfo> decode_connect_info(const std::string& body) {
  rapidjson::Document doc;
  Status st = parse_reply_object(body, doc);
  if (!st) return st;
  ConnectInfo info;
  ReplyReader r(doc, "connect-info", st);
  std::int64_t port = 0;
  if (r.require("host") != nullptr) r.read("host", info.host);
  if (r.require("port") != nullptr) r.read("port", port);
  if (r.require("token") != nullptr) r.read("token", info.token);
  r.read("sessionId", info.session_id);
  r.read("userId", info.user_id);
  if (!st) return st;
  if (port <= 0 || port > 65535) return Status::internal("connect-info.port must be a TCP port");
  info.port = static_cast<int>(port);
  return info;
}

}  // namespace livy::wire
