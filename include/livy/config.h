// Config: every setting of a livyd runtime, with its default.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "livy/status.h"
#include "livy/export.h"

namespace livy {

// One profile of the warm pool (sessions.warm-pool.profiles, docs/warm-pool.md): drivers started
// ahead of any request with these settings; a POST /sessions that fits one claims a driver.
struct WarmPoolProfile {
  std::string name;                       // the profile's key in sessions.warm-pool.profiles
  std::vector<std::string> kinds{"pyspark", "sql", "shared"};  // session kinds served (canonical names)
  std::string spark_version;              // a name in spark.versions; empty: the default installation
  std::string driver_memory;              // empty: Spark's default
  int driver_cores = 0;                   // 0: Spark's default
  std::string executor_memory;
  int executor_cores = 0;
  int num_executors = 0;
  std::map<std::string, std::string> conf;  // started with it; a request may repeat these values
  int size = -1;                          // warm drivers kept ready; -1: sessions.warm-pool.size

  bool operator==(const WarmPoolProfile&) const = default;
};

// All settings. Defaults make a runtime work out of the box: local Spark,
// SQLite under ./var, 127.0.0.1:8998, no auth. docs/configuration.md lists
// each key with its YAML name and its Livy (livy.conf) name.
struct Config {
  // --- server ---
  std::string host = "127.0.0.1";        // server.host / livy.server.host. Loopback by default: safe.
  int port = 8998;                       // server.port / livy.server.port. 0 picks a free port.
  std::size_t request_max_bytes = 1 << 20;  // server.request-max-bytes: larger bodies get 413.
  int http_threads = 64;                 // server.threads: requests handled at once (worker threads). Idle,
                                         // slow and kept-alive connections hold none. Idle workers cost ~10 kB.
  int keep_alive_requests = 1000;        // server.keep-alive-requests: requests on one connection before
                                         // it is closed (clients reconnect; bounds a client's hold).
  std::chrono::seconds keep_alive_timeout{5};  // server.keep-alive-timeout: an idle kept-alive connection
                                         // is closed after this long; 0 closes it
                                         // unless the next request comes at once. Longer saves reconnects.
  int listen_backlog = 1024;             // server.listen-backlog: connections the kernel queues before livyd
                                         // accepts them; a burst beyond it stalls clients for seconds.
  // Bounds livyd::http::Server applies to every client (docs/operations.md, "Limits and hardening").
  std::size_t max_connections = 4096;    // server.max-connections: connections open at once; a new one beyond
                                         // it gets 503. Each costs a descriptor (livyd raises its soft limit).
  std::size_t max_connections_per_client = 256;  // server.max-connections-per-client: connections from one
                                         // address; a new one beyond it closes that address's longest-waiting
                                         // connection that is not being served. 0: no limit. Clients behind
                                         // one proxy or NAT share an address.
  std::size_t request_header_max_bytes = 128 * 1024;  // server.request-header-max-bytes /
                                         // livy.server.request-header.size: request line and headers; 431 beyond.
                                         // Kerberos tokens of users in many groups need tens of KiB.
  std::size_t request_uri_max_bytes = 4096;  // server.request-uri-max-bytes: the request target; 414 beyond.
                                         // cpp-httplib matches routes with std::regex, whose stack use grows
                                         // with the path: at most 8192.
  std::size_t request_max_headers = 100;  // server.request-max-headers: header lines; 431 beyond.
  std::chrono::milliseconds request_head_timeout{std::chrono::seconds(10)};  // server.request-head-timeout:
                                         // a request head must arrive whole within this of its first byte (of
                                         // the connection, for the first request); else 408 and closed.
  std::chrono::milliseconds request_body_timeout{std::chrono::seconds(30)};  // server.request-body-timeout:
                                         // a body up to server.request-max-bytes must arrive within this of the
                                         // head; else 408. Neither holds a worker thread while it waits.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(5)};  // server.read-timeout: each read of a
                                         // body larger than server.request-max-bytes (uploads), which a worker
                                         // thread reads.
  std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};  // server.write-timeout: writing one
                                         // response; a client that does not read it is disconnected.
  // HTTPS (docs/tls.md): on when a keystore or a certificate file is set (not both).
  std::string tls_keystore;              // server.tls.keystore / livy.keystore: a PKCS12 keystore (Java's
                                         // default type); a JKS one stops start-up with how to convert it.
  std::string tls_keystore_password;     // server.tls.keystore-password / livy.keystore.password
  std::string tls_key_password;          // server.tls.key-password / livy.key-password: the key's password in
                                         // the keystore (keytool makes it the store's), or a PEM key's passphrase.
  std::string tls_certificate_file;      // server.tls.certificate-file: PEM, the certificate then its chain.
  std::string tls_key_file;              // server.tls.key-file: PEM, its private key.
  std::string tls_min_version = "1.2";   // server.tls.min-version: 1.2 or 1.3; older clients fail the handshake.
  std::chrono::seconds tls_hsts_max_age{31'536'000};  // server.tls.hsts-max-age: Strict-Transport-Security's
                                         // max-age on every HTTPS response (a year); 0: not sent.
  bool csrf_protection = false;          // server.csrf-protection / livy.server.csrf-protection.enabled:
                                         // requests other than GET, HEAD, OPTIONS and TRACE must carry an
                                         // X-Requested-By header (any value), else 400. Off, as in Livy:
                                         // most clients never send it.
  bool ui_enabled = true;                // ui.enabled / livy.ui.enabled: the web UI at /ui (and / redirecting
                                         // there), docs/ui.md. false: neither is served (404).
  bool metrics_enabled = true;           // metrics.enabled: GET /metrics (Prometheus text format,
                                         // docs/metrics.md), behind auth.type like every route. Off: a 404,
                                         // and requests are not counted.

