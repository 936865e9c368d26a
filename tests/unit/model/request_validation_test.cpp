#include "model/request_validation.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <limits>

#include "support/temp_dir.h"

using Catch::Matchers::Contains;
using livy::ErrorCode;
using livy_test::TempDir;
using livy_test::write_file;

namespace {

// <tmp>/allowed (whitelisted) holding job.py and a symlink out; <tmp>/outside next to it.
struct Dirs {
  TempDir tmp;
  std::filesystem::path allowed = tmp / "allowed";
  std::filesystem::path outside = tmp / "outside";
  std::vector<std::string> whitelist{allowed.string()};
  livy::RequestRules rules{whitelist};

  Dirs() {
    write_file(allowed / "job.py", "");
    write_file(allowed / "sub" / "dep.py", "");
    write_file(outside / "secret.py", "");
    write_file(tmp / "allowed-evil" / "job.py", "");
    std::filesystem::create_symlink(outside / "secret.py", allowed / "link.py");
    std::filesystem::create_directory_symlink(outside, allowed / "dirlink");
  }

  livy::Status check(const std::string& uri) const { return livy::check_local_path("file", uri, whitelist); }
  std::string in(const std::string& rel) const { return (allowed / rel).string(); }
};

livy::BatchRequest valid_request(const Dirs& d) {
  livy::BatchRequest r;
  r.file = d.in("job.py");
  return r;
}

}  // namespace

