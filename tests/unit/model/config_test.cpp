#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "livy/config.h"
#include "support/temp_dir.h"

using Catch::Matchers::Contains;
using livy_test::TempDir;
using livy_test::write_file;
using namespace std::chrono_literals;

namespace {

struct Loaded {
  livy::Status status;
  livy::Config config;
  std::vector<std::string> warnings;
};

Loaded load(const TempDir& dir, const std::string& name, const std::string& text) {
  const auto path = dir / name;
  write_file(path, text);
  Loaded l;
  l.status = livy::load_config_file(path.string(), l.config, &l.warnings);
  return l;
}

}  // namespace

TEST_CASE("a YAML file sets nested keys, lists and Livy-named keys", "[config]") {
  TempDir dir;
  const auto l = load(dir, "livyd.yaml", R"(
server:
  host: 0.0.0.0
  port: 9000
  request-max-bytes: 64k
spark:
  master: yarn
  deploy-mode: cluster
files:
  local-dir-whitelist:
    - /data/jobs
    - /opt/jars
log:
  cache-size: 50
monitor:
  interval: 25ms
batches:
  kill-grace: 2s
livy.server.session.max-creation: 3
livy:
  server:
    session:
      state-retain.sec: 300s
)");
  REQUIRE(l.status.is_ok());
  CHECK(l.warnings.empty());
  CHECK(l.config.host == "0.0.0.0");
  CHECK(l.config.port == 9000);
  CHECK(l.config.request_max_bytes == 64 * 1024);
  CHECK(l.config.spark_master == "yarn");
  CHECK(l.config.spark_deploy_mode == "cluster");
  CHECK(l.config.local_dir_whitelist == std::vector<std::string>{"/data/jobs", "/opt/jars"});
  CHECK(l.config.log_cache_lines == 50);
  CHECK(l.config.monitor_interval == 25ms);
  CHECK(l.config.batch_kill_grace == 2s);
  CHECK(l.config.max_creation == 3);
  CHECK(l.config.state_retain == 300s);
  // Untouched keys keep their defaults.
  CHECK(l.config.data_dir == livy::Config{}.data_dir);
}

TEST_CASE("an empty YAML file changes nothing", "[config]") {
  TempDir dir;
  const auto l = load(dir, "empty.yml", "");
  REQUIRE(l.status.is_ok());
  CHECK(l.config.port == 8998);
}

TEST_CASE("a livy.conf file is read with Livy's key names", "[config]") {
  TempDir dir;
  const auto l = load(dir, "livy.conf", R"(# Livy's own configuration file
! a properties-style comment

livy.server.port = 9999
livy.spark.master=yarn
livy.spark.deploy-mode cluster
  livy.file.local-dir-whitelist = /a, /b
livy.cache-log.size = 50
livy.server.session.max-creation = 3
livy.server.session.state-retain.sec = 120s
livy.environment = production
)");
  REQUIRE(l.status.is_ok());
  CHECK(l.warnings.empty());  // livy.environment is known and ignored
  CHECK(l.config.port == 9999);
  CHECK(l.config.spark_master == "yarn");
  CHECK(l.config.spark_deploy_mode == "cluster");
  CHECK(l.config.local_dir_whitelist == std::vector<std::string>{"/a", "/b"});
  CHECK(l.config.log_cache_lines == 50);
  CHECK(l.config.max_creation == 3);
  CHECK(l.config.state_retain == 120s);
}

TEST_CASE("unknown keys are warnings, not errors", "[config]") {
  TempDir dir;
  SECTION("livy.conf") {
    const auto l = load(dir, "livy.conf", "livy.server.yarn.app-leakage.check-interval = 60s\nlivy.server.port = 9001\n");
    REQUIRE(l.status.is_ok());
    CHECK(l.config.port == 9001);
    REQUIRE(l.warnings.size() == 1);
    CHECK_THAT(l.warnings[0], Contains("livy.server.yarn.app-leakage.check-interval"));
  }
  SECTION("YAML") {
    const auto l = load(dir, "c.yaml", "server:\n  port: 9002\n  colour: blue\n");
    REQUIRE(l.status.is_ok());
    CHECK(l.config.port == 9002);
    REQUIRE(l.warnings.size() == 1);
    CHECK_THAT(l.warnings[0], Contains("server.colour"));
  }
}

