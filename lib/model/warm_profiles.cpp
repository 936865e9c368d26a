#include "model/warm_profiles.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "base/text_values.h"
#include "livy/session.h"

namespace livy {
namespace {

constexpr const char* kKey = "sessions.warm-pool.profiles";

Status bad(const std::string& profile, const std::string& what) {
  return Status::invalid_argument(std::string(kKey) + ": profile '" + profile + "': " + what);
}

// A string, or a number written either way (YAML's scalars arrive as strings).
std::optional<std::string> text_of(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  return std::nullopt;
}

Status read_int(const std::string& profile, const char* field, const rapidjson::Value& v, int min, int& out) {
  const auto text = text_of(v);
  const auto n = text ? parse_int(*text) : std::nullopt;
  if (!n || *n < min || *n > 100'000) {
    return bad(profile, std::string(field) + " must be an integer from " + std::to_string(min) + " to 100000");
  }
  out = static_cast<int>(*n);
  return Status::ok();
}

Status read_profile(const std::string& name, const rapidjson::Value& body, WarmPoolProfile& p) {
  p.name = name;
  if (!body.IsObject()) return bad(name, "must be a mapping of its settings");
  for (const auto& m : body.GetObject()) {
    const std::string field(m.name.GetString(), m.name.GetStringLength());
    const rapidjson::Value& v = m.value;
    Status st = Status::ok();
    auto string_field = [&](std::string& out) {
      const auto text = text_of(v);
      if (!text) return bad(name, field + " must be a string");
      out = trim(*text);
      return Status::ok();
    };
    if (field == "kinds") {
      p.kinds.clear();
      std::vector<std::string> items;
      if (v.IsArray()) {
        for (const auto& item : v.GetArray()) {
          if (!item.IsString()) return bad(name, "kinds must be a list of session kinds");
          items.emplace_back(item.GetString(), item.GetStringLength());
        }
      } else if (v.IsString()) {
        items = split_list(v.GetString());
      } else {
        return bad(name, "kinds must be a list of session kinds");
      }
      for (const std::string& item : items) {
        const auto kind = parse_session_kind(trim(item));
        if (!kind) return bad(name, "unknown session kind '" + item + "' in kinds");
        const std::string canonical(to_string(*kind));
        if (std::find(p.kinds.begin(), p.kinds.end(), canonical) == p.kinds.end()) p.kinds.push_back(canonical);
      }
      if (p.kinds.empty()) return bad(name, "kinds must name at least one session kind");
    } else if (field == "spark-version") {
      st = string_field(p.spark_version);
    } else if (field == "driver-memory") {
      st = string_field(p.driver_memory);
    } else if (field == "executor-memory") {
      st = string_field(p.executor_memory);
    } else if (field == "driver-cores") {
      st = read_int(name, "driver-cores", v, 1, p.driver_cores);
    } else if (field == "executor-cores") {
      st = read_int(name, "executor-cores", v, 1, p.executor_cores);
    } else if (field == "num-executors") {
      st = read_int(name, "num-executors", v, 1, p.num_executors);
    } else if (field == "size") {
      st = read_int(name, "size", v, 0, p.size);
    } else if (field == "conf") {
      if (!v.IsObject()) return bad(name, "conf must be a mapping of Spark properties");
      for (const auto& c : v.GetObject()) {
        const auto value = text_of(c.value);
        if (!value) return bad(name, "conf values must be strings");
        p.conf[std::string(c.name.GetString(), c.name.GetStringLength())] = *value;
      }
    } else {
      return bad(name, "unknown field '" + field +
                           "' (known: kinds, spark-version, driver-memory, driver-cores, executor-memory, "
                           "executor-cores, num-executors, conf, size)");
    }
    if (!st) return st;
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<WarmPoolProfile>> parse_warm_profiles(const std::string& text) {
  std::vector<WarmPoolProfile> out;
  if (trim(text).empty()) return out;
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::invalid_argument(std::string(kKey) + " must be a mapping of profile names to profiles");
  }
  for (const auto& m : doc.GetObject()) {
    WarmPoolProfile p;
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    if (name.empty() || name.size() > 64 ||
        !std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) ||
                                                                 c == '-' || c == '_' || c == '.'; })) {
      return Status::invalid_argument(std::string(kKey) + ": profile names are 1 to 64 letters, digits, '-', '_' or "
                                      "'.', not '" + name + "'");
    }
    if (std::any_of(out.begin(), out.end(), [&](const WarmPoolProfile& o) { return o.name == name; })) {
      return Status::invalid_argument(std::string(kKey) + " names the profile '" + name + "' twice");
    }
    Status st = read_profile(name, m.value, p);
    if (!st) return st;
    out.push_back(std::move(p));
  }
  return out;
}

std::string format_warm_profiles(const std::vector<WarmPoolProfile>& profiles) {
  if (profiles.empty()) return "";
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&](const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  for (const WarmPoolProfile& p : profiles) {
    str(p.name);
    w.StartObject();
    w.Key("kinds");
    w.StartArray();
    for (const auto& k : p.kinds) str(k);
    w.EndArray();
    auto opt_string = [&](const char* key, const std::string& v) {
      if (v.empty()) return;
      w.Key(key);
      str(v);
    };
    auto opt_int = [&](const char* key, int v, int unset) {
      if (v == unset) return;
      w.Key(key);
      w.Int(v);
    };
    opt_string("spark-version", p.spark_version);
    opt_string("driver-memory", p.driver_memory);
    opt_int("driver-cores", p.driver_cores, 0);
    opt_string("executor-memory", p.executor_memory);
    opt_int("executor-cores", p.executor_cores, 0);
    opt_int("num-executors", p.num_executors, 0);
    if (!p.conf.empty()) {
      w.Key("conf");
      w.StartObject();
      for (const auto& [k, v] : p.conf) {
        str(k);
        str(v);
      }
      w.EndObject();
    }
    opt_int("size", p.size, -1);
    w.EndObject();
  }
  w.EndObject();
  return buf.GetString();
}

}  // namespace livy
