#include "spark/spark_submit.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <algorithm>
#include <map>
#include <optional>
#include <regex>

#include "support/fake_spark_home.h"
#include "support/temp_dir.h"

using Catch::Matchers::Contains;
using Argv = std::vector<std::string>;

namespace {

livy::SparkEnvironment spark_env(std::string master = "yarn", std::string deploy_mode = "") {
  livy::SparkEnvironment s;
  s.spark_home = "/opt/spark";
  s.spark_submit = "/opt/spark/bin/spark-submit";
  s.master = std::move(master);
  s.deploy_mode = std::move(deploy_mode);
  return s;
}

// The argv of a batch under the default redaction regex.
Argv argv_of(const livy::SparkEnvironment& spark, const livy::BatchRequest& r) {
  return livy::batch_submit_command(spark, r, livy::Redactor(), "/data/batches/1/spark-submit.properties").argv;
}

// Sets (or unsets, with nullopt) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value->c_str(), 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::optional<std::string> env_value(const livy::SparkEnvironment& s, const std::string& key) {
  std::optional<std::string> found;
  for (const auto& [k, v] : s.env) {
    if (k == key) {
      CHECK_FALSE(found);  // each variable once
      found = v;
    }
  }
  return found;
}

}  // namespace

TEST_CASE("batch_submit_command: the minimal request", "[spark_submit]") {
  livy::BatchRequest r;
  r.file = "/jobs/pi.py";
  CHECK(argv_of(spark_env("local[*]"), r) ==
        Argv{"/opt/spark/bin/spark-submit", "--master", "local[*]", "/jobs/pi.py"});
}

TEST_CASE("batch_submit_command maps every field to its spark-submit option", "[spark_submit]") {
  livy::BatchRequest r;
  r.file = "/jobs/app.jar";
  r.class_name = "com.example.Main";
  r.args = {"--conf", "x y", ""};
  r.name = "nightly";
  r.proxy_user = "alice";
  r.resources.jars = {"/j/a.jar", "hdfs://nn/b.jar"};
  r.resources.py_files = {"/j/d.py"};
  r.resources.files = {"/j/f.csv", "/j/g.csv"};
  r.resources.archives = {"/j/env.zip#env"};
  r.resources.driver_memory = "2g";
  r.resources.driver_cores = 2;
  r.resources.executor_memory = "3g";
  r.resources.executor_cores = 4;
  r.resources.num_executors = 5;
  r.resources.queue = "etl";
  r.resources.conf = {{"spark.b", "x=y"}, {"spark.a", "1"}};

  CHECK(argv_of(spark_env("yarn", "cluster"), r) ==
        Argv{"/opt/spark/bin/spark-submit",
             "--master", "yarn",
             "--deploy-mode", "cluster",
             "--name", "nightly",
             "--class", "com.example.Main",
             "--proxy-user", "alice",
             "--jars", "/j/a.jar,hdfs://nn/b.jar",
             "--py-files", "/j/d.py",
             "--files", "/j/f.csv,/j/g.csv",
             "--archives", "/j/env.zip#env",
             "--driver-memory", "2g",
             "--driver-cores", "2",
             "--executor-memory", "3g",
             "--executor-cores", "4",
             "--num-executors", "5",
             "--queue", "etl",
             "--conf", "spark.a=1",
             "--conf", "spark.b=x=y",
             "/jobs/app.jar",
             // The application's own arguments come last, verbatim, even when they look like options.
             "--conf", "x y", ""});
}

TEST_CASE("batch_submit_command: deploy mode only when configured", "[spark_submit]") {
  livy::BatchRequest r;
  r.file = "/jobs/pi.py";
  CHECK(argv_of(spark_env("yarn", ""), r) ==
        Argv{"/opt/spark/bin/spark-submit", "--master", "yarn", "/jobs/pi.py"});
  CHECK(argv_of(spark_env("yarn", "client"), r) ==
        Argv{"/opt/spark/bin/spark-submit", "--master", "yarn", "--deploy-mode", "client", "/jobs/pi.py"});
}

TEST_CASE("batch_submit_command: conf properties in a stable, sorted order", "[spark_submit]") {
  livy::BatchRequest r;
  r.file = "/jobs/pi.py";
  for (const char* k : {"spark.z", "spark.a", "spark.m"}) r.resources.conf[k] = "v";
  CHECK(argv_of(spark_env("local[2]"), r) ==
        Argv{"/opt/spark/bin/spark-submit", "--master", "local[2]", "--conf", "spark.a=v", "--conf", "spark.m=v",
             "--conf", "spark.z=v", "/jobs/pi.py"});
}