TEST_CASE("whitelist: local paths inside pass, outside fail", "[validation]") {
  Dirs d;
  CHECK(d.check(d.in("job.py")).is_ok());
  CHECK(d.check(d.in("sub/dep.py")).is_ok());
  CHECK(d.check(d.in("sub/../job.py")).is_ok());
  CHECK(d.check(d.in("not-yet-there.py")).is_ok());  // existence is Spark's business

  const auto out = d.check((d.outside / "secret.py").string());
  CHECK(out.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(out.message(), Contains("file"));

  CHECK(d.check("/etc/passwd").code() == ErrorCode::kInvalidArgument);
  // A sibling whose name merely starts with the whitelisted one.
  CHECK(d.check((d.tmp / "allowed-evil" / "job.py").string()).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("whitelist: '..' and symlinks cannot escape", "[validation]") {
  Dirs d;
  CHECK(d.check(d.in("../outside/secret.py")).code() == ErrorCode::kInvalidArgument);
  CHECK(d.check(d.in("sub/../../outside/secret.py")).code() == ErrorCode::kInvalidArgument);
  CHECK(d.check(d.in("link.py")).code() == ErrorCode::kInvalidArgument);
  CHECK(d.check(d.in("dirlink/secret.py")).code() == ErrorCode::kInvalidArgument);
  CHECK(d.check("file://" + d.in("../outside/secret.py")).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("whitelist: file: and local: URIs are local paths", "[validation]") {
  Dirs d;
  CHECK(d.check("file://" + d.in("job.py")).is_ok());
  CHECK(d.check("file:" + d.in("job.py")).is_ok());
  CHECK(d.check("local:" + d.in("job.py")).is_ok());
  CHECK(d.check("local://" + d.in("job.py")).is_ok());

  CHECK(d.check("file://" + (d.outside / "secret.py").string()).code() == ErrorCode::kInvalidArgument);
  CHECK(d.check("local:" + (d.outside / "secret.py").string()).code() == ErrorCode::kInvalidArgument);
  CHECK(d.check("file:/etc/passwd").code() == ErrorCode::kInvalidArgument);
  CHECK(d.check("file://otherhost/etc/passwd").code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("whitelist: remote URIs pass, relative paths fail", "[validation]") {
  Dirs d;
  const std::vector<std::string> none;
  CHECK(livy::check_local_path("file", "hdfs://namenode:8020/jobs/app.jar", none).is_ok());
  CHECK(livy::check_local_path("file", "s3a://bucket/jobs/app.py", none).is_ok());

  for (const char* rel : {"job.py", "./job.py", "../job.py", "file:job.py", "local:job.py"}) {
    INFO(rel);
    const auto st = d.check(rel);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains("absolute"));
  }
  // With no whitelist, no local path at all.
  CHECK(livy::check_local_path("file", d.in("job.py"), none).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("whitelist: a whitelisted directory may be written with a trailing slash", "[validation]") {
  Dirs d;
  const std::vector<std::string> slash{d.allowed.string() + "/"};
  CHECK(livy::check_local_path("file", d.in("job.py"), slash).is_ok());
  CHECK(livy::check_local_path("file", (d.outside / "secret.py").string(), slash).code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("every file list field is checked against the whitelist, naming the field", "[validation]") {
  Dirs d;
  const std::string bad = (d.outside / "secret.py").string();
  for (const char* field : {"jars", "pyFiles", "files", "archives"}) {
    INFO(field);
    auto r = valid_request(d);
    const std::string f = field;
    auto& list = f == "jars" ? r.resources.jars
                 : f == "pyFiles" ? r.resources.py_files
                 : f == "files" ? r.resources.files
                                : r.resources.archives;
    list = {d.in("sub/dep.py"), "hdfs://nn/x.zip"};
    CHECK(livy::validate_batch_request(r, d.rules).is_ok());
    list.push_back(bad);
    auto st = livy::validate_batch_request(r, d.rules);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains(field));
    list = {""};
    st = livy::validate_batch_request(r, d.rules);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains(field));
  }
}

TEST_CASE("file is required and checked", "[validation]") {
  Dirs d;
  livy::BatchRequest r;
  CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("file"));
  r.file = (d.outside / "secret.py").string();
  CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
  r.file = "hdfs://nn/app.jar";
  CHECK(livy::validate_batch_request(r, d.rules).is_ok());
}

TEST_CASE("memory strings are Spark's", "[validation]") {
  Dirs d;
  auto r = valid_request(d);
  r.resources.driver_memory = "2g";
  r.resources.executor_memory = "512m";
  CHECK(livy::validate_batch_request(r, d.rules).is_ok());

  r.resources.driver_memory = "1.5g";
  auto st = livy::validate_batch_request(r, d.rules);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("driverMemory"));

  r.resources.driver_memory = "1g";
  r.resources.executor_memory = "lots";
  st = livy::validate_batch_request(r, d.rules);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("executorMemory"));

  r.resources.executor_memory = "0";
  CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("cores and executors must be positive and bounded", "[validation]") {
  Dirs d;
  struct Case {
    const char* field;
    std::optional<int> livy::SparkResources::*member;
  };
  for (const Case c : {Case{"driverCores", &livy::SparkResources::driver_cores},
                       Case{"executorCores", &livy::SparkResources::executor_cores},
                       Case{"numExecutors", &livy::SparkResources::num_executors}}) {
    INFO(c.field);
    auto r = valid_request(d);
    r.resources.*c.member = 1;
    CHECK(livy::validate_batch_request(r, d.rules).is_ok());
    for (int bad : {0, -1, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()}) {
      INFO(bad);
      r.resources.*c.member = bad;
      const auto st = livy::validate_batch_request(r, d.rules);
      CHECK(st.code() == ErrorCode::kInvalidArgument);
      CHECK_THAT(st.message(), Contains(c.field));
    }
  }
}

TEST_CASE("NUL characters are rejected wherever text goes to spark-submit", "[validation]") {
  Dirs d;
  const std::string nul("a\0b", 3);
  SECTION("args") {
    auto r = valid_request(d);
    r.args = {"ok", nul};
    const auto st = livy::validate_batch_request(r, d.rules);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains("args") && Contains("NUL"));
  }
  SECTION("className") {
    auto r = valid_request(d);
    r.class_name = nul;
    CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("className"));
  }
  SECTION("proxyUser") {
    auto r = valid_request(d);
    r.proxy_user = nul;
    CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("proxyUser"));
  }
  SECTION("queue") {
    auto r = valid_request(d);
    r.resources.queue = nul;
    CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("queue"));
  }
  SECTION("a conf value") {
    auto r = valid_request(d);
    r.resources.conf["spark.foo"] = nul;
    CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("spark.foo"));
  }
  SECTION("file") {
    auto r = valid_request(d);
    r.file = d.in("job.py") + std::string(1, '\0') + "x";
    CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("names: printable, not all digits", "[validation]") {
  CHECK(livy::validate_name("nightly-etl").is_ok());
  CHECK(livy::validate_name("etl 2024").is_ok());
  CHECK(livy::validate_name("7up").is_ok());
  for (const std::string& bad : {std::string("123"), std::string("0"), std::string(""), std::string("a/b"),
                                std::string("tab\there"), std::string(257, 'x')}) {
    INFO(bad);
    CHECK(livy::validate_name(bad).code() == ErrorCode::kInvalidArgument);
  }
  CHECK_THAT(livy::validate_name("42").message(), Contains("digits"));

  Dirs d;
  auto r = valid_request(d);
  r.name = "12345";
  CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
  r.class_name = "";
  r.name.reset();
  CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("className"));
}

TEST_CASE("conf: the server's own properties are blocked, names must be sane", "[validation]") {
  Dirs d;
  auto r = valid_request(d);
  r.resources.conf = {{"spark.executor.memoryOverhead", "1g"}, {"spark.sql.shuffle.partitions", "8"}};
  CHECK(livy::validate_batch_request(r, d.rules).is_ok());

  for (const char* blocked : {"spark.master", "spark.submit.deployMode"}) {
    INFO(blocked);
    r.resources.conf = {{blocked, "local[1]"}};
    const auto st = livy::validate_batch_request(r, d.rules);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains(blocked));
  }
  for (const char* bad_name : {"", "a=b", "spark. x", "spark.x\n"}) {
    INFO(bad_name);
    r.resources.conf = {{bad_name, "v"}};
    CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("whitelist: percent-encoded names inside the whitelist are fine", "[validation]") {
  Dirs d;
  CHECK(d.check("file://" + d.in("my%20job.py")).is_ok());
  CHECK(d.check("local:" + d.in("sub/dep%2Epy")).is_ok());
}

// Spark decodes file: and local: URIs ("%2e%2e" is ".."), so a URI that is inside the
// whitelist as text could name a file outside it. Checked with spark-submit 4.0.1:
// `file:///<allowed>/%2e%2e/outside/x.py` runs x.py, as primary file and in --py-files.
TEST_CASE("whitelist: percent-encoded '..' in file: and local: URIs cannot escape", "[validation]") {
  Dirs d;
  for (const std::string& uri : {"file://" + d.in("%2e%2e/outside/secret.py"), "file:" + d.in("%2E%2E/outside/secret.py"),
                                 "local:" + d.in("%2e%2e/outside/secret.py"), "file:" + d.in("..%2foutside/secret.py")}) {
    INFO(uri);
    CHECK(d.check(uri).code() == ErrorCode::kInvalidArgument);
    auto r = valid_request(d);
    r.resources.py_files = {uri};
    CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("whitelist: an archive may carry a '#alias' fragment", "[validation]") {
  Dirs d;
  auto r = valid_request(d);
  r.resources.archives = {d.in("env.zip#env"), "file://" + d.in("deps.zip#deps")};
  CHECK(livy::validate_batch_request(r, d.rules).is_ok());
}

// Spark drops a URI's '#fragment' before it opens the file: `<outside>/x.py#/../../allowed/y`
// must not pass as a path that normalizes into the whitelist. Checked with spark-submit
// 4.0.1 --py-files (plain path and file: URI): it reads <outside>/x.py.
TEST_CASE("whitelist: a '#fragment' cannot smuggle a path outside", "[validation]") {
  Dirs d;
  const std::string sneaky = (d.outside / "secret.py").string() + "#/../../allowed/x";
  for (const std::string& uri : {sneaky, "file://" + sneaky, "local:" + sneaky}) {
    INFO(uri);
    auto r = valid_request(d);
    r.resources.py_files = {uri};
    CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
  }
}

// Spark's own list properties name files just like the request's jars/pyFiles/files/
// archives fields, and Livy checks them against the whitelist (Session.prepareConf).
// Checked with spark-submit 4.0.1: `--conf spark.submit.pyFiles=<outside>/x.py` makes
// x.py importable by the job.
TEST_CASE("whitelist: Spark's file-list properties in conf are checked too", "[validation]") {
  Dirs d;
  const std::string outside = (d.outside / "secret.py").string();
  for (const char* key : {"spark.jars", "spark.files", "spark.submit.pyFiles", "spark.archives",
                          "spark.yarn.dist.files", "spark.yarn.dist.archives"}) {
    INFO(key);
    auto r = valid_request(d);
    r.resources.conf = {{key, "hdfs://nn/ok.zip," + outside}};
    const auto st = livy::validate_batch_request(r, d.rules);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains(key));
  }
}

// Regression (was a bug): a plain path that carries a '#fragment' is read by Spark as a
// URI (Utils.resolveURI uses URI.getPath when there is a fragment), so its escapes are
// decoded too. Checked with spark-submit 4.0.1: `--py-files
// '<allowed>/%2e%2e/outside/x.py#x.py'` makes <outside>/x.py importable. Without a
// fragment the same path is taken literally.
TEST_CASE("whitelist: a plain path with a '#fragment' is decoded as Spark does", "[validation]") {
  Dirs d;
  auto r = valid_request(d);
  r.resources.py_files = {d.in("%2e%2e/outside/secret.py#secret.py")};
  CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("whitelist: Spark's file-list properties may name whitelisted and remote files", "[validation]") {
  Dirs d;
  auto r = valid_request(d);
  r.resources.conf = {{"spark.submit.pyFiles", d.in("sub/dep.py") + ",hdfs://nn/x.py"},
                      {"spark.jars", "s3a://bucket/a.jar"}};
  CHECK(livy::validate_batch_request(r, d.rules).is_ok());
}

// --- Issue 9: what an attacker sent, and what each must get -------------------------------

namespace {

livy::SessionRequest session_with_conf(const std::string& key, const std::string& value) {
  livy::SessionRequest s;
  s.resources.conf = {{key, value}};
  return s;
}

std::vector<std::string>& list_of(livy::SparkResources& r, const std::string& field) {
  return field == "jars" ? r.jars : field == "pyFiles" ? r.py_files : field == "files" ? r.files : r.archives;
}

}  // namespace

// F1: only conf values were bounded; a 40,000-byte property name went to spark-submit.
TEST_CASE("conf: a property name longer than requests.max-conf-key-bytes is refused", "[validation]") {
  Dirs d;
  const std::string attack = "local-" + std::string(40'000, '7');
  auto r = valid_request(d);
  r.resources.conf = {{attack, "v"}};
  const auto st = livy::validate_batch_request(r, d.rules);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("requests.max-conf-key-bytes"));
  CHECK(st.message().size() < 300);  // the name is not echoed whole
  CHECK(livy::validate_session_request(session_with_conf(attack, "v"), d.rules).code() ==
        ErrorCode::kInvalidArgument);

  // What the message shows of the name is cut between characters, never inside one.
  std::string accented = "x";
  for (int i = 0; i < 1000; ++i) accented += "\xC3\xA9";  // é: byte 64 is the second byte of one
  r.resources.conf = {{accented, "v"}};
  CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("\xC3\xA9...'"));

  // The bound is the configured one, inclusive.
  auto rules = d.rules;
  rules.max_conf_key_bytes = 20;
  r.resources.conf = {{"spark.a" + std::string(13, 'b'), "v"}};  // 20 bytes
  CHECK(livy::validate_batch_request(r, rules).is_ok());
  r.resources.conf = {{"spark.a" + std::string(14, 'b'), "v"}};  // 21 bytes
  CHECK_THAT(livy::validate_batch_request(r, rules).message(), Contains("longer than 20 bytes"));
}

// F5: one entry "http://host/x.txt,/outside/secret" passed as http, then spark-submit split it.
TEST_CASE("whitelist: a ',' inside one entry cannot smuggle a local file past the check", "[validation]") {
  Dirs d;
  const std::string secret = (d.outside / "secret.py").string();
  for (const char* field : {"jars", "pyFiles", "files", "archives"}) {
    INFO(field);
    for (const std::string& entry : {"http://host/x.txt," + secret, "http://host/x.txt, " + secret,
                                     "hdfs://nn/a.zip,,file://" + secret, d.in("job.py") + "," + secret}) {
      INFO(entry);
      auto r = valid_request(d);
      list_of(r.resources, field) = {entry};
      const auto st = livy::validate_batch_request(r, d.rules);
      CHECK(st.code() == ErrorCode::kInvalidArgument);
      CHECK_THAT(st.message(), Contains(field) && Contains("cannot be added"));
      livy::SessionRequest s;
      list_of(s.resources, field) = {entry};
      CHECK(livy::validate_session_request(s, d.rules).code() == ErrorCode::kInvalidArgument);
    }
    // Comma-joined entries that are all fine stay fine, as spark-submit and Livy take them.
    auto r = valid_request(d);
    list_of(r.resources, field) = {"hdfs://nn/a.zip," + d.in("sub/dep.py")};
    CHECK(livy::validate_batch_request(r, d.rules).is_ok());
    list_of(r.resources, field) = {" , "};
    CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("empty entry"));
  }
}

// F5: spark-submit adds the primary file to spark.files or spark.jars in client mode, split on ','.
TEST_CASE("whitelist: a ',' in a batch's file is checked part by part", "[validation]") {
  Dirs d;
  const std::string secret = (d.outside / "secret.py").string();
  for (const std::string& file : {"http://host/x.py," + secret, d.in("job.py") + "," + secret}) {
    INFO(file);
    livy::BatchRequest r;
    r.file = file;
    const auto st = livy::validate_batch_request(r, d.rules);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains("file"));
  }
  livy::BatchRequest r;
  r.file = "hdfs://nn/app.py," + d.in("job.py");
  CHECK(livy::validate_batch_request(r, d.rules).is_ok());
}

// F12: `FILE:/etc/passwd` was taken for a remote URI. Schemes ignore case (RFC 3986).
TEST_CASE("whitelist: URI schemes are compared without regard to case", "[validation]") {
  Dirs d;
  const std::string secret = (d.outside / "secret.py").string();
  for (const std::string& uri : {std::string("FILE:/etc/passwd"), "File:" + secret, "FILE://" + secret,
                                 "fIlE:///" + secret, "LOCAL:" + secret, "Local://" + secret}) {
    INFO(uri);
    CHECK_THAT(d.check(uri).message(), Contains("cannot be added"));
    auto r = valid_request(d);
    r.resources.files = {uri};
    CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
    r = valid_request(d);
    r.resources.conf = {{"spark.files", uri}};
    CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
    r = valid_request(d);
    r.file = uri;
    CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
  }
  CHECK(d.check("FILE:" + d.in("job.py")).is_ok());
  CHECK(d.check("LOCAL://" + d.in("job.py")).is_ok());
  // Not schemes: a blank or a digit first makes a relative path, which is refused.
  for (const std::string& uri : {" file:" + secret, "1file:" + secret, "-x:" + secret}) {
    INFO(uri);
    CHECK(d.check(uri).code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("whitelist: '..' after a missing directory cannot escape", "[validation]") {
  Dirs d;
  CHECK(d.check(d.in("missing/../../outside/secret.py")).code() == ErrorCode::kInvalidArgument);
  CHECK(d.check("file:" + d.in("missing/%2E%2E/../outside/secret.py")).code() == ErrorCode::kInvalidArgument);
  CHECK(d.check(d.in("missing/../job.py")).is_ok());
}

// F5: Spark's file-list properties, whatever the case of their name, and Maven repositories.
TEST_CASE("whitelist: file-list properties are recognized in any case, and file: repositories are checked",
          "[validation]") {
  Dirs d;
  const std::string secret = (d.outside / "secret.py").string();
  for (const char* key : {"SPARK.JARS", "Spark.Submit.PyFiles", "spark.jars.repositories"}) {
    INFO(key);
    auto r = valid_request(d);
    r.resources.conf = {{key, "https://repo.example/maven2,file://" + secret}};
    CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains(key) && Contains("cannot be added"));
  }
  auto r = valid_request(d);
  r.resources.conf = {{"spark.jars.repositories", "https://repo.example/maven2"}};
  CHECK(livy::validate_batch_request(r, d.rules).is_ok());
}

// The list fields become one argument each (`--jars a,b,...`): bounded like any string.
TEST_CASE("a list field's entries together are bounded like one string", "[validation]") {
  Dirs d;
  auto r = valid_request(d);
  r.resources.jars.assign(20, "hdfs://nn/" + std::string(4000, 'j') + ".jar");  // 80 kB in all
  const auto st = livy::validate_batch_request(r, d.rules);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("jars") && Contains("too long"));
  r.resources.jars.resize(10);
  CHECK(livy::validate_batch_request(r, d.rules).is_ok());
}

// F6: none of these was refused.
TEST_CASE("conf blocklist: the defaults refuse every property of issue 9", "[validation]") {
  Dirs d;
  for (const char* key : {"spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions",
                          "spark.driver.extraClassPath", "spark.executor.extraClassPath", "spark.pyspark.python",
                          "spark.pyspark.driver.python", "spark.driver.resource.gpu.discoveryScript",
                          "spark.executor.resource.fpga.discoveryScript", "spark.worker.resource.gpu.discoveryScript",
                          "spark.jars.ivySettings", "spark.yarn.jars", "spark.yarn.jar", "spark.yarn.archive",
                          "spark.driver.defaultJavaOptions", "spark.hadoop.fs.evil.impl"}) {
    INFO(key);
    auto r = valid_request(d);
    r.resources.conf = {{key, "-javaagent:/tmp/x.jar"}};
    const auto st = livy::validate_batch_request(r, d.rules);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains("Blacklisted") && Contains(key));
    const auto ss = livy::validate_session_request(session_with_conf(key, "x"), d.rules);
    CHECK(ss.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(ss.message(), Contains(key));
  }
}

TEST_CASE("conf blocklist: case and blank tricks are refused, near names are not blocked", "[validation]") {
  Dirs d;
  for (const std::string& key :
       {std::string("SPARK.DRIVER.EXTRAJAVAOPTIONS"), std::string("Spark.Driver.ExtraJavaOptions"),
        std::string(" spark.driver.extraJavaOptions"), std::string("spark.driver.extraJavaOptions "),
        std::string("spark.driver.extraJavaOptions\t"), std::string("spark.driver.extraJavaOptions\n"),
        std::string("spark.driver.extraJavaOptions\0", 30), std::string("SPARK.EXECUTOR.RESOURCE.GPU.DISCOVERYSCRIPT")}) {
    INFO(key);
    auto r = valid_request(d);
    r.resources.conf = {{key, "x"}};
    CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
  }
  // Spark matches names exactly: these are other properties, and harmless ones.
  auto r = valid_request(d);
  r.resources.conf = {{"spark.driver.memoryOverhead", "1g"},
                      {"spark.executor.resource.gpu.amount", "1"},
                      {"spark.driver.extraJavaOptionsX", "x"},
                      {"spark.jars.packages", "org.example:lib:1.0"}};
  CHECK(livy::validate_batch_request(r, d.rules).is_ok());
}

TEST_CASE("conf blocklist: an operator's file replaces the default list, the server's keys stay refused",
          "[validation]") {
  Dirs d;
  write_file(d.tmp / "spark-blacklist.conf", "# mine\nspark.my.secret\nspark.team.*.token\n");
  livy::Config config;
  config.local_dir_whitelist = d.whitelist;
  config.conf_blocklist_file = (d.tmp / "spark-blacklist.conf").string();
  const auto rules = livy::load_request_rules(config);
  REQUIRE(rules.has_value());
  auto r = valid_request(d);
  r.resources.conf = {{"spark.driver.extraJavaOptions", "-Dx=1"}};
  CHECK(livy::validate_batch_request(r, *rules).is_ok());
  for (const char* key : {"spark.my.secret", "spark.team.a.token", "spark.master", "SPARK.SUBMIT.DEPLOYMODE"}) {
    INFO(key);
    r.resources.conf = {{key, "x"}};
    const auto st = livy::validate_batch_request(r, *rules);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains(key));
  }
  config.conf_blocklist_file = (d.tmp / "missing.conf").string();
  const auto missing = livy::load_request_rules(config);
  REQUIRE_FALSE(missing.has_value());
  CHECK_THAT(missing.status().message(), Contains("missing.conf"));
}

// F10: a NUL in a property name reached spark-submit, which saw the name cut at the NUL.
TEST_CASE("control characters are refused in everything that names something on the command line",
          "[validation]") {
  Dirs d;
  const std::string nul_key("spark.ui.enabled\0spark.driver.extraJavaOptions", 46);
  auto r = valid_request(d);
  r.resources.conf = {{nul_key, "x"}};
  auto st = livy::validate_batch_request(r, d.rules);
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("control character") && Contains("spark.ui.enabled?spark"));
  CHECK(livy::validate_session_request(session_with_conf(nul_key, "x"), d.rules).code() ==
        ErrorCode::kInvalidArgument);
  for (const std::string& key : {std::string("spark.a\x01"), std::string("spark.\x7f")}) {
    r.resources.conf = {{key, "x"}};
    CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
  }
  // A NUL in a value.
  r.resources.conf = {{"spark.app.name", std::string("a\0b", 3)}};
  CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("NUL"));

  const std::string newline = "bob\nroot";
  SECTION("proxyUser") {
    r = valid_request(d);
    r.proxy_user = newline;
    CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("proxyUser"));
    livy::SessionRequest s;
    s.proxy_user = newline;
    CHECK_THAT(livy::validate_session_request(s, d.rules).message(), Contains("proxyUser"));
    s.proxy_user = std::string("bob\0", 4);
    CHECK_THAT(livy::validate_session_request(s, d.rules).message(), Contains("proxyUser"));
  }
  SECTION("queue, className, file, a session's name") {
    r = valid_request(d);
    r.resources.queue = "q\x1b[0m";
    CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("queue"));
    r = valid_request(d);
    r.class_name = "a\tb";
    CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("className"));
    r = valid_request(d);
    r.file = d.in("job.py") + "\n";
    CHECK_THAT(livy::validate_batch_request(r, d.rules).message(), Contains("file"));
    livy::SessionRequest s;
    s.name = std::string("nice\0name", 9);
    CHECK_THAT(livy::validate_session_request(s, d.rules).message(), Contains("name"));
  }
  SECTION("args are free text: a tab or a newline may belong there, a NUL may not") {
    r = valid_request(d);
    r.args = {"SELECT 1\nFROM t", "a\tb"};
    CHECK(livy::validate_batch_request(r, d.rules).is_ok());
    r.args = {std::string("a\0b", 3)};
    CHECK(livy::validate_batch_request(r, d.rules).code() == ErrorCode::kInvalidArgument);
  }
}

