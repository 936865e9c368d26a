#include "model/redaction.h"

#include <catch2/catch.hpp>

#include <string>

#include "model/request_validation.h"

using Catch::Matchers::Contains;

TEST_CASE("Redactor: Spark's default regex finds secret keys, in any case, anywhere in the key", "[redaction]") {
  const livy::Redactor r;
  for (const char* key : {"spark.hadoop.fs.s3a.secret.key", "spark.ssl.keyPassword", "spark.ssl.KEYSTOREPASSWORD",
                          "spark.authenticate.secret", "spark.my.Token", "fs.s3a.access.key", "fs.s3a.accesskey",
                          "spark.hadoop.fs.s3a.ACCESS.KEY"}) {
    INFO(key);
    CHECK(r.is_secret(key, "v"));
  }
  for (const char* key : {"spark.executor.memory", "spark.app.name", "spark.access_key", "spark.pass", "tok.en"}) {
    INFO(key);
    CHECK_FALSE(r.is_secret(key, "v"));
  }
}

TEST_CASE("Redactor: a value the regex finds is secret too, as in Spark", "[redaction]") {
  const livy::Redactor r;
  CHECK(r.is_secret("spark.x.url", "https://h/?token=abc"));
  CHECK_FALSE(r.is_secret("spark.x.url", "https://h/x.jar"));
}

TEST_CASE("Redactor::redact replaces secret values with Spark's text and keeps the rest", "[redaction]") {
  const livy::Redactor r;
  const std::map<std::string, std::string> conf{{"spark.a", "1"}, {"spark.my.password", "hunter2"}};
  CHECK(r.redact(conf) ==
        std::map<std::string, std::string>{{"spark.a", "1"}, {"spark.my.password", "*********(redacted)"}});
  CHECK(r.shown("spark.my.password", "hunter2") == "*********(redacted)");
  CHECK(r.shown("spark.a", "1") == "1");
}

TEST_CASE("Redactor::compile: a custom regex, with and without (?i)", "[redaction]") {
  auto exact = livy::Redactor::compile("credential", "spark.redaction-regex");
  REQUIRE(exact);
  CHECK(exact->is_secret("my.credential", "v"));
  CHECK_FALSE(exact->is_secret("my.CREDENTIAL", "v"));  // no (?i): case counts
  CHECK_FALSE(exact->is_secret("my.password", "v"));     // the default is replaced
  auto icase = livy::Redactor::compile("(?i)credential", "spark.redaction-regex");
  REQUIRE(icase);
  CHECK(icase->is_secret("my.CREDENTIAL", "v"));
}

TEST_CASE("Redactor::compile: a bad regex is an error naming the key", "[redaction]") {
  for (const char* bad : {"(unclosed", "[a-", "a{2,1}", "(?s)x"}) {
    INFO(bad);
    auto r = livy::Redactor::compile(bad, "spark.redaction-regex");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.status().message(), Contains("spark.redaction-regex"));
  }
}

TEST_CASE("Redactor: a 64 KiB value is searched without trouble", "[redaction]") {
  const livy::Redactor r;
  CHECK_FALSE(r.is_secret("spark.x", std::string(64 * 1024, 'a')));
  CHECK(r.is_secret("spark.x", std::string(64 * 1024, 'a') + "secret"));
}

TEST_CASE("load_request_rules: a bad spark.redaction-regex stops start-up", "[redaction]") {
  livy::Config c;
  c.redaction_regex = "(";
  auto rules = livy::load_request_rules(c);
  REQUIRE_FALSE(rules);
  CHECK_THAT(rules.status().message(), Contains("spark.redaction-regex"));
}

TEST_CASE("validate_resources: an error about a secret conf value does not quote it", "[redaction]") {
  livy::RequestRules rules;  // no local paths allowed
  livy::SparkResources res;
  res.conf["spark.jars"] = "/etc/token-hunter2.jar";
  const livy::Status st = livy::validate_resources(res, rules);
  REQUIRE_FALSE(st);
  CHECK_THAT(st.message(), !Contains("hunter2") && Contains("spark.jars") && Contains("'*********(redacted)'") &&
                               Contains("cannot be added"));

  res.conf["spark.jars"] = "/etc/plain.jar";  // not secret: quoted as before
  CHECK_THAT(livy::validate_resources(res, rules).message(), Contains("/etc/plain.jar"));
}