TEST_CASE("resolve_spark: a configured Spark home", "[spark_submit]") {
  livy_test::FakeSparkHome home;
  ScopedEnv no_local_ip("SPARK_LOCAL_IP", std::nullopt);
  ScopedEnv no_python("PYSPARK_PYTHON", std::nullopt);
  livy::Config c;
  c.spark_home = home.str();
  c.spark_master = "local[2]";
  c.spark_deploy_mode = "client";
  const auto s = livy::resolve_spark(c);
  REQUIRE(s.has_value());
  CHECK(s->spark_home == home.str());
  CHECK(s->spark_submit == home.spark_submit());
  CHECK(s->master == "local[2]");
  CHECK(s->deploy_mode == "client");
  CHECK(s->python.empty());
  CHECK(env_value(*s, "SPARK_HOME") == home.str());
  CHECK_FALSE(env_value(*s, "PYSPARK_PYTHON"));
  CHECK(env_value(*s, "SPARK_LOCAL_IP") == "127.0.0.1");  // local master stays on loopback
}

TEST_CASE("resolve_spark: no loopback pinning for a cluster master", "[spark_submit]") {
  livy_test::FakeSparkHome home;
  ScopedEnv no_local_ip("SPARK_LOCAL_IP", std::nullopt);
  livy::Config c;
  c.spark_home = home.str();
  c.spark_master = "yarn";
  const auto s = livy::resolve_spark(c);
  REQUIRE(s.has_value());
  CHECK_FALSE(env_value(*s, "SPARK_LOCAL_IP"));
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  CHECK(s->ui_host == host);  // a client-mode driver's UI is on this host
}

TEST_CASE("resolve_spark: the Spark UI host follows SPARK_LOCAL_IP", "[spark_submit]") {
  livy_test::FakeSparkHome home;
  livy::Config c;
  c.spark_home = home.str();
  SECTION("local master, nothing set: loopback") {
    ScopedEnv no_local_ip("SPARK_LOCAL_IP", std::nullopt);
    const auto s = livy::resolve_spark(c);
    REQUIRE(s.has_value());
    CHECK(s->ui_host == "127.0.0.1");
  }
  SECTION("set by the environment: kept, and not overridden for children") {
    ScopedEnv local_ip("SPARK_LOCAL_IP", "10.1.2.3");
    const auto s = livy::resolve_spark(c);
    REQUIRE(s.has_value());
    CHECK(s->ui_host == "10.1.2.3");
    CHECK_FALSE(env_value(*s, "SPARK_LOCAL_IP"));  // inherited as it is
  }
}

TEST_CASE("resolve_spark: SPARK_HOME from the environment", "[spark_submit]") {
  livy_test::FakeSparkHome home;
  ScopedEnv spark_home("SPARK_HOME", home.str());
  livy::Config c;
  const auto s = livy::resolve_spark(c);
  REQUIRE(s.has_value());
  CHECK(s->spark_submit == home.spark_submit());
}

TEST_CASE("resolve_spark: no executable spark-submit is unavailable", "[spark_submit]") {
  livy_test::TempDir empty;
  livy::Config c;
  c.spark_home = empty.str();
  CHECK(livy::resolve_spark(c).status().code() == livy::ErrorCode::kUnavailable);

  livy_test::write_file(empty / "bin" / "spark-submit", "#!/bin/sh\n");  // not executable
  CHECK(livy::resolve_spark(c).status().code() == livy::ErrorCode::kUnavailable);
}

TEST_CASE("resolve_spark: pyspark in a venv runs with that venv's python", "[spark_submit]") {
  livy_test::TempDir venv;
  const auto home = livy_test::make_fake_venv_pyspark(venv.path());
  ScopedEnv python("PYSPARK_PYTHON", "/usr/bin/some-other-python");
  livy::Config c;
  c.spark_home = home.string();

  SECTION("found from the layout") {
    const auto s = livy::resolve_spark(c);
    REQUIRE(s.has_value());
    const std::string venv_python = (venv / "bin" / "python").string();
    CHECK(s->python == venv_python);
    CHECK(env_value(*s, "PYSPARK_PYTHON") == venv_python);
  }
  SECTION("spark.python wins") {
    c.python = "/opt/py/bin/python3";
    const auto s = livy::resolve_spark(c);
    REQUIRE(s.has_value());
    CHECK(env_value(*s, "PYSPARK_PYTHON") == "/opt/py/bin/python3");
  }
  SECTION("without <venv>/bin/python, $PYSPARK_PYTHON") {
    std::filesystem::remove(venv / "bin" / "python");
    const auto s = livy::resolve_spark(c);
    REQUIRE(s.has_value());
    CHECK(env_value(*s, "PYSPARK_PYTHON") == "/usr/bin/some-other-python");
  }
}

