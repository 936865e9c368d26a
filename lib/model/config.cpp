// The configuration keys, their defaults, and the two file formats (YAML, livy.conf).
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>

#include "model/config_text.h"
#include "model/warm_profiles.h"
#include "base/text_values.h"
#include "livy/config.h"
#include "model/statement_parallelism.h"

namespace livy {
namespace {

using Setter = std::function<Status(Config&, const std::string&)>;
using Getter = std::function<std::string(const Config&)>;

struct KeyDef {
  ConfigKey info;
  Setter set;
  Getter get;
};

Status bad_value(const std::string& key, const std::string& value, const std::string& expected) {
  return Status::invalid_argument("invalid value '" + value + "' for " + key + ": expected " + expected);
}

KeyDef string_key(ConfigKey info, std::string Config::*field) {
  return {std::move(info), [field](Config& c, const std::string& v) { c.*field = trim(v); return Status::ok(); },
          [field](const Config& c) { return c.*field; }};
}

template <typename Int>
KeyDef int_key(ConfigKey info, Int Config::*field, std::int64_t min, std::int64_t max) {
  const std::string name = info.name;
  return {std::move(info),
          [=](Config& c, const std::string& v) {
            const auto n = parse_int(v);
            if (!n || *n < min || *n > max) {
              return bad_value(name, v, "an integer from " + std::to_string(min) + " to " + std::to_string(max));
            }
            c.*field = static_cast<Int>(*n);
            return Status::ok();
          },
          [field](const Config& c) { return std::to_string(c.*field); }};
}

KeyDef bytes_key(ConfigKey info, std::size_t Config::*field, std::uint64_t max = UINT64_MAX) {
  const std::string name = info.name;
  return {std::move(info),
          [=](Config& c, const std::string& v) {
            const auto n = parse_byte_size(v);
            if (!n || *n == 0) return bad_value(name, v, "a size like 1048576, 512k, 10m or 1g");
            if (*n > max) return bad_value(name, v, "a size of at most " + std::to_string(max) + " bytes");
            c.*field = static_cast<std::size_t>(*n);
            return Status::ok();
          },
          [field](const Config& c) { return std::to_string(c.*field); }};
}

template <typename Duration>
KeyDef duration_key(ConfigKey info, Duration Config::*field,
                    std::chrono::milliseconds min = std::chrono::milliseconds(0)) {
  const std::string name = info.name;
  return {std::move(info),
          [=](Config& c, const std::string& v) {
            const auto d = parse_duration(v);
            if (!d) return bad_value(name, v, "a duration like 500ms, 30s, 10m or 1h");
            if (*d < min) return bad_value(name, v, "at least " + format_duration(min));
            if (std::chrono::duration_cast<Duration>(*d) != *d) return bad_value(name, v, "whole seconds");
            c.*field = std::chrono::duration_cast<Duration>(*d);
            return Status::ok();
          },
          [field](const Config& c) {
            return format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(c.*field));
          }};
}

KeyDef bool_key(ConfigKey info, bool Config::*field) {
  const std::string name = info.name;
  return {std::move(info),
          [=](Config& c, const std::string& v) {
            const auto b = parse_bool(v);
            if (!b) return bad_value(name, v, "true or false");
            c.*field = *b;
            return Status::ok();
          },
          [field](const Config& c) { return std::string(c.*field ? "true" : "false"); }};
}

KeyDef list_key(ConfigKey info, std::vector<std::string> Config::*field) {
  return {std::move(info),
          [field](Config& c, const std::string& v) {
            c.*field = split_list(v);
            return Status::ok();
          },
          [field](const Config& c) {
            std::string out;
            for (const auto& item : c.*field) out += (out.empty() ? "" : ",") + item;
            return out;
          }};
}

// spark.versions' text form: "name=home, name=home". Names and homes are trimmed;
// a name is free text without '=' or ',' (and no control character).
Result<std::map<std::string, std::string>> parse_spark_versions(const std::string& text) {
  std::map<std::string, std::string> out;
  for (const auto& entry : split_list(text)) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) {
      return bad_value("spark.versions", entry, "name=spark-home pairs separated by commas");
    }
    const std::string name = trim(entry.substr(0, eq));
    const std::string home = trim(entry.substr(eq + 1));
    if (name.empty() || home.empty()) {
      return bad_value("spark.versions", entry, "a name and a Spark home on each side of '='");
    }
    if (home.find('=') != std::string::npos) {
      return bad_value("spark.versions", entry, "names without '=' (one '=' per entry)");
    }
    for (const char ch : name + home) {
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
        return bad_value("spark.versions", entry, "no control characters");
      }
    }
    if (!out.emplace(name, home).second) {
      return Status::invalid_argument("spark.versions names '" + name + "' twice");
    }
  }
  return out;
}

std::string format_spark_versions(const std::map<std::string, std::string>& versions) {
  std::string out;
  for (const auto& [name, home] : versions) out += (out.empty() ? "" : ", ") + name + "=" + home;
  return out;
}

