#include "flags.h"

#include <catch2/catch.hpp>

#include "support/temp_dir.h"

using Catch::Matchers::Contains;
using livy_test::TempDir;

namespace {

struct Parsed {
  livy::Status status;
  livyd::Flags flags;
  std::vector<std::string> warnings;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "livyd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Parsed p;
  p.status = livyd::parse_flags(static_cast<int>(args.size()), argv.data(), p.flags, p.warnings);
  return p;
}

}  // namespace

TEST_CASE("flags: shortcuts and --set", "[flags]") {
  const auto p = parse({"--port", "9001", "--host", "0.0.0.0", "--data-dir", "/tmp/d", "--spark-home", "/opt/s",
                        "--set", "spark.master=yarn", "--set", "livy.cache-log.size=50", "--port-file", "/tmp/p"});
  REQUIRE(p.status.is_ok());
  CHECK(p.flags.config.port == 9001);
  CHECK(p.flags.config.host == "0.0.0.0");
  CHECK(p.flags.config.data_dir == "/tmp/d");
  CHECK(p.flags.config.spark_home == "/opt/s");
  CHECK(p.flags.config.spark_master == "yarn");
  CHECK(p.flags.config.log_cache_lines == 50);
  CHECK(p.flags.port_file == "/tmp/p");
  CHECK_FALSE(p.flags.help);
  CHECK_FALSE(p.flags.version);
}

TEST_CASE("flags: no arguments keep the defaults", "[flags]") {
  const auto p = parse({});
  REQUIRE(p.status.is_ok());
  CHECK(p.flags.config.port == 8998);
  CHECK(p.flags.config.host == "127.0.0.1");
}

TEST_CASE("flags: --help and --version", "[flags]") {
  CHECK(parse({"--help"}).flags.help);
  CHECK(parse({"-h"}).flags.help);
  CHECK(parse({"--version"}).flags.version);
}

TEST_CASE("flags override --config files whatever their order", "[flags]") {
  TempDir dir;
  livy_test::write_file(dir / "a.yaml", "server:\n  port: 8000\n  host: 10.0.0.1\nspark:\n  colour: red\n");
  livy_test::write_file(dir / "b.conf", "livy.server.port = 8100\n");
  const std::string a = (dir / "a.yaml").string();
  const std::string b = (dir / "b.conf").string();

  SECTION("file only") {
    const auto p = parse({"--config", a});
    REQUIRE(p.status.is_ok());
    CHECK(p.flags.config.port == 8000);
    CHECK(p.flags.config.host == "10.0.0.1");
    REQUIRE(p.warnings.size() == 1);
    CHECK_THAT(p.warnings[0], Contains("spark.colour"));
  }
  SECTION("flag after the file") {
    const auto p = parse({"--config", a, "--port", "9001"});
    REQUIRE(p.status.is_ok());
    CHECK(p.flags.config.port == 9001);
    CHECK(p.flags.config.host == "10.0.0.1");
  }
  SECTION("flag before the file") {
    const auto p = parse({"--port", "9001", "--set", "server.host=127.0.0.2", "--config", a});
    REQUIRE(p.status.is_ok());
    CHECK(p.flags.config.port == 9001);
    CHECK(p.flags.config.host == "127.0.0.2");
  }
  SECTION("later files override earlier ones") {
    const auto p = parse({"--config", a, "--config", b});
    REQUIRE(p.status.is_ok());
    CHECK(p.flags.config.port == 8100);
    CHECK(p.flags.config.host == "10.0.0.1");
  }
  SECTION("a file with a bad value fails the parse") {
    livy_test::write_file(dir / "bad.yaml", "server:\n  port: lots\n");
    const auto p = parse({"--config", (dir / "bad.yaml").string()});
    CHECK_FALSE(p.status.is_ok());
    CHECK_THAT(p.status.message(), Contains("server.port"));
  }
}

TEST_CASE("flags: a value that looks like --config is a value", "[flags]") {
  TempDir dir;
  livy_test::write_file(dir / "a.yaml", "server:\n  port: 8000\n");
  const auto p = parse({"--port-file", "--config", "--port", "9001"});
  REQUIRE(p.status.is_ok());
  CHECK(p.flags.port_file == "--config");
  CHECK(p.flags.config.port == 9001);

  // --help takes no value: a --config after it is still read.
  const auto h = parse({"--help", "--config", (dir / "a.yaml").string()});
  REQUIRE(h.status.is_ok());
  CHECK(h.flags.help);
  CHECK(h.flags.config.port == 8000);
}

TEST_CASE("flags: bad command lines are errors", "[flags]") {
  SECTION("--set without '='") {
    const auto p = parse({"--set", "server.port"});
    CHECK(p.status.code() == livy::ErrorCode::kInvalidArgument);
    CHECK_THAT(p.status.message(), Contains("KEY=VALUE"));
  }
  SECTION("--set of an unknown key") {
    const auto p = parse({"--set", "server.colour=blue"});
    CHECK_FALSE(p.status.is_ok());
    CHECK_THAT(p.status.message(), Contains("server.colour"));
  }
  SECTION("--set of a bad value") {
    const auto p = parse({"--set", "server.port=lots"});
    CHECK_FALSE(p.status.is_ok());
    CHECK_THAT(p.status.message(), Contains("server.port"));
  }
  SECTION("--port of a bad value") { CHECK_FALSE(parse({"--port", "99999"}).status.is_ok()); }
  SECTION("a missing value") {
    const auto p = parse({"--port"});
    CHECK_FALSE(p.status.is_ok());
    CHECK_THAT(p.status.message(), Contains("--port"));
  }
  SECTION("an unknown option") {
    const auto p = parse({"--colour", "blue"});
    CHECK_FALSE(p.status.is_ok());
    CHECK_THAT(p.status.message(), Contains("--colour"));
  }
  SECTION("a missing config file") { CHECK_FALSE(parse({"--config", "/nonexistent/livy.conf"}).status.is_ok()); }
}
