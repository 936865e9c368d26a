#include "wire/warm_messages.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace livy {

std::string claim_message(std::int64_t session_id, const std::map<std::string, std::string>& conf,
                          double reconnect_timeout_s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&w](const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  w.Key("type");
  w.String("claim");
  w.Key("session");
  w.Int64(session_id);
  w.Key("conf");
  w.StartObject();
  for (const auto& [key, value] : conf) {
    str(key);
    str(value);
  }
  w.EndObject();
  w.Key("reconnectTimeout");
  w.Double(reconnect_timeout_s);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace livy