const std::vector<KeyDef>& key_defs() {
  static const std::vector<KeyDef> defs = [] {
    const Config d;
    std::vector<KeyDef> k;
    k.push_back(string_key({"server.host", "livy.server.host", d.host, "Address the REST server listens on."},
                           &Config::host));
    k.push_back(int_key({"server.port", "livy.server.port", std::to_string(d.port),
                         "Port of the REST server; 0 picks a free one."},
                        &Config::port, 0, 65535));
    k.push_back(bytes_key({"server.request-max-bytes", "", std::to_string(d.request_max_bytes),
                           "Largest request body accepted; larger ones get 413."},
                          &Config::request_max_bytes));
    k.push_back(int_key({"server.threads", "", std::to_string(d.http_threads),
                         "Requests handled at once (worker threads); idle, slow and kept-alive connections hold none."},
                        &Config::http_threads, 1, 1024));
    k.push_back(int_key({"server.keep-alive-requests", "", std::to_string(d.keep_alive_requests),
                         "Requests served on one connection before it is closed."},
                        &Config::keep_alive_requests, 1, 1'000'000));
    k.push_back(duration_key({"server.keep-alive-timeout", "", "5s",
                              "Idle time after which a kept-alive connection is closed. Whole seconds; 0: "
                              "closed unless the next request comes at once."},
                             &Config::keep_alive_timeout));
    k.push_back(int_key({"server.listen-backlog", "", std::to_string(d.listen_backlog),
                         "Connections the kernel queues for livyd to accept (capped by net.core.somaxconn)."},
                        &Config::listen_backlog, 1, 65535));
    k.push_back(int_key({"server.max-connections", "", std::to_string(d.max_connections),
                         "Connections open at once; a new one beyond it gets 503."},
                        &Config::max_connections, 1, 1'000'000));
    k.push_back(int_key({"server.max-connections-per-client", "", std::to_string(d.max_connections_per_client),
                         "Connections from one address; a new one beyond it closes that address's "
                         "longest-waiting connection not being served. 0: no limit."},
                        &Config::max_connections_per_client, 0, 1'000'000));
    k.push_back(bytes_key({"server.request-header-max-bytes", "livy.server.request-header.size",
                           std::to_string(d.request_header_max_bytes),
                           "Largest request line and headers; larger get 431 as soon as they pass it."},
                          &Config::request_header_max_bytes));
    k.push_back(int_key({"server.request-uri-max-bytes", "", std::to_string(d.request_uri_max_bytes),
                         "Longest request target (path and query); longer gets 414."},
                        &Config::request_uri_max_bytes, 64, 8192));
    k.push_back(int_key({"server.request-max-headers", "", std::to_string(d.request_max_headers),
                         "Most header lines in a request; more get 431."},
                        &Config::request_max_headers, 1, 10'000));
    k.push_back(duration_key({"server.request-head-timeout", "", "10s",
                              "A request head must arrive whole within this of its first byte (of connecting, "
                              "for a connection's first request); else 408."},
                             &Config::request_head_timeout, std::chrono::milliseconds(1)));
    k.push_back(duration_key({"server.request-body-timeout", "", "30s",
                              "A body of up to server.request-max-bytes must arrive within this of its head; "
                              "else 408."},
                             &Config::request_body_timeout, std::chrono::milliseconds(1)));
    k.push_back(duration_key({"server.read-timeout", "", "5s",
                              "Each read of a body larger than server.request-max-bytes (an upload)."},
                             &Config::read_timeout, std::chrono::milliseconds(1)));
    k.push_back(duration_key({"server.write-timeout", "", "10s",
                              "Writing one response; a client that does not read it in time is disconnected."},
                             &Config::write_timeout, std::chrono::milliseconds(1)));
    k.push_back(string_key({"server.tls.keystore", "livy.keystore", "",
                            "PKCS12 keystore (Java's default type) of the server's key and certificate: turns "
                            "HTTPS on. A JKS keystore stops start-up with the keytool command that converts it."},
                           &Config::tls_keystore));
    k.push_back(string_key({"server.tls.keystore-password", "livy.keystore.password", "",
                            "Password of server.tls.keystore."},
                           &Config::tls_keystore_password));
    k.push_back(string_key({"server.tls.key-password", "livy.key-password", "",
                            "Password of the private key: in the keystore, when it differs from the keystore's "
                            "(keytool makes them equal), or of an encrypted server.tls.key-file."},
                           &Config::tls_key_password));
    k.push_back(string_key({"server.tls.certificate-file", "", "",
                            "PEM file of the server's certificate followed by its intermediate CAs: turns HTTPS on "
                            "(with server.tls.key-file; instead of server.tls.keystore)."},
                           &Config::tls_certificate_file));
    k.push_back(string_key({"server.tls.key-file", "", "",
                            "PEM file of the private key of server.tls.certificate-file."},
                           &Config::tls_key_file));
    k.push_back({{"server.tls.min-version", "", d.tls_min_version,
                  "Oldest TLS version accepted: 1.2 or 1.3. Older clients fail the handshake."},
                 [](Config& c, const std::string& v) {
                   std::string t = trim(v);
                   if (t == "TLSv1.2") t = "1.2";
                   if (t == "TLSv1.3") t = "1.3";
                   if (t != "1.2" && t != "1.3") return bad_value("server.tls.min-version", v, "1.2 or 1.3");
                   c.tls_min_version = t;
                   return Status::ok();
                 },
                 [](const Config& c) { return c.tls_min_version; }});
    k.push_back(duration_key({"server.tls.hsts-max-age", "", "8760h",
                              "max-age of the Strict-Transport-Security header sent on every HTTPS response; "
                              "browsers then use only https for the host, on every port. Whole seconds; 0: "
                              "not sent."},
                             &Config::tls_hsts_max_age));
    k.push_back(bool_key({"server.csrf-protection", "livy.server.csrf-protection.enabled", "false",
                          "Requests other than GET, HEAD, OPTIONS and TRACE must carry an X-Requested-By "
                          "header (any value), else 400, as in Livy."},
                         &Config::csrf_protection));
    k.push_back(bool_key({"ui.enabled", "livy.ui.enabled", "true",
                          "The web UI at /ui, and / redirecting there (docs/ui.md). false: neither is served."},
                         &Config::ui_enabled));
    k.push_back(bool_key({"metrics.enabled", "", "true",
                          "GET /metrics serves Prometheus metrics (docs/metrics.md); authentication applies "
                          "to it as to every route. false: no such route, and requests are not counted."},
                         &Config::metrics_enabled));
    k.push_back({{"auth.type", "livy.server.auth.type", "none",
                  "Authentication: none (no users; owner is null), ldap (HTTP Basic checked by an LDAP bind), "
                  "kerberos (SPNEGO) or jwt (Bearer tokens). See docs/security.md."},
                 [](Config& c, const std::string& v) {
                   const std::string t = trim(v);
                   if (t.empty() || equals_ignoring_case(t, "none")) {
                     c.auth_type.clear();
                   } else if (equals_ignoring_case(t, "ldap") || equals_ignoring_case(t, "kerberos") ||
                              equals_ignoring_case(t, "jwt")) {
                     c.auth_type.clear();
                     for (const char ch : t) c.auth_type += ascii_lower(ch);
                   } else {
                     return bad_value("auth.type", v, "none, ldap, kerberos or jwt");
                   }
                   return Status::ok();
                 },
                 [](const Config& c) { return c.auth_type.empty() ? std::string("none") : c.auth_type; }});
    k.push_back(string_key({"auth.ldap.url", "livy.server.auth.ldap.url", "",
                            "LDAP server of auth.type ldap: ldap://host:port or ldaps://host:port."},
                           &Config::auth_ldap_url));
    k.push_back(string_key({"auth.ldap.base-dn", "livy.server.auth.ldap.base-dn", "",
                            "Users bind as uid=<user>,<base-dn>. Empty: as the user name itself."},
                           &Config::auth_ldap_base_dn));
    k.push_back(string_key({"auth.ldap.username-domain", "livy.server.auth.ldap.username-domain", "",
                            "Appended as @<domain> to a user name that has no '@' or '/' (Active Directory)."},
                           &Config::auth_ldap_username_domain));
    k.push_back(bool_key({"auth.ldap.enable-start-tls", "livy.server.auth.ldap.enable-start-tls", "false",
                          "Send StartTLS before the bind (not with an ldaps:// URL)."},
                         &Config::auth_ldap_start_tls));
    k.push_back(string_key({"auth.ldap.ca-file", "", "",
                            "PEM file of the CAs that sign the LDAP server's certificate (ldaps:// and StartTLS). "
                            "Empty: libldap's own (TLS_CACERT of ldap.conf, $LDAPTLS_CACERT)."},
                           &Config::auth_ldap_ca_file));
    k.push_back(duration_key({"auth.ldap.timeout", "", "5s",
                              "Connecting to the LDAP server and waiting for a bind's answer; then 503."},
                             &Config::auth_ldap_timeout, std::chrono::milliseconds(1)));
    k.push_back(duration_key({"auth.ldap.cache-ttl", "", "60s",
                              "A successful bind is remembered (a salted hash, never the password) that long. "
                              "0: no cache."},
                             &Config::auth_ldap_cache_ttl));
    k.push_back(int_key({"auth.ldap.cache-max-entries", "", std::to_string(d.auth_ldap_cache_max_entries),
                         "Users whose bind is remembered at once; beyond it new binds are not cached."},
                        &Config::auth_ldap_cache_max_entries, 1, 10'000'000));
    k.push_back(string_key({"auth.kerberos.principal", "livy.server.auth.kerberos.principal", "",
                            "Server principal of auth.type kerberos, e.g. HTTP/_HOST@REALM (_HOST: this host's "
                            "name); * accepts any key of the keytab."},
                           &Config::auth_kerberos_principal));
    k.push_back(string_key({"auth.kerberos.keytab", "livy.server.auth.kerberos.keytab", "",
                            "Keytab holding the server principal's key."},
                           &Config::auth_kerberos_keytab));
    k.push_back(string_key({"auth.kerberos.name-rules", "livy.server.auth.kerberos.name-rules", "DEFAULT",
                            "Hadoop auth_to_local rules mapping a client principal to a user name."},
                           &Config::auth_kerberos_name_rules));
    k.push_back(string_key({"auth.jwt.jwks-file", "livy.server.auth.jwt.jwks-file", "",
                            "auth.type jwt: the issuer's public keys, a JWKS file read at start-up."},
                           &Config::auth_jwt_jwks_file));
    k.push_back(string_key({"auth.jwt.issuer-url", "livy.server.auth.jwt.issuer-url", "",
                            "auth.type jwt: an OpenID Connect issuer whose discovery document names the JWKS "
                            "to fetch (instead of auth.jwt.jwks-file)."},
                           &Config::auth_jwt_issuer_url));
    k.push_back(string_key({"auth.jwt.issuer", "livy.server.auth.jwt.issuer", "",
                            "The iss a token must carry. Empty: auth.jwt.issuer-url."},
                           &Config::auth_jwt_issuer));
    k.push_back(list_key({"auth.jwt.audience", "livy.server.auth.jwt.audience", "",
                          "A token's aud must hold one of these. Required with auth.type jwt."},
                         &Config::auth_jwt_audiences));
    k.push_back({{"auth.jwt.algorithms", "livy.server.auth.jwt.algorithms", "RS256,ES256",
                  "Signature algorithms accepted: RS256, ES256 or both."},
                 [](Config& c, const std::string& v) {
                   std::vector<std::string> algs = split_list(v);
                   if (algs.empty()) return bad_value("auth.jwt.algorithms", v, "RS256, ES256 or both");
                   for (const auto& a : algs) {
                     if (a != "RS256" && a != "ES256") return bad_value("auth.jwt.algorithms", v, "RS256, ES256 or both");
                   }
                   c.auth_jwt_algorithms = std::move(algs);
                   return Status::ok();
                 },
                 [](const Config& c) {
                   std::string out;
                   for (const auto& a : c.auth_jwt_algorithms) out += (out.empty() ? "" : ",") + a;
                   return out;
                 }});
    k.push_back(string_key({"auth.jwt.user-claim", "livy.server.auth.jwt.user-claim", "sub",
                            "The claim whose string value is the user name, e.g. preferred_username."},
                           &Config::auth_jwt_user_claim));
    k.push_back(duration_key({"auth.jwt.clock-skew", "livy.server.auth.jwt.clock-skew", "60s",
                              "Leeway granted on exp, nbf and iat for clocks that differ."},
                             &Config::auth_jwt_clock_skew));
    k.push_back(bytes_key({"auth.jwt.max-token-bytes", "livy.server.auth.jwt.max-token-bytes",
                           std::to_string(d.auth_jwt_max_token_bytes),
                           "A longer bearer token is refused (401) before it is decoded."},
                          &Config::auth_jwt_max_token_bytes, 1024 * 1024));
    k.push_back(duration_key({"auth.jwt.jwks-refresh-interval", "livy.server.auth.jwt.jwks-refresh-interval", "10m",
                              "Keys fetched from auth.jwt.issuer-url are fetched again after this long."},
                             &Config::auth_jwt_jwks_refresh_interval, std::chrono::seconds(1)));
    k.push_back(duration_key({"auth.jwt.jwks-min-refresh-interval", "livy.server.auth.jwt.jwks-min-refresh-interval",
                              "30s", "Fetches from the issuer (for an unknown kid, or after a failure) at most this "
                              "often."},
                             &Config::auth_jwt_jwks_min_refresh_interval));
    k.push_back(duration_key({"auth.jwt.fetch-timeout", "livy.server.auth.jwt.fetch-timeout", "5s",
                              "One fetch of the discovery document or the JWKS, whole; then 503."},
                             &Config::auth_jwt_fetch_timeout, std::chrono::milliseconds(1)));
    k.push_back(bytes_key({"auth.jwt.max-document-bytes", "livy.server.auth.jwt.max-document-bytes",
                           std::to_string(d.auth_jwt_max_document_bytes),
                           "Largest discovery document or JWKS livyd reads from the issuer or the file."},
                          &Config::auth_jwt_max_document_bytes, 64 * 1024 * 1024));
    k.push_back(string_key({"auth.jwt.ca-file", "livy.server.auth.jwt.ca-file", "",
                            "PEM file of the CAs that sign an https auth.jwt.issuer-url's certificate (checked "
                            "always, with its host name). Empty: the system's CAs."},
                           &Config::auth_jwt_ca_file));
    k.push_back(duration_key({"auth.cookie-validity", "", "10h",
                              "Life of the signed hadoop.auth cookie sent after a successful authentication. "
                              "0: no cookie."},
                             &Config::auth_cookie_validity));
    k.push_back(bool_key({"access-control.enabled", "livy.server.access-control.enabled", "false",
                          "Access control: who may view and change which session or batch, as in Livy "
                          "(see docs/security.md). Needs auth.type ldap, kerberos or jwt."},
                         &Config::access_control));
    k.push_back(list_key({"access-control.allowed-users", "livy.server.access-control.allowed-users", "*",
                          "Users who may use livyd at all (with access control on); * is everyone. View, "
                          "modify and super users are allowed too."},
                         &Config::access_allowed_users));
    k.push_back(list_key({"access-control.view-users", "livy.server.access-control.view-users", "",
                          "Users who may view every session and batch (state, logs, statements)."},
                         &Config::access_view_users));
    k.push_back(list_key({"access-control.modify-users", "livy.server.access-control.modify-users", "",
                          "Users who may view and change every session and batch."},
                         &Config::access_modify_users));
    k.push_back(list_key({"access-control.superusers", "livy.superusers", "",
                          "Users who may view and change everything and impersonate anyone (with "
                          "impersonation.enabled)."},
                         &Config::superusers));
    k.push_back(bool_key({"impersonation.enabled", "livy.impersonation.enabled", "false",
                          "A session's or batch's proxyUser (or doAs) may name another user than the "
                          "caller: superusers only. On, the caller is the proxy user when none is asked."},
                         &Config::impersonation));
    k.push_back(string_key({"store.data-dir", "", d.data_dir,
                            "Directory of the SQLite store and of batch and session logs."},
                           &Config::data_dir));
    k.push_back(bool_key({"store.sync-statements", "", "true",
                          "Sync each new statement or job to disk before answering 201 (survives a power cut, "
                          "costs a disk sync per statement); false: survives a crash of livyd only."},
                         &Config::sync_statements));
    k.push_back(string_key({"spark.home", "livy.server.spark-home", "",
                            "Spark distribution to use. Empty: $SPARK_HOME, then pyspark in ./.venv."},
                           &Config::spark_home));
    k.push_back(string_key({"spark.master", "livy.spark.master", d.spark_master, "spark-submit --master."},
                           &Config::spark_master));
    k.push_back(string_key({"spark.deploy-mode", "livy.spark.deploy-mode", "",
                            "spark-submit --deploy-mode (client or cluster). Empty: Spark's default, client."},
                           &Config::spark_deploy_mode));
    k.push_back({{"spark.versions", "livy.server.spark.versions", "",
                  "Spark installations by name: name=spark-home pairs separated by commas (in YAML also a "
                  "mapping). A request picks one with the conf key livy.spark.version. Names have no '=' "
                  "or ','."},
                 [](Config& c, const std::string& v) {
                   auto versions = parse_spark_versions(v);
                   if (!versions) return versions.status();
                   c.spark_versions = std::move(*versions);
                   return Status::ok();
                 },
                 [](const Config& c) { return format_spark_versions(c.spark_versions); }});
    k.push_back(string_key({"spark.default-version", "livy.server.spark.default-version", "",
                            "The name in spark.versions used when a request names none. Empty: spark.home "
                            "(or $SPARK_HOME, ./.venv)."},
                           &Config::spark_default_version));
    k.push_back(string_key({"standalone.rest-url", "", "",
                            "REST submission server of the Spark standalone master (cluster deploy mode: "
                            "state and kill of drivers). Empty: http://<first host of spark.master>:6066."},
                           &Config::standalone_rest_url));
    k.push_back(duration_key({"standalone.rest-timeout", "", "5s",
                              "Connecting to the standalone master's REST server and each of its answers "
                              "(at least 1ms)."},
                             &Config::standalone_rest_timeout, std::chrono::milliseconds(1)));
    k.push_back(string_key({"spark.python", "", "",
                            "Python for PySpark (PYSPARK_PYTHON). Empty: the venv holding spark.home, "
                            "else $PYSPARK_PYTHON, else Spark's choice."},
                           &Config::python));
    k.push_back(string_key({"spark.redaction-regex", "spark.redaction.regex", d.redaction_regex,
                            "Regex for secret conf values (found in the key or the value): redacted in replies, "
                            "left out of the store, kept off spark-submit's command line."},
                           &Config::redaction_regex));
    k.push_back(string_key({"yarn.resourcemanager-url", "livy.server.yarn.resourcemanager-url", "",
                            "http(s)://host:port of the YARN ResourceManager's REST API (master yarn). Empty: "
                            "yarn.resourcemanager.webapp.address in $HADOOP_CONF_DIR/yarn-site.xml."},
                           &Config::yarn_resourcemanager_url));
    k.push_back(duration_key({"yarn.connect-timeout", "", "5s",
                              "Time to connect to the YARN ResourceManager before a lookup or kill fails."},
                             &Config::yarn_connect_timeout, std::chrono::milliseconds(1)));
    k.push_back(duration_key({"yarn.request-timeout", "", "10s",
                              "Time for the YARN ResourceManager's whole answer to a lookup or kill."},
                             &Config::yarn_request_timeout, std::chrono::milliseconds(1)));
    k.push_back(bytes_key({"yarn.max-response-bytes", "", std::to_string(d.yarn_max_response_bytes),
                           "Largest answer read from the YARN ResourceManager; a larger one fails the lookup."},
                          &Config::yarn_max_response_bytes));
    k.push_back(string_key({"yarn.kerberos.principal", "livy.server.launch.kerberos.principal", "",
                            "livyd's principal towards a kerberized YARN: its ticket, from yarn.kerberos.keytab, is "
                            "in livyd's own credential cache, which spark-submit uses (KRB5CCNAME), and livyd calls "
                            "the ResourceManager's REST API with SPNEGO. Empty: no Kerberos towards YARN."},
                           &Config::yarn_kerberos_principal));
    k.push_back(string_key({"yarn.kerberos.keytab", "livy.server.launch.kerberos.keytab", "",
                            "The keytab of yarn.kerberos.principal (readable by livyd alone)."},
                           &Config::yarn_kerberos_keytab));
    k.push_back(duration_key({"yarn.kerberos.refresh-interval", "livy.server.launch.kerberos.refresh-interval", "1h",
                              "How often livyd gets a new ticket from yarn.kerberos.keytab (Livy's kinit "
                              "interval); a failed one is tried again a minute later."},
                             &Config::yarn_kerberos_refresh_interval, std::chrono::milliseconds(1000)));
    k.push_back(string_key({"kubernetes.container-image", "livy.server.kubernetes.container-image", "",
                            "k8s:// masters: the container image of drivers and executors "
                            "(spark.kubernetes.container.image) of a request that sets none."},
                           &Config::kubernetes_container_image));
    k.push_back(string_key({"kubernetes.namespace", "livy.server.kubernetes.namespace", d.kubernetes_namespace,
                            "k8s:// masters: the namespace drivers run in (spark.kubernetes.namespace, always "
                            "livyd's) and where livyd looks for them."},
                           &Config::kubernetes_namespace));
    k.push_back(string_key({"kubernetes.service-account", "livy.server.kubernetes.service-account", "",
                            "k8s:// masters: the driver pod's service account "
                            "(spark.kubernetes.authenticate.driver.serviceAccountName) of a request that sets none."},
                           &Config::kubernetes_service_account));
    k.push_back(string_key({"kubernetes.api-url", "livy.server.kubernetes.api-url", "",
                            "https://host:port of the Kubernetes API server livyd asks about driver pods. "
                            "Empty: the URL in the k8s:// master."},
                           &Config::kubernetes_api_url));
    k.push_back(string_key({"kubernetes.token-file", "livy.server.kubernetes.token-file", d.kubernetes_token_file,
                            "Bearer token for the Kubernetes API, read at each request. A missing file: no token."},
                           &Config::kubernetes_token_file));
    k.push_back(string_key({"kubernetes.ca-file", "livy.server.kubernetes.ca-file", d.kubernetes_ca_file,
                            "PEM CA certificates the Kubernetes API server's certificate is verified with. "
                            "A missing file: the system's CAs."},
                           &Config::kubernetes_ca_file));
    k.push_back(duration_key({"kubernetes.connect-timeout", "", "5s",
                              "Time to connect to the Kubernetes API server before a lookup or kill fails."},
                             &Config::kubernetes_connect_timeout, std::chrono::milliseconds(1)));
    k.push_back(duration_key({"kubernetes.request-timeout", "", "10s",
                              "Time for the Kubernetes API server's whole answer to a lookup or kill."},
                             &Config::kubernetes_request_timeout, std::chrono::milliseconds(1)));
    k.push_back(bytes_key({"kubernetes.max-response-bytes", "", std::to_string(d.kubernetes_max_response_bytes),
                           "Largest answer read from the Kubernetes API server; a larger one fails the lookup."},
                          &Config::kubernetes_max_response_bytes));
    k.push_back(string_key({"kubernetes.driver-log-url", "livy.server.kubernetes.driver-log-url", "",
                            "appInfo.driverLogUrl of a driver pod: a template with {namespace}, {pod} and "
                            "{app-id}. Empty: no link."},
                           &Config::kubernetes_driver_log_url));
    k.push_back(string_key({"kubernetes.spark-ui-url", "livy.server.kubernetes.spark-ui-url", "",
                            "appInfo.sparkUiUrl of a driver pod: a template as kubernetes.driver-log-url. "
                            "Empty: no link."},
                           &Config::kubernetes_spark_ui_url));
    k.push_back(list_key({"files.local-dir-whitelist", "livy.file.local-dir-whitelist", "",
                          "Comma-separated directories whose files requests may name as local paths. "
                          "Empty: no local paths are accepted."},
                         &Config::local_dir_whitelist));
    k.push_back(string_key({"requests.conf-blocklist-file", "", "",
                            "File of Spark properties a request's conf may not set (Livy's spark-blacklist.conf "
                            "format). Empty: spark-blacklist.conf beside a livy.conf given with --config, else "
                            "livyd's default list."},
                           &Config::conf_blocklist_file));
    k.push_back(bytes_key({"requests.max-conf-key-bytes", "", std::to_string(d.max_conf_key_bytes),
                           "Longest property name in a request's conf (at most 4096); longer gets 400."},
                          &Config::max_conf_key_bytes, 4096));
    k.push_back(duration_key({"requests.idempotency-retention", "", "24h",
                              "How long an Idempotency-Key of POST /sessions or /batches returns the first "
                              "object, from its first request (whole seconds, at least 1s)."},
                             &Config::idempotency_retention, std::chrono::seconds(1)));
    k.push_back(int_key({"requests.idempotency-max-key-bytes", "", std::to_string(d.idempotency_max_key_bytes),
                         "Longest Idempotency-Key, in bytes; longer gets 400."},
                        &Config::idempotency_max_key_bytes, 1, 4096));
    k.push_back(int_key({"requests.idempotency-max-keys", "", std::to_string(d.idempotency_max_keys),
                         "Idempotency keys kept within the retention (all users); a new key beyond it gets 503."},
                        &Config::idempotency_max_keys, 1, 10'000'000));
    k.push_back({{"log.format", "", d.log_format,
                  "Form of livyd's log on stderr: text (readable lines) or json (one JSON object a line)."},
                 [](Config& c, const std::string& v) {
                   const std::string t = trim(v);
                   if (t != "text" && t != "json") return bad_value("log.format", v, "text or json");
                   c.log_format = t;
                   return Status::ok();
                 },
                 [](const Config& c) { return c.log_format; }});
    k.push_back(int_key({"log.max-queued-lines", "", std::to_string(d.log_max_queued_lines),
                         "Log lines waiting for the log writer; beyond it new lines are dropped and counted."},
                        &Config::log_max_queued_lines, 1, 10'000'000));
    k.push_back(string_key({"audit.file", "", "",
                            "The audit log: one JSON line per create, statement, cancel, delete, upload and job "
                            "submit. Empty: off."},
                           &Config::audit_file));
    k.push_back(bytes_key({"audit.max-bytes", "", std::to_string(d.audit_max_bytes),
                           "Size past which the audit file is rotated (file -> file.1 -> file.2 ...)."},
                          &Config::audit_max_bytes));
    k.push_back(int_key({"audit.max-files", "", std::to_string(d.audit_max_files),
                         "Rotated audit files kept (file.1 to file.N); older ones are deleted."},
                        &Config::audit_max_files, 1, 1000));
    k.push_back(bool_key({"audit.fsync", "", "false",
                          "fsync the audit file after each line (survives a power loss, not only a crash)."},
                         &Config::audit_fsync));
    k.push_back(bool_key({"server.security-headers", "livy.server.security-headers.enabled", "true",
                          "Send X-Content-Type-Options, X-Frame-Options, X-XSS-Protection and "
                          "Content-Security-Policy on every response, as Livy does."},
                         &Config::security_headers));
    k.push_back({{"server.content-security-policy", "livy.server.http.header.Content-Security-Policy",
                  d.content_security_policy,
                  "Content-Security-Policy of responses whose route sets none. Empty: not sent."},
                 [](Config& c, const std::string& v) {
                   const std::string t = trim(v);
                   for (const char ch : t) {  // a header value: a line break would end it
                     if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
                       return bad_value("server.content-security-policy", v,
                                        "a header value without control characters");
                     }
                   }
                   c.content_security_policy = t;
                   return Status::ok();
                 },
                 [](const Config& c) { return c.content_security_policy; }});
    k.push_back(int_key({"log.cache-size", "livy.cache-log.size", std::to_string(d.log_cache_lines),
                         "Log lines kept in memory per batch (what /log serves)."},
                        &Config::log_cache_lines, 1, 1'000'000));
    k.push_back(int_key({"sessions.max-creation", "livy.server.session.max-creation",
                         std::to_string(d.max_creation),
                         "Sessions and batches starting at once; beyond it a create gets 400."},
                        &Config::max_creation, 1, 100'000));
    k.push_back(duration_key({"sessions.state-retain", "livy.server.session.state-retain.sec", "10m",
                              "How long a finished batch stays in the live list."},
                             &Config::state_retain));
    k.push_back(duration_key({"batches.start-timeout", "", "5m",
                              "A batch whose spark-submit prints nothing for that long after its launch ends "
                              "in `error` and is stopped. 0: no limit."},
                             &Config::batch_start_timeout));
    k.push_back(duration_key({"batches.kill-grace", "", "5s",
                              "Time between SIGTERM and SIGKILL when a batch is killed."},
                             &Config::batch_kill_grace));
    k.push_back(duration_key({"clusters.app-lookup-timeout", "livy.server.yarn.app-lookup-timeout", "120s",
                              "How long a batch's or session's application may stay unknown to its cluster "
                              "manager (YARN, standalone, Kubernetes) before livyd gives up on it: `dead`."},
                             &Config::cluster_app_lookup_timeout, std::chrono::seconds(1)));
    k.push_back(duration_key({"clusters.poll-interval", "livy.server.yarn.poll-interval", "1s",
                              "How often livyd asks the cluster manager for one application's state (also while "
                              "looking for it by its tag, and between kill attempts). Livy's default is 5s."},
                             &Config::cluster_poll_interval, std::chrono::milliseconds(100)));
    k.push_back(bool_key({"sessions.timeout-check", "livy.server.session.timeout-check", "true",
                          "Stop sessions idle for longer than their idle timeout."},
                         &Config::session_timeout_check));
    k.push_back(duration_key({"sessions.timeout", "livy.server.session.timeout", "1h",
                              "Idle timeout of a session without its own `idleTimeout`."},
                             &Config::session_idle_timeout));
    k.push_back(bool_key({"sessions.timeout-check.skip-busy", "livy.server.session.timeout-check.skip-busy", "false",
                          "A busy session (running a statement) is not stopped for being idle."},
                         &Config::session_timeout_skip_busy));
    k.push_back(bool_key({"sessions.ttl-check", "", "true",
                          "Stop sessions whose TTL (`sessions.ttl`, or their own `ttl`) has passed. false: "
                          "no TTL applies."},
                         &Config::session_ttl_check));
    k.push_back(duration_key({"sessions.ttl", "livy.server.session.ttl", "0s",
                              "TTL of a session without its own `ttl`: stopped that long after its last "
                              "activity, busy or not. 0: none."},
                             &Config::session_ttl));
    k.push_back(int_key({"sessions.max-sessions", "", std::to_string(d.max_sessions),
                         "Live (not finished) sessions at once; beyond it a create gets 400."},
                        &Config::max_sessions, 1, 100'000));
    k.push_back(int_key({"sessions.max-sessions-per-user", "", std::to_string(d.max_sessions_per_user),
                         "Live sessions of one user (the request's `proxyUser`, else the authenticated owner; "
                         "requests with neither count as one user); beyond it a create gets 400. 0: no limit."},
                        &Config::max_sessions_per_user, 0, 100'000));
    k.push_back(duration_key({"sessions.recovery-grace", "", "5m",
                              "After a restart, how long a running session's driver has to reconnect before "
                              "the session is `dead`; drivers retry for as long. 0: drivers do not reconnect."},
                             &Config::session_recovery_grace));
    k.push_back(bool_key({"server.stop-on-shutdown", "", "false",
                          "On SIGTERM, stop every live session and batch (true) or leave them running for "
                          "the next start (false)."},
                         &Config::stop_on_shutdown));
    k.push_back(duration_key({"sessions.start-timeout", "", "2m",
                              "A session whose driver is not ready by then ends in `error`."},
                             &Config::session_start_timeout, std::chrono::seconds(1)));
    k.push_back({{"sessions.warm-pool.profiles", "", "",
                  "The warm pool's profiles (docs/warm-pool.md): a mapping name -> {kinds, spark-version, "
                  "driver-memory, driver-cores, executor-memory, executor-cores, num-executors, conf, size}, "
                  "or its JSON text. Empty: no pool, every session starts cold."},
                 [](Config& c, const std::string& v) {
                   auto profiles = parse_warm_profiles(v);
                   if (!profiles) return profiles.status();
                   c.warm_pool_profiles = std::move(*profiles);
                   return Status::ok();
                 },
                 [](const Config& c) { return format_warm_profiles(c.warm_pool_profiles); }});
    k.push_back(int_key({"sessions.warm-pool.size", "", std::to_string(d.warm_pool_size),
                         "Warm drivers kept ready per profile that sets no size of its own."},
                        &Config::warm_pool_size, 0, 1000));
    k.push_back(duration_key({"sessions.warm-pool.max-idle", "", "30m",
                              "A warm driver unclaimed that long is stopped and replaced."},
                             &Config::warm_pool_max_idle, std::chrono::seconds(1)));
    k.push_back(int_key({"sessions.warm-pool.max-starting", "", std::to_string(d.warm_pool_max_starting),
                         "Warm drivers starting at once, over all profiles."},
                        &Config::warm_pool_max_starting, 1, 1000));
    k.push_back(duration_key({"sessions.warm-pool.claim-wait", "", "2s",
                              "How long POST /sessions waits for a claimed warm driver to be idle before it "
                              "answers (then `starting`; the claim goes on)."},
                             &Config::warm_pool_claim_wait));
    k.push_back(duration_key({"sessions.warm-pool.retry-delay", "", "10s",
                              "After a warm driver failed to start, how long its profile waits before the next."},
                             &Config::warm_pool_retry_delay));
    k.push_back(string_key({"sessions.driver-host", "", d.driver_host,
                            "Address (IP or host name) drivers are told to connect back to. Empty: the bind "
                            "address, sessions.driver-bind-host."},
                           &Config::driver_host));
    k.push_back(string_key({"sessions.driver-bind-host", "", d.driver_bind_host,
                            "IPv4 address livyd listens on for drivers. Empty: sessions.driver-host when that is "
                            "an IPv4 address, else 127.0.0.1."},
                           &Config::driver_bind_host));
    k.push_back(int_key({"sessions.driver-port", "", std::to_string(d.driver_port),
                         "Port for drivers connecting back; 0 picks a free one."},
                        &Config::driver_port, 0, 65535));
    k.push_back(int_key({"sessions.driver-advertised-port", "", std::to_string(d.driver_advertised_port),
                         "Port drivers are told to connect to, when a NAT or port mapping is in between; 0: the "
                         "port livyd listens on."},
                        &Config::driver_advertised_port, 0, 65535));
    k.push_back(bool_key({"sessions.driver-tls", "", "false",
                          "Serve the driver channel over TLS; each driver pins the certificate's SHA-256 "
                          "fingerprint."},
                         &Config::driver_tls));
    k.push_back(string_key({"sessions.driver-tls-certificate-file", "", "",
                            "PEM certificate of the TLS driver channel. Empty: a self-signed one livyd makes once "
                            "and keeps in DATA_DIR/driver-tls."},
                           &Config::driver_tls_certificate_file));
    k.push_back(string_key({"sessions.driver-tls-key-file", "", "",
                            "PEM private key (unencrypted) of sessions.driver-tls-certificate-file."},
                           &Config::driver_tls_key_file));
    k.push_back(bytes_key({"sessions.driver-max-backlog-bytes", "", std::to_string(d.driver_max_backlog_bytes),
                           "Bytes read from one driver and not yet handled by its session; beyond it livyd stops "
                           "reading that driver until they are."},
                          &Config::driver_max_backlog_bytes));
    k.push_back(bytes_key({"sessions.driver-read-per-round-bytes", "",
                           std::to_string(d.driver_read_per_round_bytes),
                           "Most bytes read from one driver per turn of the driver channel's event loop."},
                          &Config::driver_read_per_round_bytes));
    k.push_back(duration_key({"sessions.driver-hello-timeout", "", "10s",
                              "Time a connection to the driver channel has to send its whole hello line, from "
                              "the connection on (at least 100ms); then it is closed."},
                             &Config::driver_hello_timeout, std::chrono::milliseconds(100)));
    k.push_back(bytes_key({"sessions.driver-hello-max-bytes", "", std::to_string(d.driver_hello_max_bytes),
                           "Longest hello line a driver may send; a longer first line closes the connection."},
                          &Config::driver_hello_max_bytes));
    k.push_back(int_key({"sessions.driver-max-pending", "", std::to_string(d.driver_max_pending),
                         "Connections to the driver channel that have not said hello yet; a new one beyond it "
                         "closes the oldest."},
                        &Config::driver_max_pending, 1, 65535));
    k.push_back(duration_key({"sessions.driver-send-timeout", "", "10s",
                              "A driver that reads nothing livyd sends for that long is disconnected (at least "
                              "100ms)."},
                             &Config::driver_send_timeout, std::chrono::milliseconds(100)));
    k.push_back(int_key({"sessions.driver-dispatch-threads", "", std::to_string(d.driver_dispatch_threads),
                         "Threads that hand the drivers' messages to their sessions; a session's messages stay "
                         "on one of them, in order."},
                        &Config::driver_dispatch_threads, 1, 256));
    k.push_back(string_key({"sessions.driver-script", "", "",
                            "The Python session driver (livy_driver.py). Empty: the one installed with livyd."},
                           &Config::driver_script));
    k.push_back(bytes_key({"statements.max-code-bytes", "", std::to_string(d.statement_max_code_bytes),
                           "Largest statement code accepted; larger gets 413."},
                          &Config::statement_max_code_bytes));
    k.push_back(bytes_key({"statements.max-output-bytes", "", std::to_string(d.statement_max_output_bytes),
                           "Largest statement output kept; larger outputs are truncated with a note."},
                          &Config::statement_max_output_bytes));
    k.push_back(int_key({"statements.max-parallel", "", std::to_string(d.statement_max_parallel),
                         "The most statements of one session that may run at once when it opts in with the "
                         "conf key livy.statements.parallel; 1 refuses the opt-in."},
                        &Config::statement_max_parallel, 1, kMaxStatementParallel));
    k.push_back(int_key({"statements.sql-max-result", "spark.livy.sql.max-result", std::to_string(d.sql_max_result),
                         "Rows a `sql` statement returns at most."},
                        &Config::sql_max_result, 1, 10'000'000));
    k.push_back(bytes_key({"sessions.max-upload-bytes", "livy.file.upload.max.size",
                           std::to_string(d.upload_max_bytes),
                           "Largest file accepted by upload-jar, upload-pyfile and upload-file; larger gets 413."},
                          &Config::upload_max_bytes));
    k.push_back(bytes_key({"sessions.results-quota-bytes", "", std::to_string(d.results_quota_bytes),
                           "The most a session's whole statement results (session conf livy.results.spill) "
                           "hold on disk; a result past it is kept up to it and marked incomplete."},
                          &Config::results_quota_bytes));
    k.push_back(int_key({"statements.result-page-max-rows", "", std::to_string(d.result_page_max_rows),
                         "The largest limit of a page of GET /sessions/{id}/statements/{sid}/result."},
                        &Config::result_page_max_rows, 1, 1'000'000));
    k.push_back(duration_key({"monitor.interval", "", "200ms",
                              "How often child processes and their logs are checked (at least 10ms)."},
                             &Config::monitor_interval, std::chrono::milliseconds(10)));
    k.push_back(duration_key({"monitor.ready-interval", "", "2s",
                              "How often a session whose driver is connected and ready is checked (at least "
                              "10ms)."},
                             &Config::monitor_ready_interval, std::chrono::milliseconds(10)));
    return k;
  }();
  return defs;
}

const KeyDef* find_key(const std::string& key) {
  for (const auto& def : key_defs()) {
    if (def.info.name == key || (!def.info.livy_name.empty() && def.info.livy_name == key)) return &def;
  }
  return nullptr;
}

// livy.conf keys that livyd knows but does not need: accepted without a warning.
bool is_ignored_livy_key(const std::string& key) {
  static const char* const kIgnored[] = {"livy.environment", "livy.server.recovery.mode",
                                         "livy.server.recovery.state-store",
                                         "livy.server.recovery.state-store.url",
                                         // livyd binds with the only mechanism Livy's handler has: simple.
                                         "livy.server.auth.ldap.security-authentication"};
  for (const char* k : kIgnored) {
    if (key == k) return true;
  }
  return false;
}

// livy.conf security settings livyd does not implement yet: running without what such a key
// asks for would open what the operator meant to close, so a value that turns one on would be
// refused here. None is left (access control is implemented); the check stays for the next one.
std::optional<std::string> unsupported_security(const std::string& /*key*/, const std::string& /*value*/) {
  return std::nullopt;
}

Status apply(Config& config, const std::string& key, const std::string& value, std::vector<std::string>* warnings) {
  if (const auto feature = unsupported_security(key, value)) {
    return Status::invalid_argument(key + " = " + trim(value) + " asks for " + *feature +
                                    ", which livyd does not implement yet; livyd will not run without it. "
                                    "Remove the key to run livyd with no " + *feature + ".");
  }
  const KeyDef* def = find_key(key);
  if (def == nullptr) {
    if (warnings != nullptr && !is_ignored_livy_key(key)) warnings->push_back("unknown configuration key '" + key + "'");
    return Status::ok();
  }
  return def->set(config, value);
}

// YAML aliases make a graph, not a tree: `a: &x {b: *x}` is a cycle and ten
// levels of ten aliases are 10^10 keys. A configuration is a few dozen keys, so
// the walk gives up past these bounds instead of recursing forever.
constexpr int kMaxYamlDepth = 32;
constexpr int kMaxYamlNodes = 10'000;

// A YAML tree as JSON text, every scalar a string (the reader of that key converts numbers).
Status yaml_to_json(const YAML::Node& node, int depth, std::string& out) {
  if (depth > 8) return Status::invalid_argument("nests too deep");
  auto quoted = [&out](const std::string& s) {
    out += '"';
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += ch;
      } else if (c < 0x20) {
        static const char* const kHex = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      } else {
        out += ch;
      }
    }
    out += '"';
  };
  if (node.IsMap()) {
    out += '{';
    bool first = true;
    for (const auto& item : node) {
      if (!item.first.IsScalar()) return Status::invalid_argument("keys must be strings");
      if (!first) out += ',';
      first = false;
      quoted(item.first.as<std::string>());
      out += ':';
      if (Status st = yaml_to_json(item.second, depth + 1, out); !st) return st;
    }
    out += '}';
  } else if (node.IsSequence()) {
    out += '[';
    bool first = true;
    for (const auto& item : node) {
      if (!first) out += ',';
      first = false;
      if (Status st = yaml_to_json(item, depth + 1, out); !st) return st;
    }
    out += ']';
  } else if (node.IsNull()) {
    out += "\"\"";
  } else {
    quoted(node.as<std::string>());
  }
  return Status::ok();
}

// Flattens nested maps to dotted keys; sequences become comma-separated lists.
// `nodes_left` counts down the nodes the walk may still visit.
Status flatten_yaml(const YAML::Node& node, const std::string& prefix, int depth, int& nodes_left, Config& config,
                    std::vector<std::string>* warnings) {
  if (--nodes_left < 0) {
    return Status::invalid_argument("configuration has more than " + std::to_string(kMaxYamlNodes) +
                                    " entries (are YAML aliases repeating a mapping?)");
  }
  if (node.IsMap() && (prefix == "spark.versions" || prefix == "livy.server.spark.versions")) {
    // name -> Spark home; a name may hold dots ("3.5"), so the mapping is not flattened.
    std::string text;
    for (const auto& item : node) {
      if (!item.second.IsScalar()) return Status::invalid_argument("spark.versions: each Spark home must be a string");
      const std::string name = item.first.as<std::string>();
      const std::string home = item.second.as<std::string>();
      if (name.find_first_of("=,") != std::string::npos || home.find(',') != std::string::npos) {
        return bad_value("spark.versions", name + ": " + home, "names without '=' or ',', homes without ','");
      }
      text += (text.empty() ? "" : ",") + name + "=" + home;
    }
    return apply(config, prefix, text, warnings);
  }
  if (node.IsMap() && prefix == "sessions.warm-pool.profiles") {
    // Profile names and conf keys hold dots: the mapping is not flattened but kept as JSON.
    std::string json;
    Status st = yaml_to_json(node, 0, json);
    if (!st) return Status::invalid_argument(prefix + ": " + st.message());
    return apply(config, prefix, json, warnings);
  }
  if (node.IsMap()) {
    if (depth == kMaxYamlDepth) {
      return Status::invalid_argument("configuration nests deeper than " + std::to_string(kMaxYamlDepth) +
                                      " levels at " + prefix + " (is a YAML alias inside its own anchor?)");
    }
    for (const auto& item : node) {
      const std::string key = item.first.as<std::string>();
      Status st = flatten_yaml(item.second, prefix.empty() ? key : prefix + "." + key, depth + 1, nodes_left, config,
                               warnings);
      if (!st) return st;
    }
    return Status::ok();
  }
  if (prefix.empty()) return Status::invalid_argument("configuration must be a YAML mapping");
  if (node.IsSequence()) {
    std::string joined;
    for (const auto& item : node) {
      if (!item.IsScalar()) return Status::invalid_argument("invalid value for " + prefix + ": expected a list of strings");
      joined += (joined.empty() ? "" : ",") + item.as<std::string>();
    }
    return apply(config, prefix, joined, warnings);
  }
  if (node.IsNull()) return apply(config, prefix, "", warnings);
  return apply(config, prefix, node.as<std::string>(), warnings);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Status parse_yaml_config(const std::string& text, const std::string& origin, Config& config,
                         std::vector<std::string>* warnings) {
  try {
    const YAML::Node root = YAML::Load(text);
    if (root.IsNull()) return Status::ok();
    if (!root.IsMap()) return Status::invalid_argument(origin + ": configuration must be a YAML mapping");
    int nodes_left = kMaxYamlNodes;
    Status st = flatten_yaml(root, "", 0, nodes_left, config, warnings);
    if (!st) return Status::invalid_argument(origin + ": " + st.message());
    return Status::ok();
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(origin + ": " + e.what());
  }
}

Status parse_livy_conf(std::string_view text, const std::string& origin, Config& config,
                       std::vector<std::string>* warnings) {
  int number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    std::size_t sep = t.find_first_of("=:");
    const std::size_t space = t.find_first_of(" \t");
    if (sep == std::string::npos || (space != std::string::npos && space < sep)) sep = space;
    if (sep == std::string::npos) {
      return Status::invalid_argument(origin + ":" + std::to_string(number) + ": expected 'key = value'");
    }
    std::string key = trim(t.substr(0, sep));
    std::string value = trim(t.substr(sep + 1));
    if (!value.empty() && (value[0] == '=' || value[0] == ':')) value = trim(value.substr(1));
    Status st = apply(config, key, value, warnings);
    if (!st) return Status::invalid_argument(origin + ":" + std::to_string(number) + ": " + st.message());
  }
  return Status::ok();
}

Status load_config_file(const std::string& path, Config& config, std::vector<std::string>* warnings) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot read configuration file " + path);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return Status::not_found("cannot read configuration file " + path);
  if (ends_with(path, ".yaml") || ends_with(path, ".yml")) return parse_yaml_config(text, path, config, warnings);
  Status st = parse_livy_conf(text, path, config, warnings);
  if (!st) return st;
  // Livy reads spark-blacklist.conf from its conf directory, the one that holds livy.conf. A
  // blocklist file named explicitly (here or in an earlier file) wins; --set comes later and wins too.
  if (config.conf_blocklist_file.empty()) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path beside = fs::absolute(path, ec).parent_path() / "spark-blacklist.conf";
    if (!ec && fs::exists(beside, ec)) config.conf_blocklist_file = beside.string();
  }
  return Status::ok();
}

Status set_config_value(Config& config, const std::string& key, const std::string& value) {
  const KeyDef* def = find_key(key);
  if (def == nullptr) return Status::not_found("unknown configuration key '" + key + "'");
  return def->set(config, value);
}

std::string get_config_value(const Config& config, const std::string& key) {
  const KeyDef* def = find_key(key);
  return def == nullptr ? std::string() : def->get(config);
}

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = [] {
    std::vector<ConfigKey> out;
    for (const auto& def : key_defs()) out.push_back(def.info);
    return out;
  }();
  return keys;
}

}  // namespace livy