TEST_CASE("resolve_spark: a Spark home written with a trailing slash is the same Spark home",
          "[spark_submit]") {
  // Regression (was a bug): "<venv>/lib/python3.11/site-packages/pyspark/" is kept with its
  // trailing slash, so SPARK_HOME ends in '/' and the venv's python is not recognised
  // (parent_path() of ".../pyspark/" is ".../pyspark").
  livy_test::TempDir venv;
  const auto home = livy_test::make_fake_venv_pyspark(venv.path());
  ScopedEnv no_python("PYSPARK_PYTHON", std::nullopt);
  livy::Config c;
  c.spark_home = home.string() + "/";
  const auto s = livy::resolve_spark(c);
  REQUIRE(s.has_value());
  CHECK(s->spark_home == home.string());
  CHECK(env_value(*s, "SPARK_HOME") == home.string());
  CHECK(s->python == (venv / "bin" / "python").string());
}

TEST_CASE("resolve_spark: a Spark home that is not in site-packages does not guess a python", "[spark_submit]") {
  livy_test::TempDir venv;
  // <venv>/bin/python exists, but the Spark home is not <venv>/lib/pythonX/site-packages/pyspark.
  livy_test::write_executable(venv / "bin" / "python", "#!/bin/sh\n");
  const auto home = livy_test::make_fake_spark_home(venv / "lib" / "python3.11" / "spark");
  ScopedEnv no_python("PYSPARK_PYTHON", std::nullopt);
  livy::Config c;
  c.spark_home = home.string();
  const auto s = livy::resolve_spark(c);
  REQUIRE(s.has_value());
  CHECK(s->python.empty());
}

TEST_CASE("batch_submit_command: secret conf values go to a properties file, never into argv", "[spark_submit]") {
  livy::BatchRequest r;
  r.file = "/jobs/pi.py";
  r.resources.conf = {{"spark.a", "1"},
                      {"spark.hadoop.fs.s3a.secret.key", "S3CR3T-value"},
                      {"spark.ssl.keyPassword", "pw-value"},
                      {"spark.x.url", "https://h/?token=abc"}};  // a value the regex finds
  const livy::SubmitCommand cmd =
      livy::batch_submit_command(spark_env("local[2]"), r, livy::Redactor(), "/d/spark-submit.properties");
  CHECK(cmd.argv == Argv{"/opt/spark/bin/spark-submit", "--master", "local[2]", "--conf", "spark.a=1",
                         "--properties-file", "/d/spark-submit.properties", "/jobs/pi.py"});
  for (const auto& arg : cmd.argv) {
    CHECK_THAT(arg, !Contains("S3CR3T") && !Contains("pw-value") && !Contains("abc"));
  }
  CHECK(cmd.hidden_conf == std::map<std::string, std::string>{{"spark.hadoop.fs.s3a.secret.key", "S3CR3T-value"},
                                                              {"spark.ssl.keyPassword", "pw-value"},
                                                              {"spark.x.url", "https://h/?token=abc"}});
}

TEST_CASE("batch_submit_command: no secret, no properties file", "[spark_submit]") {
  livy::BatchRequest r;
  r.file = "/jobs/pi.py";
  r.resources.conf = {{"spark.a", "1"}};
  const auto cmd = livy::batch_submit_command(spark_env("local[2]"), r, livy::Redactor(), "/d/p.properties");
  CHECK(cmd.hidden_conf.empty());
  CHECK(std::find(cmd.argv.begin(), cmd.argv.end(), "--properties-file") == cmd.argv.end());
}

