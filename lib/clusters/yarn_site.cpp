#include "clusters/yarn_site.h"

#include <cctype>
#include <fstream>
#include <optional>
#include <string_view>

namespace livy {
namespace {

constexpr std::size_t kMaxConfBytes = 4 << 20;
constexpr int kMaxExpansions = 8;  // ${...} within ${...}: Hadoop allows 20; no real file needs this many

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The five entities XML predefines and numeric references below 128; anything else is
// kept as written.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const std::size_t end = s.find(';', i);
    const std::string_view entity = end == std::string_view::npos ? "" : s.substr(i + 1, end - i - 1);
    char c = 0;
    if (entity == "amp")
      c = '&';
    else if (entity == "lt")
      c = '<';
    else if (entity == "gt")
      c = '>';
    else if (entity == "quot")
      c = '"';
    else if (entity == "apos")
      c = '\'';
    else if (entity.size() > 1 && entity.size() < 5 && entity[0] == '#') {
      int n = 0;
      bool digits = true;
      for (const char d : entity.substr(1)) {
        digits = digits && std::isdigit(static_cast<unsigned char>(d));
        n = n * 10 + (d - '0');
      }
      if (digits && n > 0 && n < 128) c = static_cast<char>(n);
    }
    if (c == 0) {
      out += s[i];
      continue;
    }
    out += c;
    i = end;
  }
  return out;
}

// The text of <tag>...</tag> inside `element`, or nullopt.
std::optional<std::string_view> child(std::string_view element, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const std::size_t at = element.find(open);
  if (at == std::string_view::npos) return std::nullopt;
  const std::size_t end = element.find(close, at + open.size());
  if (end == std::string_view::npos) return std::nullopt;
  return element.substr(at + open.size(), end - at - open.size());
}

std::string without_comments(const std::string& text) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    const std::size_t open = text.find("<!--", at);
    out.append(text, at, open == std::string::npos ? std::string::npos : open - at);
    if (open == std::string::npos) break;
    const std::size_t close = text.find("-->", open + 4);
    if (close == std::string::npos) break;
    at = close + 3;
  }
  return out;
}

// `value` with ${name} replaced by the property `name` (Hadoop's variable expansion),
// a few levels deep; an unknown variable stays as written.
std::string expand(std::string value, const std::map<std::string, std::string>& props) {
  for (int round = 0; round < kMaxExpansions; ++round) {
    const std::size_t open = value.find("${");
    if (open == std::string::npos) break;
    const std::size_t close = value.find('}', open);
    if (close == std::string::npos) break;
    const auto it = props.find(value.substr(open + 2, close - open - 2));
    if (it == props.end()) break;
    value.replace(open, close - open + 1, it->second);
  }
  return value;
}

std::string get(const std::map<std::string, std::string>& props, const std::string& name, std::string fallback) {
  const auto it = props.find(name);
  return expand(it == props.end() ? std::move(fallback) : it->second, props);
}

}  // namespace

Result<std::map<std::string, std::string>> parse_hadoop_conf(const std::string& raw) {
  const std::string text = without_comments(raw);
  if (text.find("<configuration") == std::string::npos) {
    return Status::invalid_argument("not a Hadoop configuration file (no <configuration>)");
  }
  std::map<std::string, std::string> props;
  std::size_t at = 0;
  while (true) {
    const std::size_t open = text.find("<property>", at);
    if (open == std::string::npos) break;
    const std::size_t close = text.find("</property>", open);
    if (close == std::string::npos) return Status::invalid_argument("a <property> without </property>");
    const std::string_view element = std::string_view(text).substr(open, close - open);
    const auto name = child(element, "name");
    if (!name) return Status::invalid_argument("a <property> without <name>");
    const auto value = child(element, "value");
    props[unescape(trim(*name))] = value ? unescape(trim(*value)) : std::string();
    at = close;
  }
  return props;
}

namespace {

// One RM's web app URL; `id`: its RM HA id (the properties' suffix), empty without HA.
Result<std::string> webapp_url(const std::map<std::string, std::string>& props, bool https, const std::string& id) {
  const std::string suffix = id.empty() ? "" : "." + id;
  const std::string host = get(props, "yarn.resourcemanager.hostname" + suffix,
                               id.empty() ? "0.0.0.0" : get(props, "yarn.resourcemanager.hostname", "0.0.0.0"));
  const std::string name =
      std::string(https ? "yarn.resourcemanager.webapp.https.address" : "yarn.resourcemanager.webapp.address") + suffix;
  std::string address = std::string(trim(get(props, name, host + (https ? ":8090" : ":8088"))));
  const std::size_t colon = address.rfind(':');
  if (address.empty() || address.find("${") != std::string::npos || colon == std::string::npos || colon == 0 ||
      colon + 1 == address.size() || address.find_first_of("/ ?#@,") != std::string::npos) {
    return Status::invalid_argument("yarn-site.xml: " + name + " is not host:port: '" + address.substr(0, 100) + "'");
  }
  if (address.compare(0, colon, "0.0.0.0") == 0) address = "127.0.0.1" + address.substr(colon);
  return std::string(https ? "https://" : "http://") + address;
}

}  // namespace

Result<std::string> resourcemanager_url_from(const std::map<std::string, std::string>& props) {
  const bool https = get(props, "yarn.http.policy", "HTTP_ONLY") == "HTTPS_ONLY";
  if (get(props, "yarn.resourcemanager.ha.enabled", "false") != "true") return webapp_url(props, https, "");
  // RM HA: every RM, in the order of yarn.resourcemanager.ha.rm-ids.
  std::string urls;
  const std::string ids = get(props, "yarn.resourcemanager.ha.rm-ids", "");
  for (std::size_t at = 0; at <= ids.size();) {
    std::size_t comma = ids.find(',', at);
    if (comma == std::string::npos) comma = ids.size();
    const std::string id(trim(std::string_view(ids).substr(at, comma - at)));
    at = comma + 1;
    if (id.empty()) continue;
    auto url = webapp_url(props, https, id);
    if (!url) return url.status();
    urls += (urls.empty() ? "" : ",") + *url;
  }
  if (urls.empty()) {
    return Status::invalid_argument(
        "yarn-site.xml: yarn.resourcemanager.ha.enabled is true but yarn.resourcemanager.ha.rm-ids names no RM");
  }
  return urls;
}

Result<std::string> resourcemanager_url_from_conf_dir(const std::string& conf_dir) {
  const std::string path = conf_dir + "/yarn-site.xml";
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::invalid_argument("cannot read " + path);
  std::string text;
  text.resize(kMaxConfBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfBytes) return Status::invalid_argument(path + " is larger than 4 MiB");
  auto props = parse_hadoop_conf(text);
  if (!props) return Status::invalid_argument(path + ": " + props.status().message());
  auto url = resourcemanager_url_from(*props);
  if (!url) return Status::invalid_argument(path + ": " + url.status().message());
  return url;
}

}  // namespace livy
