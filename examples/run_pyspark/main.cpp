// Runs PySpark code from C++ in an interactive session: variables persist
// between statements, errors come back as data. No HTTP involved.
//   run_pyspark ['python code' ...]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <livy/livy.h>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  std::vector<std::string> code(argv + 1, argv + argc);
  if (code.empty()) code = {"x = spark.range(1000).count()", "x * 2", "print(undefined_name)"};

  livy::Config config;
  config.data_dir = "./var/run_pyspark";
  auto runtime = livy::Runtime::open(config);
  if (!runtime) return std::fprintf(stderr, "cannot start: %s\n", runtime.status().message().c_str()), 1;

  auto& sessions = (*runtime)->sessions();
  auto session = sessions.create({.kind = livy::SessionKind::kPySpark, .name = "run-pyspark"});
  if (!session) return std::fprintf(stderr, "rejected: %s\n", session.status().message().c_str()), 1;
  auto ready = sessions.wait_ready(session->id, 3min);
  if (!ready || ready->state != livy::SessionState::kIdle) {
    std::fprintf(stderr, "the session did not start\n");
    return 1;
  }

  for (const auto& snippet : code) {
    auto st = (*runtime)->statements().run(session->id, {.code = snippet}, 10min);
    if (!st || !st->output) return std::fprintf(stderr, "statement failed to run\n"), 1;
    std::printf(">>> %s\n", snippet.c_str());
    if (st->output->ok) {
      std::printf("%s\n", st->output->text().c_str());
    } else {
      std::printf("%s: %s\n", st->output->ename.c_str(), st->output->evalue.c_str());
    }
  }
  (void)sessions.remove(session->id);
  return 0;
}