  // --- security (docs/security.md) ---
  std::string auth_type;                 // auth.type / livy.server.auth.type: "" or none (no users: owner
                                         // null), ldap (HTTP Basic, LDAP bind), kerberos (SPNEGO) or jwt
                                         // (Bearer tokens, docs/security.md#jwt).
  std::string auth_ldap_url;             // auth.ldap.url / livy.server.auth.ldap.url: ldap:// or ldaps:// URL.
  std::string auth_ldap_base_dn;         // auth.ldap.base-dn / livy.server.auth.ldap.base-dn: bind as
                                         // uid=<user>,<base-dn>; empty: bind as the user name itself.
  std::string auth_ldap_username_domain; // auth.ldap.username-domain / livy.server.auth.ldap.username-domain:
                                         // appended as @domain to user names without one.
  bool auth_ldap_start_tls = false;      // auth.ldap.enable-start-tls / livy.server.auth.ldap.enable-start-tls
  std::string auth_ldap_ca_file;         // auth.ldap.ca-file: PEM CAs for ldaps:// and StartTLS. Empty: libldap's.
  std::chrono::milliseconds auth_ldap_timeout{std::chrono::seconds(5)};  // auth.ldap.timeout: connecting to
                                         // the LDAP server, and its answer to a bind; then 503. A request
                                         // thread waits that long at most (it holds no lock meanwhile).
  std::chrono::milliseconds auth_ldap_cache_ttl{std::chrono::seconds(60)};  // auth.ldap.cache-ttl: a
                                         // successful bind is remembered (a salted hash of the password) that
                                         // long; 0: every request without a valid cookie binds. Longer spares
                                         // the LDAP server; a changed or revoked password stays valid that long.
  std::size_t auth_ldap_cache_max_entries = 10'000;  // auth.ldap.cache-max-entries: users remembered at once.
  std::string auth_kerberos_principal;   // auth.kerberos.principal / livy.server.auth.kerberos.principal:
                                         // HTTP/_HOST@REALM (_HOST: this host's name); * accepts any key in
                                         // the keytab.
  std::string auth_kerberos_keytab;      // auth.kerberos.keytab / livy.server.auth.kerberos.keytab
  std::string auth_kerberos_name_rules = "DEFAULT";  // auth.kerberos.name-rules /
                                         // livy.server.auth.kerberos.name-rules: principal -> user (Hadoop's
                                         // auth_to_local rules).
  std::string auth_jwt_jwks_file;        // auth.jwt.jwks-file / livy.server.auth.jwt.jwks-file: the issuer's
                                         // public keys (a JWKS document), read at start-up.
  std::string auth_jwt_issuer_url;       // auth.jwt.issuer-url / livy.server.auth.jwt.issuer-url: an OIDC
                                         // issuer; its discovery document names the JWKS fetched (and refreshed).
  std::string auth_jwt_issuer;           // auth.jwt.issuer / livy.server.auth.jwt.issuer: the `iss` a token must
                                         // carry; empty: auth.jwt.issuer-url.
  std::vector<std::string> auth_jwt_audiences;  // auth.jwt.audience / livy.server.auth.jwt.audience: a token's
                                         // `aud` must hold one of them (required).
  std::vector<std::string> auth_jwt_algorithms{"RS256", "ES256"};  // auth.jwt.algorithms: accepted `alg`s
                                         // (RS256 and ES256 only).
  std::string auth_jwt_user_claim = "sub";  // auth.jwt.user-claim: the claim holding the user name.
  std::chrono::seconds auth_jwt_clock_skew{60};  // auth.jwt.clock-skew: leeway on exp, nbf and iat.
  std::size_t auth_jwt_max_token_bytes = 16 * 1024;  // auth.jwt.max-token-bytes: a longer token is refused
                                         // before it is decoded.
  std::chrono::milliseconds auth_jwt_jwks_refresh_interval{std::chrono::minutes(10)};  // auth.jwt.jwks-refresh-
                                         // interval: keys fetched from the issuer are fetched again that often.
  std::chrono::milliseconds auth_jwt_jwks_min_refresh_interval{std::chrono::seconds(30)};  // auth.jwt.jwks-
                                         // min-refresh-interval: fetches (e.g. for an unknown kid) at most this often.
  std::chrono::milliseconds auth_jwt_fetch_timeout{std::chrono::seconds(5)};  // auth.jwt.fetch-timeout: one
                                         // fetch of the discovery document or the JWKS, whole; then 503.
  std::size_t auth_jwt_max_document_bytes = 1024 * 1024;  // auth.jwt.max-document-bytes: largest discovery
                                         // document or JWKS read.
  std::string auth_jwt_ca_file;          // auth.jwt.ca-file: PEM CAs that sign an https issuer's certificate.
                                         // Empty: the system's (OpenSSL's default paths).
  std::chrono::milliseconds auth_cookie_validity{std::chrono::hours(10)};  // auth.cookie-validity: life of
                                         // the signed hadoop.auth cookie sent after a successful
                                         // authentication; 0: no cookie. Hadoop's default token.validity.
  bool access_control = false;           // access-control.enabled / livy.server.access-control.enabled:
                                         // Livy's per-session rules (docs/security.md); needs auth.type.
  std::vector<std::string> access_allowed_users{"*"};  // access-control.allowed-users: may use livyd at all
  std::vector<std::string> access_view_users;    // access-control.view-users: view every session and batch
  std::vector<std::string> access_modify_users;  // access-control.modify-users: view and change every one
  std::vector<std::string> superusers;   // access-control.superusers / livy.superusers: all of that, and
                                         // may impersonate anyone.
  bool impersonation = false;            // impersonation.enabled / livy.impersonation.enabled: proxyUser
                                         // and doAs may name another user (superusers only).