TEST_CASE("livy.conf's CSRF switch and access-control keys are honoured", "[config]") {
  TempDir dir;
  const auto csrf = load(dir, "livy.conf", "livy.server.csrf-protection.enabled = true\n");
  REQUIRE(csrf.status.is_ok());
  CHECK(csrf.config.csrf_protection);
  CHECK(csrf.warnings.empty());
  CHECK_FALSE(livy::Config{}.csrf_protection);

  // Access control is implemented: its keys are read under Livy's names (the rules:
  // tests/unit/auth/access_test.cpp; without authentication start-up stops: check_authentication).
  const auto acl = load(dir, "livy.conf",
                        "livy.server.access-control.enabled = true\n"
                        "livy.server.access-control.allowed-users = alice, bob\n"
                        "livy.server.access-control.view-users = carol\n"
                        "livy.server.access-control.modify-users = dave\n"
                        "livy.superusers = root\nlivy.impersonation.enabled = true\n");
  REQUIRE(acl.status.is_ok());
  CHECK(acl.warnings.empty());
  CHECK(acl.config.access_control);
  CHECK(acl.config.access_allowed_users == std::vector<std::string>{"alice", "bob"});
  CHECK(acl.config.access_view_users == std::vector<std::string>{"carol"});
  CHECK(acl.config.access_modify_users == std::vector<std::string>{"dave"});
  CHECK(acl.config.superusers == std::vector<std::string>{"root"});
  CHECK(acl.config.impersonation);
  CHECK(livy::Config{}.access_allowed_users == std::vector<std::string>{"*"});
  CHECK_FALSE(livy::Config{}.access_control);
  CHECK_FALSE(livy::Config{}.impersonation);
}

TEST_CASE("livy.conf's TLS keys are read under Livy's names", "[config]") {
  TempDir dir;
  const auto l = load(dir, "livy.conf",
                      "livy.keystore = /etc/livy/keystore.p12\nlivy.keystore.password = s3cret\n"
                      "livy.key-password = k3y\nserver.tls.min-version = TLSv1.3\nserver.tls.hsts-max-age = 1d\n");
  REQUIRE(l.status.is_ok());
  CHECK(l.warnings.empty());
  CHECK(l.config.tls_keystore == "/etc/livy/keystore.p12");
  CHECK(l.config.tls_keystore_password == "s3cret");
  CHECK(l.config.tls_key_password == "k3y");
  CHECK(l.config.tls_min_version == "1.3");
  CHECK(l.config.tls_hsts_max_age == std::chrono::hours(24));
  const auto old = load(dir, "c.yaml", "server:\n  tls:\n    min-version: \"1.1\"\n");
  CHECK_THAT(old.status.message(), Contains("server.tls.min-version") && Contains("1.2 or 1.3"));
}

