// Several Spark installations on one server: spark.versions and spark.default-version
// in both configuration formats, their resolution at start-up, the choice of a request
// (livy.spark.version, taken out of what spark-submit sees) and its refusals.
#include "spark/spark_versions.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "livy/runtime.h"
#include "model/config_text.h"
#include "model/request_validation.h"
#include "support/fake_spark_home.h"
#include "support/temp_dir.h"
#include "support/test_runtime.h"

using Catch::Matchers::Contains;
using livy::ErrorCode;
using livy_test::TempDir;

namespace {

// A fake Spark home with jars/spark-core_<scala>-<version>.jar, as a distribution has.
std::filesystem::path fake_spark(const std::filesystem::path& home, const std::string& version) {
  livy_test::make_fake_spark_home(home);
  livy_test::write_file(home / "jars" / ("spark-core_2.13-" + version + ".jar"), "");
  livy_test::write_file(home / "jars" / ("spark-core_2.13-" + version + "-tests.jar"), "");
  livy_test::write_file(home / "jars" / "spark-sql_2.13-9.9.9.jar", "");
  return home;
}

bool has_conf(const std::vector<std::string>& argv, const std::string& prefix) {
  return std::any_of(argv.begin(), argv.end(), [&](const std::string& a) { return a.rfind(prefix, 0) == 0; });
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("spark.versions: the livy.conf line and the YAML mapping", "[spark_versions]") {
  livy::Config c;
  REQUIRE(livy::parse_livy_conf("livy.server.spark.versions = 4.0=/opt/spark4, 3.5 legacy = /opt/spark35\n"
                                "livy.server.spark.default-version = 4.0\n",
                                "livy.conf", c, nullptr)
              .is_ok());
  CHECK(c.spark_versions == std::map<std::string, std::string>{{"4.0", "/opt/spark4"}, {"3.5 legacy", "/opt/spark35"}});
  CHECK(c.spark_default_version == "4.0");
  CHECK(livy::get_config_value(c, "spark.versions") == "3.5 legacy=/opt/spark35, 4.0=/opt/spark4");

  livy::Config y;
  REQUIRE(livy::parse_yaml_config("spark:\n  versions:\n    \"4.0\": /opt/spark4\n    3.5: /opt/spark35\n"
                                  "  default-version: \"3.5\"\n",
                                  "livyd.yaml", y, nullptr)
              .is_ok());
  CHECK(y.spark_versions == std::map<std::string, std::string>{{"4.0", "/opt/spark4"}, {"3.5", "/opt/spark35"}});
  CHECK(y.spark_default_version == "3.5");
  // Livy's name, dotted, holds a mapping too.
  livy::Config l;
  REQUIRE(livy::parse_yaml_config("livy.server.spark.versions: {\"3.5\": /opt/spark35}\n", "livyd.yaml", l, nullptr)
              .is_ok());
  CHECK(l.spark_versions == std::map<std::string, std::string>{{"3.5", "/opt/spark35"}});
  // The text form in YAML too; and an empty value names none.
  livy::Config t;
  REQUIRE(livy::parse_yaml_config("spark:\n  versions: \"a=/x, b=/y\"\n", "livyd.yaml", t, nullptr).is_ok());
  CHECK(t.spark_versions.size() == 2);
  REQUIRE(livy::set_config_value(t, "spark.versions", "").is_ok());
  CHECK(t.spark_versions.empty());
}

TEST_CASE("spark.versions: malformed entries stop start-up with the key named", "[spark_versions]") {
  for (const char* bad : {"4.0", "=/opt/spark", "4.0=", "4.0=/a=b", "a=/x, a=/y", "a\x01=/x"}) {
    INFO(bad);
    livy::Config c;
    const auto st = livy::set_config_value(c, "livy.server.spark.versions", bad);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains("spark.versions"));
  }
  livy::Config y;
  const auto st = livy::parse_yaml_config("spark:\n  versions:\n    \"a,b\": /x\n", "livyd.yaml", y, nullptr);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("spark.versions"));
  CHECK(livy::parse_yaml_config("spark:\n  versions:\n    a: [1, 2]\n", "livyd.yaml", y, nullptr).code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("SparkInstallations: named homes, their versions, and the default", "[spark_versions]") {
  TempDir dir;
  const auto four = fake_spark(dir.path() / "spark4", "4.0.1");
  const auto three = fake_spark(dir.path() / "spark35", "3.5.7");
  const auto plain = livy_test::make_fake_spark_home(dir.path() / "plain");
  livy::Config c;
  c.spark_home = plain.string();
  c.spark_versions = {{"4.0", four.string()}, {"3.5", three.string()}};

  auto all = livy::SparkInstallations::resolve(c);
  REQUIRE(all.has_value());
  CHECK(all->named());
  // No default-version: the default is spark.home, as without spark.versions.
  CHECK(all->default_spark().spark_home == plain.string());
  CHECK(all->default_spark().name.empty());
  CHECK(all->default_spark().version.empty());  // no jars/ to read it from
  const auto& chosen = all->for_conf({{"livy.spark.version", "3.5"}, {"spark.x", "1"}});
  CHECK(chosen.spark_home == three.string());
  CHECK(chosen.spark_submit == (three / "bin" / "spark-submit").string());
  CHECK(chosen.name == "3.5");
  CHECK(chosen.version == "3.5.7");
  CHECK(livy::describe_spark(chosen) == "Spark 3.5 (3.5.7) at " + three.string());
  CHECK(all->for_conf({}).spark_home == plain.string());

  c.spark_default_version = "4.0";
  all = livy::SparkInstallations::resolve(c);
  REQUIRE(all.has_value());
  CHECK(all->default_spark().version == "4.0.1");
  CHECK(all->for_conf({}).name == "4.0");

  c.spark_default_version = "3.4";
  const auto unknown = livy::SparkInstallations::resolve(c);
  CHECK(unknown.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(unknown.status().message(), Contains("spark.default-version '3.4'") && Contains("3.5, 4.0"));

  c.spark_default_version.clear();
  c.spark_versions["broken"] = (dir.path() / "nothing-here").string();
  const auto broken = livy::SparkInstallations::resolve(c);
  CHECK(broken.status().code() == ErrorCode::kUnavailable);
  CHECK_THAT(broken.status().message(), Contains("spark.versions: 'broken'") && Contains("spark-submit"));

  CHECK(livy::without_spark_version({{"livy.spark.version", "3.5"}, {"spark.x", "1"}}) ==
        std::map<std::string, std::string>{{"spark.x", "1"}});
}

TEST_CASE("SparkInstallations: a named pyspark in a venv runs with that venv's python", "[spark_versions]") {
  TempDir dir;
  const auto home = livy_test::make_fake_venv_pyspark(dir.path() / "venv35");
  livy::Config c;
  c.spark_home = livy_test::make_fake_spark_home(dir.path() / "plain").string();
  c.python = "/usr/bin/python3-for-the-default";
  c.spark_versions = {{"3.5", home.string()}};
  const auto all = livy::SparkInstallations::resolve(c);
  REQUIRE(all.has_value());
  CHECK(all->for_conf({{"livy.spark.version", "3.5"}}).python == (dir.path() / "venv35" / "bin" / "python").string());
  CHECK(all->default_spark().python == "/usr/bin/python3-for-the-default");
}

TEST_CASE("livy.spark.version: a name not configured is refused with the configured names", "[spark_versions]") {
  livy::Config c;
  c.spark_versions = {{"4.0", "/a"}, {"3.5", "/b"}};
  const auto rules = livy::load_request_rules(c);
  REQUIRE(rules.has_value());
  livy::SessionRequest s;
  s.resources.conf["livy.spark.version"] = "3.5";
  CHECK(livy::validate_session_request(s, *rules).is_ok());
  s.resources.conf["livy.spark.version"] = "2.4";
  auto st = livy::validate_session_request(s, *rules);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("'2.4'") && Contains("configured: 3.5, 4.0"));

  livy::BatchRequest b;
  b.file = "hdfs:///jobs/job.jar";
  b.resources.conf["livy.spark.version"] = "";
  CHECK(livy::validate_batch_request(b, *rules).code() == ErrorCode::kInvalidArgument);

  const auto none = livy::load_request_rules(livy::Config{});
  REQUIRE(none.has_value());
  st = livy::validate_session_request(s, *none);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("spark.versions names none"));
}

TEST_CASE("livy.spark.version: the chosen spark-submit runs, without the key, and the log says which",
          "[spark_versions]") {
  livy_test::TestRuntime t;
  TempDir dir;
  const auto three = fake_spark(dir.path() / "spark35", "3.5.7");
  t.config().spark_versions = {{"3.5", three.string()}};
  t.open();
  livy::BatchRequest r;
  r.file = t.job_file();
  r.resources.conf = {{"livy.spark.version", "3.5"}, {"spark.x", "1"}};
  const auto chosen = t.batches().submit(r);
  REQUIRE(chosen.has_value());
  r.resources.conf.erase("livy.spark.version");
  const auto plain = t.batches().submit(r);
  REQUIRE(plain.has_value());

  const auto specs = t.launcher().launched();
  REQUIRE(specs.size() == 2);
  CHECK(specs[0].argv[0] == (three / "bin" / "spark-submit").string());
  CHECK(specs[1].argv[0] == t.spark().spark_submit());
  for (const auto& spec : specs) {
    CHECK(has_conf(spec.argv, "spark.x=1"));
    CHECK_FALSE(has_conf(spec.argv, "livy.spark.version"));
  }
  const auto home_env = std::find(specs[0].env.begin(), specs[0].env.end(),
                                  std::pair<std::string, std::string>("SPARK_HOME", three.string()));
  CHECK(home_env != specs[0].env.end());
  CHECK_THAT(read(specs[0].output_path), Contains("livyd: Spark 3.5 (3.5.7) at " + three.string()));
  CHECK_THAT(read(specs[1].output_path), Contains("livyd: Spark at " + t.spark().str()));
}

TEST_CASE("mesos:// masters: refused at start-up with a Spark 4 default, per request for a Spark 4 choice",
          "[spark_versions][mesos]") {
  TempDir dir;
  const auto four = fake_spark(dir.path() / "spark4", "4.0.1");
  const auto three = fake_spark(dir.path() / "spark35", "3.5.7");
  livy::Config c;
  c.spark_master = "mesos://zk://zk1:2181/mesos";
  c.spark_versions = {{"4.0", four.string()}, {"3.5", three.string()}};

  // The server-wide master under a Spark 4 default: start-up stops and says why.
  c.spark_default_version = "4.0";
  const auto refused = livy::SparkInstallations::resolve(c);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(refused.status().message(),
             Contains("mesos://zk://zk1:2181/mesos") && Contains("removed in 4.0") && Contains("'4.0'") &&
                 Contains("4.0.1"));
  // Without spark.versions too: spark.home is a Spark 4.
  livy::Config single;
  single.spark_master = "mesos://m:5050";
  single.spark_home = four.string();
  CHECK(livy::SparkInstallations::resolve(single).status().code() == ErrorCode::kInvalidArgument);

  // A Spark 3.5 default starts; a request that picks 4.0 is refused (a 400), 3.5 is not.
  c.spark_default_version = "3.5";
  const auto all = livy::SparkInstallations::resolve(c);
  REQUIRE(all.has_value());
  CHECK(livy::check_master(all->default_spark()).is_ok());
  const auto pick4 = livy::check_master(all->for_conf({{"livy.spark.version", "4.0"}}));
  CHECK(pick4.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(pick4.message(), Contains("Mesos") && Contains("livy.spark.version"));
  // Sessions get it through check_deploy_mode, whatever the deploy mode.
  CHECK(livy::check_deploy_mode(all->for_conf({{"livy.spark.version", "4.0"}}), livy::PrimaryKind::kPython).code() ==
        ErrorCode::kInvalidArgument);
  CHECK(livy::check_deploy_mode(all->for_conf({{"livy.spark.version", "3.5"}}), livy::PrimaryKind::kPython).is_ok());

  // Other masters under Spark 4 are no concern of this check.
  c.spark_master = "yarn";
  c.spark_default_version = "4.0";
  CHECK(livy::SparkInstallations::resolve(c).has_value());
}

TEST_CASE("mesos:// master: a batch that picks a Spark 4 installation gets a 400, Spark 3.5 runs",
          "[spark_versions][mesos]") {
  livy_test::TestRuntime t;
  TempDir dir;
  const auto four = fake_spark(dir.path() / "spark4", "4.0.1");
  const auto three = fake_spark(dir.path() / "spark35", "3.5.7");
  t.config().spark_master = "mesos://m:5050";
  t.config().spark_versions = {{"4.0", four.string()}, {"3.5", three.string()}};
  t.config().spark_default_version = "3.5";
  t.open();
  livy::BatchRequest r;
  r.file = t.job_file();
  r.resources.conf = {{"livy.spark.version", "4.0"}};
  const auto refused = t.batches().submit(r);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(refused.status().message(), Contains("Mesos") && Contains("'4.0'"));
  CHECK(t.launcher().launched().empty());

  r.resources.conf = {{"livy.spark.version", "3.5"}};
  REQUIRE(t.batches().submit(r).has_value());
  const auto specs = t.launcher().launched();
  REQUIRE(specs.size() == 1);
  CHECK(specs[0].argv[0] == (three / "bin" / "spark-submit").string());
  CHECK(std::find(specs[0].argv.begin(), specs[0].argv.end(), "mesos://m:5050") != specs[0].argv.end());
}