  // --- state ---
  std::string data_dir = "./var";        // store.data-dir: SQLite store, logs of batches and sessions.
  bool sync_statements = true;           // store.sync-statements: fsync each new statement (and job of
                                         // the job API) before the 201 (survives a power cut; costs one
                                         // disk sync, ~ms, per statement). Off: written, survives a crash
                                         // of livyd only.

  // --- spark ---
  std::string spark_home;    // spark.home / livy.server.spark-home. Empty: $SPARK_HOME, then ./.venv's pyspark.
  std::string spark_master = "local[*]";  // spark.master / livy.spark.master
  std::string spark_deploy_mode;          // spark.deploy-mode / livy.spark.deploy-mode. Empty: client.
  // spark.versions / livy.server.spark.versions: Spark installations by name (name -> Spark home), chosen
  // per session or batch with the conf key livy.spark.version (docs/clusters.md). livy.conf form:
  // `4.0=/opt/spark4, 3.5=/opt/spark35`; names are free text without '=' or ','.
  std::map<std::string, std::string> spark_versions;
  std::string spark_default_version;      // spark.default-version / livy.server.spark.default-version: the
                                          // name in spark.versions used when a request names none. Empty:
                                          // spark.home (or $SPARK_HOME, ./.venv) as without spark.versions.
  // Spark standalone (spark:// masters) in cluster deploy mode: drivers are watched and killed through the
  // master's REST submission server (the master needs spark.master.rest.enabled=true).
  std::string standalone_rest_url;        // standalone.rest-url: e.g. http://master:6066. Empty: the first
                                          // host of spark.master, port 6066 (Spark's default).
  std::chrono::milliseconds standalone_rest_timeout{std::chrono::seconds(5)};  // standalone.rest-timeout:
                                          // connecting to it and each answer; a slower master is an error
                                          // for that one check (the engine asks again later).
  std::string python;        // spark.python: interpreter for PySpark. Empty: the venv that holds
                             // spark.home if any, else $PYSPARK_PYTHON, else Spark's own choice.
  // spark.redaction-regex / spark.redaction.regex: a request's conf values whose key or value this
  // regex finds are secret: shown as "*********(redacted)" in every reply, kept out of the store and
  // given to spark-submit in a 0600 properties file, never on its command line. Spark's default.
  std::string redaction_regex = "(?i)secret|password|token|access[.]?key";