TEST_CASE("write_properties_file: mode 0600, the secret values, spark-defaults.conf first", "[spark_submit]") {
  livy_test::TempDir dir;
  livy_test::write_file(dir / "spark" / "conf" / "spark-defaults.conf", "spark.eventLog.enabled true\n");
  ScopedEnv no_conf_dir("SPARK_CONF_DIR", std::nullopt);
  livy::SparkEnvironment spark = spark_env("local[2]");
  spark.spark_home = (dir / "spark").string();
  livy::BatchRequest r;
  r.file = "/jobs/pi.py";
  r.resources.conf = {{"spark.my.password", "p@ss w=rd\\x"}, {"spark.a", "1"}};
  const std::string path = (dir / "spark-submit.properties").string();
  livy_test::write_file(path, "stale");
  ::chmod(path.c_str(), 0644);  // an existing file is made private again
  const auto cmd = livy::batch_submit_command(spark, r, livy::Redactor(), path);
  REQUIRE(livy::write_properties_file(cmd, spark));

  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK_THAT(text.str(), Contains("spark.eventLog.enabled true\n"));
  CHECK_THAT(text.str(), Contains("spark.my.password=p@ss w=rd\\\\x\n"));
  CHECK_THAT(text.str(), !Contains("stale") && !Contains("spark.a"));
  CHECK(text.str().find("spark.eventLog") < text.str().find("spark.my.password"));  // the request's win
}

TEST_CASE("properties_line escapes what Java's Properties.load would read otherwise", "[spark_submit]") {
  CHECK(livy::properties_line("spark.a", "v") == "spark.a=v\n");
  CHECK(livy::properties_line("k:e=y #!", "x") == "k\\:e\\=y\\ \\#\\!=x\n");
  CHECK(livy::properties_line("k", " lead\tand\nnew\\") == "k=\\ lead\\tand\\nnew\\\\\n");
  CHECK(livy::properties_line("k", "caf\xc3\xa9=#!:") == "k=caf\xc3\xa9=#!:\n");
}

namespace {

livy::SessionLaunch session_launch() {
  livy::SessionLaunch l;
  l.name = "livy-session-3";
  l.driver_script = "/usr/share/livy/drivers/python/livy_driver.py";
  l.driver.callback = "livyd.example.com:40123";
  l.driver.secret = "0123456789abcdef0123456789abcdef";
  l.driver.session_id = 3;
  l.driver.session_kind = "pyspark";
  l.driver.max_output_bytes = 1 << 20;
  l.driver.reconnect_timeout_s = 300;
  l.driver.cache_dir = "/var/lib/livyd/driver-cache";
  return l;
}

bool has_pair(const Argv& argv, const std::string& flag, const std::string& value) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag && argv[i + 1] == value) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("session_submit_command: the driver's settings are Spark conf, the secret only in the properties file",
          "[spark_submit]") {
  // Cluster deploy mode on YARN: spark-submit's environment would not reach the driver.
  auto launch = session_launch();
  launch.proxy_user = "bob";
  launch.resources.conf = {{"spark.executor.instances", "2"}};
  launch.driver.tls_fingerprint = "AB:CD";
  const auto cmd = livy::session_submit_command(spark_env("yarn", "cluster"), launch, livy::Redactor(),
                                                "/data/sessions/3/spark-submit.properties");
  const Argv& argv = cmd.argv;
  CHECK(argv.front() == "/opt/spark/bin/spark-submit");
  CHECK(argv.back() == launch.driver_script);
  CHECK(has_pair(argv, "--master", "yarn"));
  CHECK(has_pair(argv, "--deploy-mode", "cluster"));
  CHECK(has_pair(argv, "--name", "livy-session-3"));
  CHECK(has_pair(argv, "--proxy-user", "bob"));
  CHECK(has_pair(argv, "--conf", "spark.executor.instances=2"));
  CHECK(has_pair(argv, "--conf", "spark.livy.driver.callback=livyd.example.com:40123"));
  CHECK(has_pair(argv, "--conf", "spark.livy.driver.session-id=3"));
  CHECK(has_pair(argv, "--conf", "spark.livy.driver.session-kind=pyspark"));
  CHECK(has_pair(argv, "--conf", "spark.livy.driver.max-output-bytes=1048576"));
  CHECK(has_pair(argv, "--conf", "spark.livy.driver.reconnect-timeout=300.000000"));
  CHECK_FALSE(has_pair(argv, "--conf", "spark.livy.driver.cache-dir=/var/lib/livyd/driver-cache"));  // livyd's host
  CHECK(has_pair(argv, "--conf", "spark.livy.driver.tls-fingerprint=AB:CD"));
  CHECK(has_pair(argv, "--properties-file", "/data/sessions/3/spark-submit.properties"));
  for (const auto& arg : argv) CHECK(arg.find(launch.driver.secret) == std::string::npos);
  CHECK(cmd.hidden_conf == std::map<std::string, std::string>{{"spark.livy.driver.secret", launch.driver.secret}});
  // Spark's own default spark.redaction.regex hides the key in its UI and logs.
  CHECK(std::regex_search(std::string(livy::kDriverSecretConf),
                          std::regex("secret|password|token|access[.]?key", std::regex::icase)));
}

