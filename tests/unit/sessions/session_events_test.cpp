// Each state change of a session and of its statements is a log entry (event "state"), with
// the application id once the driver told it: a fake driver plays the session.
#include <rapidjson/document.h>

#include <tuple>
#include <vector>

#include "unit/sessions/session_test_util.h"

using namespace session_test;

namespace {

using Change = std::tuple<std::string, std::int64_t, std::string, std::string>;  // object, id, from, to

// The "state" entries of the runtime's JSON log, in order; `from` "-" when null.
std::vector<Change> state_changes(TestRuntime& t, std::vector<std::string>* app_ids = nullptr) {
  std::vector<Change> out;
  for (const auto& line : t.log_lines()) {
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    REQUIRE_FALSE(doc.HasParseError());
    if (std::string(doc["event"].GetString()) != "state") continue;
    out.emplace_back(doc["object"].GetString(), doc["id"].GetInt64(),
                     doc["from"].IsNull() ? "-" : doc["from"].GetString(), doc["to"].GetString());
    if (app_ids != nullptr) app_ids->push_back(doc["app_id"].IsNull() ? "-" : doc["app_id"].GetString());
    if (std::get<0>(out.back()) == "statement") CHECK(doc["session_id"].GetInt64() == 0);
  }
  return out;
}

}  // namespace

TEST_CASE("state log: a session's and its statements' changes, in order, with the app id", "[session][log]") {
  TestRuntime t;
  t.config().log_format = "json";
  t.open();
  create_ok(t);
  auto driver = attach(t, 0, "local-42");
  submit_ok(t, 0, "1 + 1");
  CHECK(expect(*driver, "execute").id == 0);
  driver->started(0);
  REQUIRE(eventually([&] { return statement_of(t, 0, 0).state == StatementState::kRunning; }));
  driver->result_ok(0, 0, "2");
  CHECK(final_statement(t, 0, 0).state == StatementState::kAvailable);
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }));
  submit_ok(t, 0, "queued");  // runs: sent at once; cancel it
  CHECK(expect(*driver, "execute").id == 1);
  REQUIRE(t.runtime().statements().cancel(0, 1));

  std::vector<std::string> apps;
  const auto changes = state_changes(t, &apps);
  const std::vector<Change> expected{
      {"session", 0, "not_started", "starting"}, {"session", 0, "starting", "idle"},
      {"statement", 0, "-", "waiting"},          {"session", 0, "idle", "busy"},
      {"statement", 0, "waiting", "running"},    {"statement", 0, "running", "available"},
      {"session", 0, "busy", "idle"},            {"statement", 1, "-", "waiting"},
      {"session", 0, "idle", "busy"},            {"statement", 1, "waiting", "cancelling"}};
  CHECK(changes == expected);
  REQUIRE(apps.size() == changes.size());
  CHECK(apps.front() == "-");          // not known while starting
  CHECK(apps.back() == "local-42");    // known once the driver said it
}