  // --- YARN (master yarn: lib/clusters/yarn_cluster_manager) ---
  std::string yarn_resourcemanager_url;  // yarn.resourcemanager-url / livy.server.yarn.resourcemanager-url:
                                         // http(s)://host:port of the ResourceManager's REST API. Empty:
                                         // yarn.resourcemanager.webapp.address in $HADOOP_CONF_DIR/yarn-site.xml.
  std::chrono::milliseconds yarn_connect_timeout{std::chrono::seconds(5)};  // yarn.connect-timeout: to
                                         // connect to the RM; then a lookup or kill fails (and is retried).
  std::chrono::milliseconds yarn_request_timeout{std::chrono::seconds(10)};  // yarn.request-timeout: for
                                         // the RM's whole answer, however slowly it comes.
  std::size_t yarn_max_response_bytes = 4 << 20;  // yarn.max-response-bytes: largest RM answer read; a
                                         // lookup by tag lists a handful of applications (~2 KiB each).
  // yarn.kerberos.principal / livy.server.launch.kerberos.principal and yarn.kerberos.keytab /
  // livy.server.launch.kerberos.keytab: livyd's own identity towards a kerberized YARN (both or
  // neither): a ticket from the keytab in livyd's credential cache, which spark-submit uses
  // (KRB5CCNAME), and SPNEGO to the ResourceManager's REST API (clusters/yarn_kerberos.h).
  std::string yarn_kerberos_principal;
  std::string yarn_kerberos_keytab;
  std::chrono::milliseconds yarn_kerberos_refresh_interval{std::chrono::hours(1)};  // yarn.kerberos.refresh-interval /
                                         // livy.server.launch.kerberos.refresh-interval: a new ticket this often.

