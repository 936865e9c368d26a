// Secret conf values (spark.redaction-regex) through the runtime: redacted in
// every Session and in the store, absent from spark-submit's argv, present in
// the 0600 properties file that spark-submit reads.
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "session_test_util.h"
#include "wire/reply_json.h"

using Catch::Matchers::Contains;
using namespace session_test;

namespace {

constexpr const char* kSecret = "hunter2-S3CR3T";

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every byte livyd's store has on disk: the database and its journal.
std::string store_bytes(TestRuntime& t) {
  std::string all;
  for (const auto& entry : std::filesystem::directory_iterator(t.data_dir())) {
    if (entry.path().filename().string().rfind("livyd.db", 0) == 0) all += file_text(entry.path());
  }
  return all;
}

bool any_arg_contains(const std::vector<std::string>& argv, const std::string& text) {
  return std::any_of(argv.begin(), argv.end(), [&](const std::string& a) { return a.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("a session's secret conf: redacted in replies and the store, in a 0600 file for spark-submit",
          "[session][redaction]") {
  TestRuntime t;
  t.open();
  auto r = pyspark("secretive");
  r.resources.conf = {{"spark.sql.shuffle.partitions", "8"}, {"spark.hadoop.fs.s3a.secret.key", kSecret}};
  const livy::Session created = create_ok(t, r);
  CHECK(created.request.resources.conf.at("spark.hadoop.fs.s3a.secret.key") == "*********(redacted)");
  CHECK(created.request.resources.conf.at("spark.sql.shuffle.partitions") == "8");
  const auto got = t.runtime().sessions().get(0);
  REQUIRE(got);
  CHECK_THAT(livy::wire::encode_session(*got), !Contains(kSecret) && Contains("*********(redacted)"));
  auto page = t.runtime().sessions().list(0, 10);
  REQUIRE(page);
  CHECK_THAT(livy::wire::encode_session_page(*page), !Contains(kSecret));

  const auto launched = t.launcher().launched();
  REQUIRE(launched.size() == 1);
  CHECK_FALSE(any_arg_contains(launched[0].argv, kSecret));
  CHECK(has_arg_pair(launched[0].argv, "--conf", "spark.sql.shuffle.partitions=8"));
  const auto props = t.data_dir() / "sessions" / "0" / "spark-submit.properties";
  CHECK(has_arg_pair(launched[0].argv, "--properties-file", props.string()));
  for (const auto& [k, v] : launched[0].env) CHECK_THAT(v, !Contains(kSecret));
  struct stat st{};
  REQUIRE(::stat(props.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_THAT(file_text(props), Contains(std::string("spark.hadoop.fs.s3a.secret.key=") + kSecret));

  CHECK_THAT(store_bytes(t), !Contains(kSecret));
  t.close_and_forget_children();
  t.open();
  const auto recovered = t.runtime().sessions().get(0);
  REQUIRE(recovered);
  CHECK(recovered->request.resources.conf.at("spark.hadoop.fs.s3a.secret.key") == "*********(redacted)");
}

TEST_CASE("a batch's secret conf: out of argv and the store, in the properties file", "[batch_manager][redaction]") {
  TestRuntime t;
  t.open();
  livy::BatchRequest r;
  r.file = t.job_file();
  r.resources.conf = {{"spark.ssl.keyPassword", kSecret}};
  REQUIRE(t.batches().submit(r));
  const auto launched = t.launcher().launched();
  REQUIRE(launched.size() == 1);
  CHECK_FALSE(any_arg_contains(launched[0].argv, kSecret));
  const auto props = t.data_dir() / "batches" / "0" / "spark-submit.properties";
  CHECK(has_arg_pair(launched[0].argv, "--properties-file", props.string()));
  CHECK_THAT(file_text(props), Contains(std::string("spark.ssl.keyPassword=") + kSecret));
  CHECK_THAT(store_bytes(t), !Contains(kSecret));
}
