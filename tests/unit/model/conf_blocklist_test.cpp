#include "model/conf_blocklist.h"

#include <catch2/catch.hpp>

#include <chrono>

#include "support/temp_dir.h"

using Catch::Matchers::Contains;
using livy::ConfBlocklist;

TEST_CASE("conf blocklist: Livy's spark-blacklist.conf format", "[conf-blocklist]") {
  const auto list = ConfBlocklist::parse(
      "#\n# Livy's template starts like this.\n#\n\n! a Java properties comment\n"
      "spark.master\n  spark.submit.deployMode  \nspark.foo = 1\nspark.bar:2\nspark.baz\tx\r\n"
      "spark.*.secret\n",
      "f.conf");
  REQUIRE(list.has_value());
  CHECK(list->entries() == std::vector<std::string>{"spark.master", "spark.submit.deployMode", "spark.foo", "spark.bar",
                                                    "spark.baz", "spark.*.secret"});
  CHECK(ConfBlocklist::parse("", "f").value().entries().empty());
}

TEST_CASE("conf blocklist: what livyd cannot read the way Livy does is an error with its line", "[conf-blocklist]") {
  auto st = ConfBlocklist::parse("spark.master\nspark.a\\\n  .b\n", "f.conf").status();
  CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("f.conf:2") && Contains("backslash"));
  st = ConfBlocklist::parse("= value\n", "f.conf").status();
  CHECK_THAT(st.message(), Contains("f.conf:1") && Contains("property name"));
  st = ConfBlocklist::parse(std::string("spark.a\x01\n"), "f.conf").status();
  CHECK_THAT(st.message(), Contains("control character"));
}

TEST_CASE("conf blocklist: load names the file it cannot read", "[conf-blocklist]") {
  livy_test::TempDir dir;
  const auto missing = ConfBlocklist::load((dir / "nope.conf").string());
  REQUIRE_FALSE(missing.has_value());
  CHECK_THAT(missing.status().message(), Contains("nope.conf"));
  livy_test::write_file(dir / "ok.conf", "spark.x\n");
  const auto ok = ConfBlocklist::load((dir / "ok.conf").string());
  REQUIRE(ok.has_value());
  CHECK(ok->match("spark.x") == std::optional<std::string>("spark.x"));
}

TEST_CASE("conf blocklist: matching is exact up to case, '*' matches any run", "[conf-blocklist]") {
  using livy::conf_key_matches;
  CHECK(conf_key_matches("spark.driver.extraJavaOptions", "spark.driver.extraJavaOptions"));
  CHECK(conf_key_matches("spark.driver.extraJavaOptions", "SPARK.DRIVER.EXTRAJAVAOPTIONS"));
  CHECK_FALSE(conf_key_matches("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"));
  CHECK_FALSE(conf_key_matches("spark.driver.extraJavaOptions", "spark.driver.extraJavaOption"));
  CHECK_FALSE(conf_key_matches("spark.driver.extraJavaOptions", "spark.driver.extraJavaOptionss"));
  CHECK_FALSE(conf_key_matches("spark.driver.extraJavaOptions", "xspark.driver.extraJavaOptions"));

  CHECK(conf_key_matches("spark.*.resource.*.discoveryScript", "spark.driver.resource.gpu.discoveryScript"));
  CHECK(conf_key_matches("spark.*.resource.*.discoveryScript", "spark.executor.resource.a.b.discoveryScript"));
  CHECK_FALSE(conf_key_matches("spark.*.resource.*.discoveryScript", "spark.executor.resource.gpu.amount"));
  CHECK_FALSE(conf_key_matches("spark.*.resource.*.discoveryScript", "spark.driver.resource.gpu.discoveryScript2"));
  CHECK(conf_key_matches("*", "anything"));
  CHECK(conf_key_matches("a*", "a"));
  CHECK_FALSE(conf_key_matches("a*b", "a"));
}

TEST_CASE("conf blocklist: a hostile key against many wildcards ends quickly", "[conf-blocklist]") {
  const std::string pattern = "*a*a*a*a*a*a*a*a*a*a*b";
  const std::string key(4096, 'a');
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(livy::conf_key_matches(pattern, key));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_CASE("conf blocklist: the default list holds Livy's own entries", "[conf-blocklist]") {
  const auto defaults = ConfBlocklist::defaults();
  // conf/spark-blacklist.conf.template of Apache Livy, and its BLACKLIST_CUSTOM_CLASSPATH.
  for (const char* key :
       {"spark.master", "spark.submit.deployMode", "spark.yarn.jar", "spark.yarn.jars", "spark.yarn.archive",
        "livy.rsc.server.idle-timeout", "spark.submit.proxyUser.allowCustomClasspathInClusterMode"}) {
    INFO(key);
    CHECK(defaults.match(key).has_value());
  }
  CHECK_FALSE(defaults.match("spark.sql.shuffle.partitions").has_value());
  CHECK_FALSE(defaults.match("spark.executor.memory").has_value());
}

// docs/configuration.md shows the default list as a file to copy: it must be the list.
TEST_CASE("conf blocklist: the list in docs/configuration.md is the default list", "[conf-blocklist]") {
  const std::string doc = livy_test::read_file(std::string(LIVY_SOURCE_DIR) + "/docs/configuration.md");
  const std::string start_marker = "# livyd's default conf blocklist";
  const auto start = doc.find(start_marker);
  REQUIRE(start != std::string::npos);
  const auto end = doc.find("```", start);
  REQUIRE(end != std::string::npos);
  const auto documented = ConfBlocklist::parse(doc.substr(start, end - start), "configuration.md");
  REQUIRE(documented.has_value());
  CHECK(documented->entries() == ConfBlocklist::defaults().entries());
}