  // --- Kubernetes (k8s:// masters: lib/clusters/kubernetes_cluster_manager; livy.server.kubernetes.* in livy.conf) ---
  std::string kubernetes_container_image;  // kubernetes.container-image: spark.kubernetes.container.image
                                           // of a request that sets none.
  std::string kubernetes_namespace = "default";  // kubernetes.namespace: where drivers run and are looked for.
  std::string kubernetes_service_account;  // kubernetes.service-account: the driver pod's service account
                                           // (spark.kubernetes.authenticate.driver.serviceAccountName) by default.
  std::string kubernetes_api_url;  // kubernetes.api-url: https://host:port of the API server. Empty: the URL
                                   // in the k8s:// master.
  std::string kubernetes_token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";  // bearer token,
                                   // read at each request (tokens rotate); a missing file: no token sent.
  std::string kubernetes_ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";  // CA of the API
                                   // server's certificate; a missing file: the system's CAs.
  std::chrono::milliseconds kubernetes_connect_timeout{std::chrono::seconds(5)};   // kubernetes.connect-timeout
  std::chrono::milliseconds kubernetes_request_timeout{std::chrono::seconds(10)};  // kubernetes.request-timeout
  std::size_t kubernetes_max_response_bytes = 4 << 20;  // kubernetes.max-response-bytes
  std::string kubernetes_driver_log_url;  // kubernetes.driver-log-url: appInfo.driverLogUrl template
                                          // ({namespace}, {pod}, {app-id}); empty: none.
  std::string kubernetes_spark_ui_url;    // kubernetes.spark-ui-url: appInfo.sparkUiUrl template, the same.

  // --- files ---
  // files.local-dir-whitelist / livy.file.local-dir-whitelist: directories whose files a request may
  // name as local paths (file, jars, pyFiles, files, archives). Empty: no local paths at all.
  std::vector<std::string> local_dir_whitelist;

  // --- requests ---
  // requests.conf-blocklist-file: a file of Spark properties a request's `conf` may not set, in
  // Livy's spark-blacklist.conf format (one name per line, `*` wildcards allowed). Empty: the
  // spark-blacklist.conf beside a livy.conf that load_config_file read, if there is one, else
  // livyd's default list (Livy's, plus properties that run a program or read a local file). A file
  // replaces the default list: an operator who leaves a property out allows what it opens.
  std::string conf_blocklist_file;
  std::size_t max_conf_key_bytes = 1024;  // requests.max-conf-key-bytes: longest property name in a
                                       // request's `conf`, in bytes; longer gets 400. Spark's names are
                                       // under ~150 bytes. At most 4096, so that `--conf key=value`
                                       // (values are at most 64 KiB) stays under the kernel's 128 KiB
                                       // limit for one argument.
  // Idempotent creates (Idempotency-Key on POST /sessions and POST /batches; docs/rest-api.md).
  std::chrono::seconds idempotency_retention{24 * 3600};  // requests.idempotency-retention: how long a
                                       // key returns its first object, counted from the first request; a
                                       // retry after it creates anew. Longer keeps more keys (memory, store).
  std::size_t idempotency_max_key_bytes = 255;  // requests.idempotency-max-key-bytes: longest key; longer
                                       // gets 400. UUIDs take 36; 255 as Stripe's.
  std::size_t idempotency_max_keys = 100'000;  // requests.idempotency-max-keys: keys kept (all users) within
                                       // the retention, in memory (~200 bytes each) and in the store; a create
                                       // with a new key beyond it gets 503 until the oldest expire.

