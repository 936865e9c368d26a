// Finding the ResourceManager's REST API as Hadoop's clients do: yarn-site.xml.
#include "clusters/yarn_site.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "clusters/yarn_cluster_manager.h"
#include "support/temp_dir.h"

namespace {

std::string site(const std::string& properties) {
  return "<?xml version=\"1.0\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"configuration.xsl\"?>\n"
         "<configuration>\n" +
         properties + "</configuration>\n";
}

std::string prop(const std::string& name, const std::string& value) {
  return "  <property>\n    <name>" + name + "</name>\n    <value>" + value + "</value>\n  </property>\n";
}

std::string url_of(const std::string& text) {
  auto props = livy::parse_hadoop_conf(text);
  REQUIRE(props);
  auto url = livy::resourcemanager_url_from(*props);
  REQUIRE(url);
  return *url;
}

void write(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TEST_CASE("the RM web app address from yarn-site.xml, with Hadoop's defaults", "[yarn]") {
  // As the mini cluster writes it (Configuration.writeXml: one line, with <final>, <source>).
  CHECK(url_of("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?><configuration>"
               "<property><name>yarn.resourcemanager.webapp.address</name><value>127.0.0.1:36003</value>"
               "<final>false</final><source>programmatically</source></property></configuration>") ==
        "http://127.0.0.1:36003");
  CHECK(url_of(site(prop("yarn.resourcemanager.hostname", "rm1.example") +
                    prop("yarn.resourcemanager.webapp.address", "${yarn.resourcemanager.hostname}:9088"))) ==
        "http://rm1.example:9088");
  CHECK(url_of(site(prop("yarn.resourcemanager.hostname", "rm1.example"))) == "http://rm1.example:8088");
  CHECK(url_of(site("")) == "http://127.0.0.1:8088");  // 0.0.0.0 is reached on loopback
  CHECK(url_of(site(prop("yarn.resourcemanager.hostname", "rm1.example") + prop("yarn.http.policy", "HTTPS_ONLY"))) ==
        "https://rm1.example:8090");
  // Comments, entities, a later definition winning, whitespace around values.
  CHECK(url_of(site("<!-- <property><name>yarn.resourcemanager.webapp.address</name><value>old:1</value>"
                    "</property> -->\n" +
                    prop("yarn.resourcemanager.webapp.address", " a.example:1 ") +
                    prop("yarn.resourcemanager.webapp.address", "b&#46;example:2"))) == "http://b.example:2");
}

TEST_CASE("a yarn-site.xml livyd cannot use is a clear error", "[yarn]") {
  CHECK_FALSE(livy::parse_hadoop_conf("key = value"));
  CHECK_FALSE(livy::parse_hadoop_conf(site("<property><name>x</name><value>y</value>")));
  CHECK_FALSE(livy::parse_hadoop_conf(site("<property><value>y</value></property>")));
  for (const char* address : {"", "no-port", ":8088", "host:", "http://host:1/x", "${unknown.var}:1", "a b:1"}) {
    INFO(address);
    auto props = livy::parse_hadoop_conf(site(prop("yarn.resourcemanager.webapp.address", address)));
    REQUIRE(props);
    auto url = livy::resourcemanager_url_from(*props);
    REQUIRE_FALSE(url);
    CHECK_THAT(url.status().message(), Catch::Contains("yarn.resourcemanager.webapp.address"));
  }
  // A variable that refers to itself stops after a few rounds.
  auto loop = livy::parse_hadoop_conf(site(prop("yarn.resourcemanager.hostname", "${yarn.resourcemanager.hostname}")));
  REQUIRE(loop);
  CHECK_FALSE(livy::resourcemanager_url_from(*loop));
}

TEST_CASE("where the RM is: the config key, then $HADOOP_CONF_DIR, then $YARN_CONF_DIR", "[yarn]") {
  livy_test::TempDir hadoop, yarn;
  write(hadoop.path() / "yarn-site.xml", site(prop("yarn.resourcemanager.webapp.address", "hadoop.example:1")));
  write(yarn.path() / "yarn-site.xml", site(prop("yarn.resourcemanager.webapp.address", "yarn.example:2")));
  livy::Config config;
  CHECK(*livy::find_resourcemanager_url(config, hadoop.path().string(), yarn.path().string()) ==
        "http://hadoop.example:1");
  CHECK(*livy::find_resourcemanager_url(config, std::nullopt, yarn.path().string()) == "http://yarn.example:2");
  config.yarn_resourcemanager_url = "https://rm.example:8090";
  CHECK(*livy::find_resourcemanager_url(config, hadoop.path().string(), yarn.path().string()) ==
        "https://rm.example:8090");
  // RM HA: several URLs, comma-separated (trailing slashes dropped); each must be http(s).
  config.yarn_resourcemanager_url = "http://rm1.example:8088/, http://rm2.example:8088";
  CHECK(*livy::find_resourcemanager_url(config, std::nullopt, std::nullopt) ==
        "http://rm1.example:8088,http://rm2.example:8088");
  config.yarn_resourcemanager_url = "http://rm1.example:8088,rm2.example:8088";
  CHECK_THAT(livy::find_resourcemanager_url(config, std::nullopt, std::nullopt).status().message(),
             Catch::Contains("rm2.example:8088"));

  livy::Config none;
  auto missing = livy::find_resourcemanager_url(none, std::nullopt, std::nullopt);
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.status().message(), Catch::Contains("HADOOP_CONF_DIR"));
  livy_test::TempDir empty;
  auto no_file = livy::find_resourcemanager_url(none, empty.path().string(), std::nullopt);
  REQUIRE_FALSE(no_file);
  CHECK_THAT(no_file.status().message(), Catch::Contains("yarn-site.xml"));
}

TEST_CASE("RM HA in yarn-site.xml: every RM of yarn.resourcemanager.ha.rm-ids, in order", "[yarn]") {
  const std::string ha = prop("yarn.resourcemanager.ha.enabled", "true") +
                         prop("yarn.resourcemanager.ha.rm-ids", "rm1, rm2") +
                         prop("yarn.resourcemanager.hostname.rm1", "master1.example") +
                         prop("yarn.resourcemanager.hostname.rm2", "master2.example");
  CHECK(url_of(site(ha)) == "http://master1.example:8088,http://master2.example:8088");
  // A web app address of its own wins over the host name; HTTPS_ONLY takes the https ones.
  CHECK(url_of(site(ha + prop("yarn.resourcemanager.webapp.address.rm2", "10.0.0.2:9088"))) ==
        "http://master1.example:8088,http://10.0.0.2:9088");
  CHECK(url_of(site(ha + prop("yarn.http.policy", "HTTPS_ONLY") +
                    prop("yarn.resourcemanager.webapp.https.address.rm1", "m1:9443"))) ==
        "https://m1:9443,https://master2.example:8090");
  // HA on without ids, or an id whose address is not host:port: a clear error naming the property.
  auto none = livy::parse_hadoop_conf(site(prop("yarn.resourcemanager.ha.enabled", "true")));
  REQUIRE(none);
  REQUIRE_FALSE(livy::resourcemanager_url_from(*none));
  CHECK_THAT(livy::resourcemanager_url_from(*none).status().message(), Catch::Contains("ha.rm-ids"));
  auto bad = livy::parse_hadoop_conf(site(ha + prop("yarn.resourcemanager.webapp.address.rm1", "a,b:1")));
  REQUIRE(bad);
  CHECK_THAT(livy::resourcemanager_url_from(*bad).status().message(),
             Catch::Contains("yarn.resourcemanager.webapp.address.rm1"));
}