TEST_CASE("an invalid value is an error that names the key", "[config]") {
  TempDir dir;
  SECTION("YAML, not a number") {
    const auto l = load(dir, "c.yaml", "server:\n  port: lots\n");
    CHECK(l.status.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(l.status.message(), Contains("server.port") && Contains("lots"));
  }
  SECTION("YAML, out of range") {
    const auto l = load(dir, "c.yaml", "log:\n  cache-size: 0\n");
    CHECK(l.status.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(l.status.message(), Contains("cache-size"));
  }
  SECTION("YAML, a bad duration") {
    const auto l = load(dir, "c.yaml", "monitor:\n  interval: soon\n");
    CHECK(l.status.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(l.status.message(), Contains("monitor.interval"));
  }
  SECTION("YAML, a list of maps where strings belong") {
    const auto l = load(dir, "c.yaml", "files:\n  local-dir-whitelist:\n    - {a: 1}\n");
    CHECK(l.status.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(l.status.message(), Contains("local-dir-whitelist"));
  }
  SECTION("livy.conf, with the line number") {
    const auto l = load(dir, "livy.conf", "livy.server.port = 9000\nlivy.server.port = 70000\n");
    CHECK(l.status.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(l.status.message(), Contains("server.port") && Contains(":2:") && Contains("70000"));
  }
  SECTION("livy.conf, sub-second state-retain") {
    const auto l = load(dir, "livy.conf", "livy.server.session.state-retain.sec = 1500ms\n");
    CHECK(l.status.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(l.status.message(), Contains("state-retain"));
  }
}

TEST_CASE("monitor.interval has a floor of 10ms", "[config]") {
  livy::Config c;
  const auto st = livy::set_config_value(c, "monitor.interval", "5ms");
  CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("monitor.interval"));
  CHECK(livy::set_config_value(c, "monitor.interval", "0").code() == livy::ErrorCode::kInvalidArgument);
  REQUIRE(livy::set_config_value(c, "monitor.interval", "10ms").is_ok());
  CHECK(c.monitor_interval == 10ms);
}

TEST_CASE("malformed or missing files are errors", "[config]") {
  TempDir dir;
  livy::Config c;
  std::vector<std::string> warnings;
  CHECK_FALSE(load(dir, "bad.yaml", "server: [port: 1\n").status.is_ok());
  CHECK_FALSE(load(dir, "list.yaml", "- a\n- b\n").status.is_ok());
  CHECK_FALSE(load(dir, "livy.conf", "livy.server.port\n").status.is_ok());
  CHECK_FALSE(livy::load_config_file((dir / "missing.conf").string(), c, &warnings).is_ok());
  CHECK_FALSE(livy::load_config_file((dir / "missing.yaml").string(), c, &warnings).is_ok());
}

TEST_CASE("empty files are valid configurations", "[config]") {
  TempDir dir;
  CHECK(load(dir, "empty.yaml", "").status.is_ok());
  CHECK(load(dir, "empty.conf", "").status.is_ok());
  CHECK(load(dir, "comments.conf", "# nothing\n\n").status.is_ok());
}

// An alias inside its own anchor made the YAML walk recurse until the stack overflowed;
// nested aliases multiplied the keys visited (a hang). tests/fuzz/fuzz_config crashes on both.
TEST_CASE("YAML aliases that loop or multiply are errors, not a crash or a hang", "[config]") {
  TempDir dir;
  const auto cycle = load(dir, "cycle.yaml", "a: &x\n  b: *x\n");
  CHECK(cycle.status.code() == livy::ErrorCode::kInvalidArgument);
  CHECK_THAT(cycle.status.message(), Contains("nests deeper than"));

  // Ten mappings of ten aliases of the level below, nine levels: 10^9 keys if expanded.
  std::string laughs = "l0: &l0 {a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, h: 1, i: 1, j: 1}\n";
  for (int level = 1; level < 9; ++level) {
    const std::string below = "*l" + std::to_string(level - 1);
    laughs += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " {";
    for (char k = 'a'; k <= 'j'; ++k) laughs += std::string(k == 'a' ? "" : ", ") + k + ": " + below;
    laughs += "}\n";
  }
  const auto many = load(dir, "laughs.yaml", laughs);
  CHECK(many.status.code() == livy::ErrorCode::kInvalidArgument);
  CHECK_THAT(many.status.message(), Contains("more than"));

  // Aliases used as intended still work.
  const auto shared = load(dir, "alias.yaml", "common: &c {threads: 4, port: 9001}\nserver: *c\n");
  REQUIRE(shared.status.is_ok());
  CHECK(shared.config.port == 9001);
  CHECK(shared.config.http_threads == 4);
}

TEST_CASE("set_config_value takes livyd and Livy names, and rejects unknown keys", "[config]") {
  livy::Config c;
  REQUIRE(livy::set_config_value(c, "server.port", "1234").is_ok());
  CHECK(c.port == 1234);
  REQUIRE(livy::set_config_value(c, "livy.server.port", "4321").is_ok());
  CHECK(c.port == 4321);
  const auto st = livy::set_config_value(c, "server.colour", "blue");
  CHECK(st.code() == livy::ErrorCode::kNotFound);
  CHECK_THAT(st.message(), Contains("server.colour"));
  CHECK(livy::get_config_value(c, "server.colour").empty());
  CHECK(livy::set_config_value(c, "server.port", "-1").code() == livy::ErrorCode::kInvalidArgument);
  CHECK(livy::set_config_value(c, "server.request-max-bytes", "0").code() == livy::ErrorCode::kInvalidArgument);
  CHECK(c.port == 4321);  // a failed set changes nothing
}

TEST_CASE("config_keys: unique names, defaults that match Config, values that round-trip", "[config]") {
  const auto& keys = livy::config_keys();
  REQUIRE_FALSE(keys.empty());

  std::set<std::string> names;
  for (const auto& k : keys) {
    INFO(k.name);
    CHECK(names.insert(k.name).second);
    if (!k.livy_name.empty()) CHECK(names.insert(k.livy_name).second);
    CHECK_FALSE(k.doc.empty());
  }

  // A non-default sample value for every key: a new key must be added here.
  const std::map<std::string, std::string> samples = {
      {"server.host", "0.0.0.0"},        {"server.port", "9999"},
      {"server.request-max-bytes", "2m"}, {"server.threads", "4"},
      {"store.data-dir", "/srv/livyd"},   {"spark.home", "/opt/spark"},
      {"spark.master", "yarn"},           {"spark.deploy-mode", "cluster"},
      {"yarn.resourcemanager-url", "http://rm.example:8088"}, {"yarn.connect-timeout", "2500ms"},
      {"yarn.request-timeout", "30s"},    {"yarn.max-response-bytes", "1048576"},
      {"yarn.kerberos.principal", "livy/gw.example@EXAMPLE"}, {"yarn.kerberos.keytab", "/etc/livy/livy.keytab"},
      {"yarn.kerberos.refresh-interval", "30m"},
      {"kubernetes.container-image", "registry.example/spark:4.0.1"}, {"kubernetes.namespace", "spark-jobs"},
      {"kubernetes.service-account", "spark-driver"}, {"kubernetes.api-url", "https://k8s.example:6443"},
      {"kubernetes.token-file", "/etc/livy/k8s-token"}, {"kubernetes.ca-file", "/etc/livy/k8s-ca.pem"},
      {"kubernetes.connect-timeout", "3s"}, {"kubernetes.request-timeout", "20s"},
      {"kubernetes.max-response-bytes", "2097152"},
      {"kubernetes.driver-log-url", "https://logs.example/{namespace}/{pod}"},
      {"kubernetes.spark-ui-url", "https://ui.example/{namespace}/{pod}/"},
      {"spark.python", "/usr/bin/python3"}, {"files.local-dir-whitelist", "/a,/b"},
      {"spark.versions", "4.0=/opt/spark4, 3.5=/opt/spark35"}, {"spark.default-version", "3.5"},
      {"standalone.rest-url", "http://master:16066"}, {"standalone.rest-timeout", "2s"},
      {"spark.redaction-regex", "(?i)credential"},
      {"log.cache-size", "50"},           {"sessions.max-creation", "3"},
      {"log.format", "json"},             {"log.max-queued-lines", "100"},
      {"audit.file", "/var/log/livyd/audit.log"}, {"audit.max-bytes", "10m"},
      {"audit.max-files", "3"},           {"audit.fsync", "true"},
      {"server.security-headers", "false"}, {"server.content-security-policy", "default-src 'self'"},
      {"sessions.state-retain", "90s"},   {"batches.kill-grace", "1500ms"},
      {"clusters.app-lookup-timeout", "90s"}, {"clusters.poll-interval", "5s"},
      {"monitor.interval", "10ms"},
      {"monitor.ready-interval", "5s"},
      {"server.keep-alive-requests", "7"}, {"store.sync-statements", "off"}, {"metrics.enabled", "false"},
      {"server.keep-alive-timeout", "2s"}, {"server.listen-backlog", "64"},
      {"server.csrf-protection", "true"}, {"ui.enabled", "false"},
      {"server.max-connections", "100"},  {"server.max-connections-per-client", "0"},
      {"server.request-header-max-bytes", "64k"}, {"server.request-uri-max-bytes", "2048"},
      {"server.request-max-headers", "50"}, {"server.request-head-timeout", "3s"},
      {"server.request-body-timeout", "1m"}, {"server.read-timeout", "2s"},
      {"server.write-timeout", "20s"},
      {"server.tls.keystore", "/etc/livy/keystore.p12"}, {"server.tls.keystore-password", "s3cret"},
      {"server.tls.key-password", "k3y"}, {"server.tls.certificate-file", "/etc/livyd/server.pem"},
      {"server.tls.key-file", "/etc/livyd/server.key"}, {"server.tls.min-version", "1.3"},
      {"server.tls.hsts-max-age", "1d"},
      {"sessions.max-sessions", "5"},     {"sessions.start-timeout", "90s"},
      {"sessions.driver-host", "10.0.0.5"}, {"sessions.driver-port", "7077"},
      {"sessions.driver-bind-host", "0.0.0.0"}, {"sessions.driver-advertised-port", "30077"},
      {"sessions.driver-tls", "true"}, {"sessions.driver-tls-certificate-file", "/etc/livyd/channel.pem"},
      {"sessions.driver-tls-key-file", "/etc/livyd/channel.key"},
      {"sessions.driver-max-backlog-bytes", "4m"}, {"sessions.driver-read-per-round-bytes", "64k"},
      {"sessions.driver-script", "/opt/livyd/driver.py"}, {"statements.max-code-bytes", "64k"},
      {"statements.max-output-bytes", "1m"}, {"statements.sql-max-result", "50"}, {"statements.max-parallel", "3"},
      {"sessions.timeout-check", "false"}, {"sessions.timeout", "30m"},
      {"sessions.timeout-check.skip-busy", "true"}, {"sessions.ttl", "2h"},
      {"sessions.max-sessions-per-user", "2"}, {"sessions.recovery-grace", "30s"},
      {"server.stop-on-shutdown", "true"},     {"batches.start-timeout", "90s"},
      {"sessions.ttl-check", "false"},
      {"sessions.max-upload-bytes", "10m"}, {"sessions.results-quota-bytes", "2g"},
      {"statements.result-page-max-rows", "500"},
      {"requests.conf-blocklist-file", "/etc/livy/spark-blacklist.conf"},
      {"requests.max-conf-key-bytes", "256"},
      {"requests.idempotency-retention", "2h"},
      {"requests.idempotency-max-key-bytes", "64"},
      {"requests.idempotency-max-keys", "5000"},
      {"sessions.driver-hello-timeout", "2s"}, {"sessions.driver-hello-max-bytes", "8k"},
      {"sessions.driver-max-pending", "16"},   {"sessions.driver-send-timeout", "30s"},
      {"sessions.driver-dispatch-threads", "8"},
      {"auth.type", "ldap"}, {"auth.ldap.url", "ldap://ldap.example.com"},
      {"auth.ldap.base-dn", "ou=people,dc=example,dc=com"}, {"auth.ldap.username-domain", "example.com"},
      {"auth.ldap.enable-start-tls", "true"}, {"auth.ldap.ca-file", "/etc/ssl/ldap-ca.pem"}, {"auth.ldap.timeout", "2s"}, {"auth.ldap.cache-ttl", "0s"},
      {"auth.ldap.cache-max-entries", "50"}, {"auth.kerberos.principal", "HTTP/_HOST@EXAMPLE.COM"},
      {"auth.kerberos.keytab", "/etc/livy/spnego.keytab"}, {"auth.kerberos.name-rules", "RULE:[1:$1] DEFAULT"},
      {"auth.cookie-validity", "1h"},
      {"access-control.enabled", "true"}, {"access-control.allowed-users", "alice,bob"},
      {"access-control.view-users", "carol"}, {"access-control.modify-users", "dave"},
      {"access-control.superusers", "root"}, {"impersonation.enabled", "true"},
      {"auth.jwt.jwks-file", "/etc/livy/jwks.json"}, {"auth.jwt.issuer-url", "https://idp.example.com"},
      {"auth.jwt.issuer", "https://idp.example.com/x"}, {"auth.jwt.audience", "livy,spark"},
      {"auth.jwt.algorithms", "ES256"}, {"auth.jwt.user-claim", "preferred_username"},
      {"auth.jwt.clock-skew", "5s"}, {"auth.jwt.max-token-bytes", "8k"},
      {"auth.jwt.jwks-refresh-interval", "1h"}, {"auth.jwt.jwks-min-refresh-interval", "1m"},
      {"auth.jwt.fetch-timeout", "2s"}, {"auth.jwt.max-document-bytes", "64k"}, {"auth.jwt.ca-file", "/etc/ssl/idp-ca.pem"},
      {"sessions.warm-pool.profiles", R"({"small": {"kinds": ["pyspark", "sql"], "driver-memory": "1g", "size": 2, )"
                                      R"("conf": {"spark.sql.shuffle.partitions": "4"}}})"},
      {"sessions.warm-pool.size", "3"}, {"sessions.warm-pool.max-idle", "10m"},
      {"sessions.warm-pool.max-starting", "4"}, {"sessions.warm-pool.claim-wait", "500ms"},
      {"sessions.warm-pool.retry-delay", "1m"},
  };

  const livy::Config defaults;
  for (const auto& k : keys) {
    INFO(k.name);
    // The documented default is the default.
    livy::Config from_default;
    REQUIRE(livy::set_config_value(from_default, k.name, k.default_text).is_ok());
    CHECK(livy::get_config_value(from_default, k.name) == livy::get_config_value(defaults, k.name));

    // get(set(x)) reads back as the same setting, under either name.
    const auto sample = samples.find(k.name);
    REQUIRE(sample != samples.end());
    livy::Config c;
    REQUIRE(livy::set_config_value(c, k.name, sample->second).is_ok());
    const std::string text = livy::get_config_value(c, k.name);
    CHECK(text != livy::get_config_value(defaults, k.name));
    livy::Config again;
    REQUIRE(livy::set_config_value(again, k.name, text).is_ok());
    CHECK(livy::get_config_value(again, k.name) == text);
    if (!k.livy_name.empty()) {
      livy::Config by_livy_name;
      REQUIRE(livy::set_config_value(by_livy_name, k.livy_name, sample->second).is_ok());
      CHECK(livy::get_config_value(by_livy_name, k.livy_name) == text);
    }
  }
  CHECK(samples.size() == keys.size());
}

TEST_CASE("requests.max-conf-key-bytes is bounded so that --conf key=value fits in one argument", "[config]") {
  livy::Config c;
  CHECK(c.max_conf_key_bytes == 1024);
  REQUIRE(livy::set_config_value(c, "requests.max-conf-key-bytes", "4k").is_ok());
  CHECK(c.max_conf_key_bytes == 4096);
  const auto st = livy::set_config_value(c, "requests.max-conf-key-bytes", "4097");
  CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("requests.max-conf-key-bytes") && Contains("4096"));
  CHECK(livy::set_config_value(c, "requests.max-conf-key-bytes", "0").code() == livy::ErrorCode::kInvalidArgument);
  CHECK(c.max_conf_key_bytes == 4096);
}

// Livy reads spark-blacklist.conf from its conf directory, the one holding livy.conf.
TEST_CASE("a livy.conf brings the spark-blacklist.conf beside it, unless a blocklist file is named", "[config]") {
  TempDir dir;
  write_file(dir / "spark-blacklist.conf", "spark.master\n");
  SECTION("found beside livy.conf") {
    const auto l = load(dir, "livy.conf", "livy.server.port = 9000\n");
    REQUIRE(l.status.is_ok());
    CHECK(l.config.conf_blocklist_file == (dir / "spark-blacklist.conf").string());
  }
  SECTION("a file named in livy.conf itself wins") {
    const auto l = load(dir, "livy.conf", "requests.conf-blocklist-file = /etc/other.conf\n");
    REQUIRE(l.status.is_ok());
    CHECK(l.config.conf_blocklist_file == "/etc/other.conf");
  }
  SECTION("a YAML file is livyd's own format: nothing is looked for beside it") {
    const auto l = load(dir, "livyd.yaml", "server: {port: 9000}\n");
    REQUIRE(l.status.is_ok());
    CHECK(l.config.conf_blocklist_file.empty());
  }
  SECTION("no spark-blacklist.conf beside livy.conf: the key stays empty (the default list)") {
    TempDir other;
    const auto l = load(other, "livy.conf", "livy.server.port = 9000\n");
    REQUIRE(l.status.is_ok());
    CHECK(l.config.conf_blocklist_file.empty());
  }
}

TEST_CASE("logs, audit log and security headers: their keys, Livy's names included", "[config]") {
  TempDir dir;
  const auto yaml = load(dir, "livyd.yaml",
                         "log:\n  format: json\n  max-queued-lines: 50\n"
                         "audit:\n  file: /var/log/livyd/audit.log\n  max-bytes: 10m\n  max-files: 3\n  fsync: true\n");
  REQUIRE(yaml.status.is_ok());
  CHECK(yaml.warnings.empty());
  CHECK(yaml.config.log_format == "json");
  CHECK(yaml.config.log_max_queued_lines == 50);
  CHECK(yaml.config.audit_file == "/var/log/livyd/audit.log");
  CHECK(yaml.config.audit_max_bytes == 10u << 20);
  CHECK(yaml.config.audit_max_files == 3);
  CHECK(yaml.config.audit_fsync);
  const livy::Config defaults;
  CHECK(defaults.log_format == "text");
  CHECK(defaults.audit_file.empty());
  CHECK(defaults.security_headers);
  CHECK(defaults.content_security_policy == "default-src 'none'; frame-ancestors 'self'");

  CHECK_FALSE(load(dir, "bad.yaml", "log:\n  format: xml\n").status.is_ok());
  const auto livy_conf = load(dir, "livy.conf",
                              "livy.server.security-headers.enabled = false\n"
                              "livy.server.http.header.Content-Security-Policy = default-src 'self'\n");
  REQUIRE(livy_conf.status.is_ok());
  CHECK(livy_conf.warnings.empty());
  CHECK_FALSE(livy_conf.config.security_headers);
  CHECK(livy_conf.config.content_security_policy == "default-src 'self'");
  livy::Config c;
  CHECK_FALSE(livy::set_config_value(c, "server.content-security-policy", "a\r\nX-Evil: 1").is_ok());
  CHECK(livy::set_config_value(c, "server.content-security-policy", "").is_ok());
  CHECK(c.content_security_policy.empty());
}