  // --- logs (docs/operations.md#logs) ---
  std::string log_format = "text";     // log.format: text (readable lines) or json (one JSON object a line),
                                       // on stderr: each request, each state change, livyd's own messages.
  std::size_t log_max_queued_lines = 10'000;  // log.max-queued-lines: lines waiting for the log writer;
                                       // beyond it lines are dropped (and counted), never waited for.
  std::string audit_file;              // audit.file: the audit log (who did what), JSON lines appended with
                                       // one write(2) each before the reply is sent. Empty: no audit log.
  std::size_t audit_max_bytes = 100 << 20;  // audit.max-bytes: the audit file is rotated (file -> file.1 ...)
                                       // once a line takes it past this size.
  int audit_max_files = 10;            // audit.max-files: rotated files kept (file.1 .. file.N); older go.
  bool audit_fsync = false;            // audit.fsync: fsync after each line. Survives a power loss, not only
                                       // a crash of livyd, at the cost of a disk flush per audited request.
  bool security_headers = true;        // server.security-headers / livy.server.security-headers.enabled:
                                       // X-Content-Type-Options, X-Frame-Options, X-XSS-Protection and
                                       // Content-Security-Policy on every response, as Livy sends them.
  std::string content_security_policy = "default-src 'none'; frame-ancestors 'self'";  //
                                       // server.content-security-policy /
                                       // livy.server.http.header.Content-Security-Policy: on responses whose
                                       // route sets none (the UI's pages set their own). Empty: not sent.

  // --- limits and timing ---
  std::size_t log_cache_lines = 200;   // log.cache-size / livy.cache-log.size: lines kept in memory per batch.
  int max_creation = 100;              // sessions.max-creation / livy.server.session.max-creation:
                                       // sessions and batches starting at once; beyond it POST gets 400.
  std::chrono::milliseconds batch_kill_grace{std::chrono::seconds(5)};  // batches.kill-grace: SIGTERM
                                       // to SIGKILL. Longer lets Spark clean up; shorter frees faster.
  std::chrono::milliseconds batch_start_timeout{std::chrono::minutes(5)};  // batches.start-timeout: a
                                       // batch whose spark-submit prints nothing that long ends `error`
                                       // and is stopped. 0: no limit.
  std::chrono::seconds state_retain{600};  // sessions.state-retain / livy.server.session.state-retain.sec:
                                       // how long a finished batch or session stays in the live list.
  // --- session timeouts (Livy's semantics; `idleTimeout`, `ttl` of a request win) ---
  bool session_timeout_check = true;   // sessions.timeout-check / livy.server.session.timeout-check
  std::chrono::milliseconds session_idle_timeout{std::chrono::hours(1)};  // sessions.timeout /
                                       // livy.server.session.timeout: no activity that long -> stopped.
  bool session_timeout_skip_busy = false;  // sessions.timeout-check.skip-busy /
                                       // livy.server.session.timeout-check.skip-busy: spare busy sessions.
  bool session_ttl_check = true;       // sessions.ttl-check: apply TTLs (the config's and the sessions' own).
  std::chrono::milliseconds session_ttl{0};  // sessions.ttl / livy.server.session.ttl: stopped that long
                                       // after the last activity even when busy; 0: no TTL.