TEST_CASE("session_submit_command: the secret stays off argv whatever the redaction regex", "[spark_submit]") {
  // An operator's regex that matches nothing still leaves the session's secret to the file.
  const auto nothing = livy::Redactor::compile("^$", "spark.redaction-regex");
  REQUIRE(nothing.has_value());
  auto launch = session_launch();
  launch.resources.conf = {{"spark.hadoop.fs.s3a.secret.key", "s3-secret"}};
  const auto cmd = livy::session_submit_command(spark_env("local[*]"), launch, *nothing, "/p");
  for (const auto& arg : cmd.argv) CHECK(arg.find(launch.driver.secret) == std::string::npos);
  CHECK(cmd.hidden_conf.at("spark.livy.driver.secret") == launch.driver.secret);
  CHECK(has_pair(cmd.argv, "--properties-file", "/p"));
  CHECK_FALSE(has_pair(cmd.argv, "--deploy-mode", "cluster"));
  CHECK(has_pair(cmd.argv, "--conf", "spark.livy.driver.cache-dir=/var/lib/livyd/driver-cache"));
  CHECK_FALSE(std::any_of(cmd.argv.begin(), cmd.argv.end(),
                          [](const std::string& a) { return a.find("tls-fingerprint") != std::string::npos; }));
}

TEST_CASE("session_submit_command: a request's own spark.livy.driver.* is overridden or dropped", "[spark_submit]") {
  auto launch = session_launch();
  launch.resources.conf = {{"spark.livy.driver.callback", "evil.example.com:1"},
                           {"spark.livy.driver.secret", "chosen"},
                           {"spark.livy.driver.tls-fingerprint", "00:11"}};
  const auto cmd = livy::session_submit_command(spark_env(), launch, livy::Redactor(), "/p");
  CHECK(has_pair(cmd.argv, "--conf", "spark.livy.driver.callback=livyd.example.com:40123"));
  CHECK_FALSE(has_pair(cmd.argv, "--conf", "spark.livy.driver.callback=evil.example.com:1"));
  CHECK_FALSE(has_pair(cmd.argv, "--conf", "spark.livy.driver.tls-fingerprint=00:11"));
  CHECK(cmd.hidden_conf.at("spark.livy.driver.secret") == launch.driver.secret);
}

TEST_CASE("check_deploy_mode: what spark-submit itself refuses is a 400 that says so", "[spark_submit]") {
  using livy::PrimaryKind;
  CHECK(livy::check_deploy_mode(spark_env("yarn", "cluster"), PrimaryKind::kPython).is_ok());
  CHECK(livy::check_deploy_mode(spark_env("k8s://https://k:6443", "cluster"), PrimaryKind::kPython).is_ok());
  CHECK(livy::check_deploy_mode(spark_env("spark://m:7077", "cluster"), PrimaryKind::kJvm).is_ok());
  CHECK(livy::check_deploy_mode(spark_env("spark://m:7077", "client"), PrimaryKind::kPython).is_ok());
  CHECK(livy::check_deploy_mode(spark_env("spark://m:7077", ""), PrimaryKind::kPython).is_ok());
  const auto python = livy::check_deploy_mode(spark_env("spark://m:7077", "cluster"), PrimaryKind::kPython);
  CHECK(python.code() == livy::ErrorCode::kInvalidArgument);
  CHECK_THAT(python.message(), Contains("Python") && Contains("standalone") && Contains("spark://m:7077"));
  CHECK(livy::check_deploy_mode(spark_env("spark://m:7077", "cluster"), PrimaryKind::kR).code() ==
        livy::ErrorCode::kInvalidArgument);
  CHECK(livy::check_deploy_mode(spark_env("mesos://m:5050", "cluster"), PrimaryKind::kR).code() ==
        livy::ErrorCode::kInvalidArgument);
  const auto local = livy::check_deploy_mode(spark_env("local[2]", "cluster"), PrimaryKind::kJvm);
  CHECK(local.code() == livy::ErrorCode::kInvalidArgument);
  CHECK_THAT(local.message(), Contains("local"));
}