// Spark refuses Python and R applications in standalone cluster mode ("Cluster deploy mode
// is currently not supported for python applications on standalone clusters"), but only
// after spark-submit started: livyd answers 400 at once.
TEST_CASE("standalone cluster mode: Python and R batches, and every session, get a 400", "[validation]") {
  livy::Config c;
  c.spark_master = "spark://127.0.0.1:7077";
  c.spark_deploy_mode = "cluster";
  const auto rules = livy::load_request_rules(c);
  REQUIRE(rules.has_value());
  livy::BatchRequest b;
  for (const char* file : {"hdfs:///jobs/pi.py", "hdfs:///jobs/model.R", "hdfs:///jobs/model.r"}) {
    INFO(file);
    b.file = file;
    const auto st = livy::validate_batch_request(b, *rules);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Contains("cluster deploy mode on a standalone master"));
  }
  b.file = "hdfs:///jobs/job.jar";
  b.class_name = "x.Job";
  CHECK(livy::validate_batch_request(b, *rules).is_ok());
  const auto session = livy::validate_session_request(livy::SessionRequest{}, *rules);
  CHECK(session.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(session.message(), Contains("sessions cannot run in cluster deploy mode on a standalone master"));

  // Client deploy mode, or another master: Python is fine.
  b.file = "hdfs:///jobs/pi.py";
  for (const auto& [master, mode] : std::vector<std::pair<std::string, std::string>>{
           {"spark://127.0.0.1:7077", "client"}, {"spark://127.0.0.1:7077", ""}, {"yarn", "cluster"}}) {
    livy::Config other;
    other.spark_master = master;
    other.spark_deploy_mode = mode;
    const auto other_rules = livy::load_request_rules(other);
    REQUIRE(other_rules.has_value());
    CHECK(livy::validate_batch_request(b, *other_rules).is_ok());
    CHECK(livy::validate_session_request(livy::SessionRequest{}, *other_rules).is_ok());
  }
}