  // --- sessions and statements ---
  int max_sessions = 100;              // sessions.max-sessions: live sessions at once; beyond it POST gets 400.
  int max_sessions_per_user = 0;       // sessions.max-sessions-per-user: live sessions of one user (proxyUser,
                                       // else the authenticated owner); beyond it POST gets 400. 0: no limit.
  std::chrono::milliseconds session_recovery_grace{std::chrono::minutes(5)};  // sessions.recovery-grace:
                                       // after a restart, how long a live session's driver has to reconnect
                                       // before the session is `dead`. Also how long drivers keep retrying.
  bool stop_on_shutdown = false;       // server.stop-on-shutdown: on SIGTERM stop every session and batch
                                       // (true) or leave them running for the next start (false).
  std::chrono::milliseconds session_start_timeout{std::chrono::seconds(120)};  // sessions.start-timeout:
                                       // a driver not ready by then fails the session (`error`).
  // The warm pool (docs/warm-pool.md): off while no profile is configured.
  std::vector<WarmPoolProfile> warm_pool_profiles;  // sessions.warm-pool.profiles: a YAML mapping name ->
                                       // profile (or its JSON text); empty: no pool, every session starts cold.
  int warm_pool_size = 1;              // sessions.warm-pool.size: warm drivers kept ready per profile that sets
                                       // no `size`. Each is a running Spark driver (memory, a JVM).
  std::chrono::milliseconds warm_pool_max_idle{std::chrono::minutes(30)};  // sessions.warm-pool.max-idle: a
                                       // warm driver unclaimed that long is stopped and replaced (a fresh JVM).
  int warm_pool_max_starting = 2;      // sessions.warm-pool.max-starting: warm drivers starting at once, over
                                       // all profiles. Higher refills faster; each start costs a JVM's CPU.
  std::chrono::milliseconds warm_pool_claim_wait{std::chrono::seconds(2)};  // sessions.warm-pool.claim-wait:
                                       // how long POST /sessions waits for a claimed driver to be idle before
                                       // it answers (`starting` after that; the claim goes on).
  std::chrono::milliseconds warm_pool_retry_delay{std::chrono::seconds(10)};  // sessions.warm-pool.retry-delay:
                                       // after a warm driver of a profile failed to start, the next start of
                                       // that profile waits this long (no fork storm from a broken profile).
  std::string driver_host;             // sessions.driver-host: address (IP or host name) drivers are told to
                                       // connect back to. Empty: the bind address (driver-bind-host).
  std::string driver_bind_host;        // sessions.driver-bind-host: IPv4 address livyd listens on for drivers.
                                       // Empty: driver-host when that is an IPv4 address, else 127.0.0.1.
  int driver_port = 0;                 // sessions.driver-port: its port; 0 picks a free one.
  int driver_advertised_port = 0;      // sessions.driver-advertised-port: the port drivers are told (a NAT or
                                       // a container's port mapping in between); 0: the port livyd listens on.
  bool driver_tls = false;             // sessions.driver-tls: the driver channel over TLS; drivers pin the
                                       // certificate's SHA-256 fingerprint. Off: plain TCP (fine on loopback).
  std::string driver_tls_certificate_file;  // sessions.driver-tls-certificate-file: PEM certificate of the
                                       // channel. Empty: a self-signed one livyd makes once in DATA_DIR/driver-tls.
  std::string driver_tls_key_file;     // sessions.driver-tls-key-file: PEM private key (unencrypted) of it.
  std::size_t driver_max_backlog_bytes = 1 << 20;  // sessions.driver-max-backlog-bytes: bytes read from one
                                       // driver that its session has not handled yet; beyond it livyd stops
                                       // reading that driver until it has. Bounds memory per driver.
  std::size_t driver_read_per_round_bytes = 256 * 1024;  // sessions.driver-read-per-round-bytes: most bytes read
                                       // from one driver per turn of the channel's loop, so one busy driver
                                       // cannot starve the others. Larger: fewer turns for a big result.
  // The driver channel's port is open to every local user: a connection is bounded before its hello.
  std::chrono::milliseconds driver_hello_timeout{std::chrono::seconds(10)};  // sessions.driver-hello-timeout:
                                       // from a connection to the end of its hello line, in all (however the
                                       // bytes are dripped); then it is closed. Longer suits a slow network
                                       // to a remote driver; shorter frees a silent connection sooner.
  std::size_t driver_hello_max_bytes = 4096;  // sessions.driver-hello-max-bytes: longest hello line (a
                                       // driver's is ~200 bytes); a longer first line closes the connection.
                                       // Bounds what a connection that has not said hello can make livyd hold.
  std::size_t driver_max_pending = 64; // sessions.driver-max-pending: connections that have not said hello;
                                       // a new one beyond it closes the oldest. Each holds a descriptor and at
                                       // most driver-hello-max-bytes. Drivers say hello at once, so a lower
                                       // value only risks a driver in a burst of more connections than this.
  std::chrono::milliseconds driver_send_timeout{std::chrono::seconds(10)};  // sessions.driver-send-timeout:
                                       // a driver that reads nothing of what livyd sends for that long is
                                       // disconnected (its session ends). Longer tolerates a stalled driver.
  std::string driver_script;           // sessions.driver-script: the Python driver. Empty: the installed one.
  int driver_dispatch_threads = 4;     // sessions.driver-dispatch-threads: threads that hand what drivers
                                       // send to their sessions (one session's messages stay on one, in
                                       // order). One event loop thread reads every driver, whatever their number.
  std::size_t statement_max_code_bytes = 512 * 1024;    // statements.max-code-bytes: larger code gets 413.
  std::size_t statement_max_output_bytes = 4 << 20;     // statements.max-output-bytes: larger outputs are
                                       // truncated, with a note in text/plain.
  int statement_max_parallel = 8;      // statements.max-parallel: the most a session may ask for with
                                       // livy.statements.parallel (statements of one session running at
                                       // once, each a driver thread); 1 refuses the opt-in.
  int sql_max_result = 1000;           // statements.sql-max-result / spark.livy.sql.max-result: rows a
                                       // `sql` statement returns.
  std::size_t upload_max_bytes = 100 << 20;  // sessions.max-upload-bytes / livy.file.upload.max.size:
                                       // largest file upload-jar/-pyfile/-file accept; larger gets 413.
  std::size_t results_quota_bytes = std::size_t{1} << 30;  // sessions.results-quota-bytes: the most a
                                       // session's whole results (livy.results.spill) hold on disk; a result
                                       // that passes it is kept up to it and marked incomplete.
  int result_page_max_rows = 10'000;   // statements.result-page-max-rows: the largest `limit` of a page of
                                       // GET .../statements/{sid}/result. Larger pages cost livyd memory.
  std::chrono::milliseconds monitor_interval{200};  // monitor.interval: how often processes and logs are
                                       // polled. Shorter notices ends sooner and costs more wake-ups.
  std::chrono::milliseconds monitor_ready_interval{2000};  // monitor.ready-interval: the same for a session
                                       // whose driver is connected and ready (its death closes the
                                       // connection, which ends the session at once).
  std::chrono::milliseconds cluster_app_lookup_timeout{std::chrono::seconds(120)};  // clusters.app-lookup-
                                       // timeout / livy.server.yarn.app-lookup-timeout: how long a batch's or
                                       // session's application may stay unknown to its cluster manager before
                                       // it is given up (`dead`). Longer waits out a busy cluster's queue.
  std::chrono::milliseconds cluster_poll_interval{std::chrono::seconds(1)};  // clusters.poll-interval /
                                       // livy.server.yarn.poll-interval: how often one application's state
                                       // is asked of its cluster manager. Shorter notices ends sooner; each
                                       // running application costs one request per interval.
};

// Reads a configuration file into `config`: YAML when the name ends in
// .yaml/.yml, Livy's `key = value` format otherwise (livy.conf). Keys that
// are not known are reported in `warnings`; an invalid value is an error
// that names the key.
LIVY_API Status load_config_file(const std::string& path, Config& config, std::vector<std::string>* warnings);

// Sets one key (livyd name like `server.port`, or Livy name like
// `livy.server.port`) from its text form. Unknown keys: kNotFound.
LIVY_API Status set_config_value(Config& config, const std::string& key, const std::string& value);

// One documented configuration key.
struct ConfigKey {
  std::string name;         // livyd name (YAML path with dots)
  std::string livy_name;    // livy.conf name, empty when Livy has none
  std::string default_text;  // default in text form
  std::string doc;
};

// Every key, in documentation order.
LIVY_API const std::vector<ConfigKey>& config_keys();

// Current value of a key in text form (as accepted by set_config_value).
LIVY_API std::string get_config_value(const Config& config, const std::string& key);

}  // namespace livy
