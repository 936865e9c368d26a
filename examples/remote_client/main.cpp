// Runs Python on a remote livyd (or Apache Livy) with livy::Client: create a
// pyspark session, wait until it is idle, run `1 + 1`, print the result, delete it.
//   remote_client [http://127.0.0.1:8998]
#include <chrono>
#include <cstdio>
#include <string>

#include <livy/client.h>

namespace {

int fail(const char* what, const livy::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what, status.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  livy::Client client(argc > 1 ? argv[1] : "http://127.0.0.1:8998");

  auto session = client.create_session({.kind = livy::SessionKind::kPySpark});
  if (!session) return fail("cannot create a session", session.status());
  std::printf("session %lld created, waiting for Spark...\n", static_cast<long long>(session->id));

  int rc = 0;
  if (auto idle = client.wait_session_idle(session->id, 3min); !idle) {
    rc = fail("session did not start", idle.status());
  } else if (auto statement = client.run(session->id, "1 + 1", std::nullopt, 1min); !statement) {
    rc = fail("cannot run the statement", statement.status());
  } else if (!statement->output) {
    std::fprintf(stderr, "statement ended %s without output\n", std::string(livy::to_string(statement->state)).c_str());
    rc = 1;
  } else if (!statement->output->ok) {
    std::fprintf(stderr, "%s: %s\n", statement->output->ename.c_str(), statement->output->evalue.c_str());
    rc = 1;
  } else {
    std::printf("1 + 1 = %s\n", statement->output->text().c_str());
  }

  if (auto deleted = client.delete_session(session->id); !deleted) return fail("cannot delete the session", deleted);
  return rc;
}