TEST_CASE("mesos:// with Spark 3.5: spark-submit gets the master as any other; Spark 4 refuses it",
          "[spark_submit][mesos]") {
  livy::SparkEnvironment spark = spark_env("mesos://m:5050", "cluster");
  spark.version = "3.5.7";
  livy::BatchRequest r;
  r.file = "/jobs/app.jar";
  r.class_name = "org.example.Main";
  r.resources.conf = {{"spark.mesos.executor.home", "/opt/spark"}};
  CHECK(argv_of(spark, r) == Argv{"/opt/spark/bin/spark-submit", "--master", "mesos://m:5050", "--deploy-mode",
                                  "cluster", "--class", "org.example.Main", "--conf",
                                  "spark.mesos.executor.home=/opt/spark", "/jobs/app.jar"});
  CHECK(livy::check_master(spark).is_ok());
  CHECK(livy::check_deploy_mode(spark, livy::PrimaryKind::kJvm).is_ok());

  spark.version = "";  // unknown: left to spark-submit
  CHECK(livy::check_master(spark).is_ok());
  for (const char* v : {"4.0.1", "4.1.0-preview1", "10.0"}) {
    spark.version = v;
    const auto st = livy::check_master(spark);
    CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains("mesos://m:5050") && Contains(v) && Contains("default Spark installation"));
  }
  spark.master = "yarn";
  CHECK(livy::check_master(spark).is_ok());
}

TEST_CASE("session_submit_command: a cluster-mode driver gets its modules as an archive, after the request's",
          "[spark_submit]") {
  auto launch = session_launch();
  launch.driver_archive = "/usr/share/livy/livy-drivers.zip";
  launch.resources.archives = {"hdfs:///user/bob/env.tar.gz#env"};
  const auto cluster = livy::session_submit_command(spark_env("yarn", "cluster"), launch, livy::Redactor(), "/p");
  CHECK(has_pair(cluster.argv, "--archives", "hdfs:///user/bob/env.tar.gz#env,/usr/share/livy/livy-drivers.zip#livy-drivers"));
  // In client mode the driver runs beside livyd's files: nothing to ship.
  const auto client = livy::session_submit_command(spark_env("yarn", "client"), launch, livy::Redactor(), "/p");
  CHECK(has_pair(client.argv, "--archives", "hdfs:///user/bob/env.tar.gz#env"));
  // Archives given only as spark.archives (which --archives would replace): added there.
  launch.resources.archives.clear();
  launch.resources.conf = {{"spark.archives", "env.tgz#env"}};
  const auto in_conf = livy::session_submit_command(spark_env("yarn", "cluster"), launch, livy::Redactor(), "/p");
  CHECK(has_pair(in_conf.argv, "--conf", "spark.archives=env.tgz#env,/usr/share/livy/livy-drivers.zip#livy-drivers"));
  CHECK(std::find(in_conf.argv.begin(), in_conf.argv.end(), "--archives") == in_conf.argv.end());
  // No archive known (a configured driver script): the driver goes alone, as before.
  launch.driver_archive.clear();
  launch.resources.conf.clear();
  const auto alone = livy::session_submit_command(spark_env("yarn", "cluster"), launch, livy::Redactor(), "/p");
  CHECK(std::find(alone.argv.begin(), alone.argv.end(), "--archives") == alone.argv.end());
}

TEST_CASE("session_submit_command: in cluster deploy mode spark-submit returns once the driver is submitted",
          "[spark_submit]") {
  auto launch = session_launch();
  const auto yarn = livy::session_submit_command(spark_env("yarn", "cluster"), launch, livy::Redactor(), "/p");
  CHECK(has_pair(yarn.argv, "--conf", "spark.yarn.submit.waitAppCompletion=false"));
  const auto k8s =
      livy::session_submit_command(spark_env("k8s://https://k:6443", "cluster"), launch, livy::Redactor(), "/p");
  CHECK(has_pair(k8s.argv, "--conf", "spark.kubernetes.submission.waitAppCompletion=false"));
  // Client mode: spark-submit is the driver. A request's own choice is kept.
  const auto client = livy::session_submit_command(spark_env("yarn", "client"), launch, livy::Redactor(), "/p");
  for (const auto& arg : client.argv) CHECK(arg.find("waitAppCompletion") == std::string::npos);
  launch.resources.conf = {{"spark.yarn.submit.waitAppCompletion", "true"}};
  const auto kept = livy::session_submit_command(spark_env("yarn", "cluster"), launch, livy::Redactor(), "/p");
  CHECK(has_pair(kept.argv, "--conf", "spark.yarn.submit.waitAppCompletion=true"));
  CHECK_FALSE(has_pair(kept.argv, "--conf", "spark.yarn.submit.waitAppCompletion=false"));
}
