// Spark Connect on a session's driver (livy.connect.enabled): the driver is told, Spark is
// not; connect-info refuses until the driver's `ready` carries the endpoint, and has it again
// after a restart of livyd once the reconnected driver repeats its `ready`.
#include "unit/sessions/session_test_util.h"

using namespace session_test;
using Resume = FakeDriver::Resume;

namespace {

const char* const kReadyWithConnect =
    R"({"type":"ready","appId":"local-1","connect":{"host":"127.0.0.1","port":41234,"token":"t0k3n",)"
    R"("shared":true,"sessionId":"3f1c0b7e-0000-4000-8000-000000000001","userId":"livy"}})";

livy::SessionRequest with_connect(const std::string& value) {
  livy::SessionRequest r = pyspark();
  r.resources.conf["livy.connect.enabled"] = value;
  return r;
}

}  // namespace

TEST_CASE("connect: the driver gets spark.livy.driver.connect; spark-submit never sees livy.connect.enabled",
          "[session][connect]") {
  TestRuntime t;
  t.open();
  create_ok(t, with_connect("true"));
  create_ok(t, with_connect("false"));
  const auto on = livy_test::spark_conf_of(launch_of(t, 0).spec);
  CHECK(on.count("livy.connect.enabled") == 0);
  CHECK(driver_setting(launch_of(t, 0).spec, "connect") == "true");
  CHECK(livy_test::spark_conf_of(launch_of(t, 1).spec).count("livy.connect.enabled") == 0);
  CHECK_FALSE(driver_setting(launch_of(t, 1).spec, "connect").has_value());
  // The request's conf still shows what was asked, as livy.spark.version's does.
  CHECK(t.runtime().sessions().get(0)->request.resources.conf.at("livy.connect.enabled") == "true");

  const auto bad = t.runtime().sessions().create(with_connect("on"));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("connect-info: refused without the conf and before ready; the endpoint after; again after a restart",
          "[session][connect]") {
  TestRuntime t;
  t.open();
  auto& sessions = t.runtime().sessions();  // until the restart, which makes a new runtime
  create_ok(t, pyspark());
  create_ok(t, with_connect("true"));
  attach(t, 0);
  const auto off = sessions.connect_info(0);
  REQUIRE_FALSE(off.has_value());
  CHECK(off.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(off.status().message(), Catch::Matchers::Contains("livy.connect.enabled=true"));
  CHECK(sessions.connect_info(9).status().code() == ErrorCode::kNotFound);

  // Starting: not yet.
  CHECK(sessions.connect_info(1).status().code() == ErrorCode::kConflict);
  const auto env = env_of(t, 1);
  auto driver = std::make_unique<FakeDriver>(env);
  REQUIRE(driver->say_hello());
  driver->send_line(kReadyWithConnect);
  REQUIRE(eventually([&] { return state_of(t, 1) == SessionState::kIdle; }));
  const auto info = sessions.connect_info("1");
  REQUIRE(info.has_value());
  CHECK(info->host == "127.0.0.1");
  CHECK(info->port == 41234);
  CHECK(info->token == "t0k3n");
  CHECK(info->session_id == "3f1c0b7e-0000-4000-8000-000000000001");
  CHECK(info->user_id == "livy");
  // The token is in no view of the session.
  const auto session = sessions.get(1);
  for (const auto& line : session->log) CHECK(line.find("t0k3n") == std::string::npos);

  // After a restart the session is recovering: no endpoint until the driver repeats `ready`.
  restart(t, {ScriptedLauncher::kFirstPid + 1});
  CHECK(t.runtime().sessions().connect_info(1).status().code() == ErrorCode::kConflict);
  CHECK(driver->wait_closed(kWait));
  FakeDriver again(env);
  REQUIRE(again.resume(Resume{std::nullopt, std::nullopt}));
  again.send_line(kReadyWithConnect);
  REQUIRE(eventually([&] { return state_of(t, 1) == SessionState::kIdle; }));
  const auto recovered = t.runtime().sessions().connect_info(1);
  REQUIRE(recovered.has_value());
  CHECK(recovered->port == 41234);

  // Ended: gone with it.
  REQUIRE(t.runtime().sessions().stop(1));
  CHECK(t.runtime().sessions().connect_info(1).status().code() == ErrorCode::kConflict);
}
