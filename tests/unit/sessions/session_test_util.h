// Helpers shared by the session tests (session_test.cpp, session_timeout_test.cpp,
// session_recovery_test.cpp, job_recovery_test.cpp): a Runtime on fakes, a FakeDriver
// per session.
#pragma once

#include <algorithm>
#include <csignal>
#include <initializer_list>
#include <memory>

#include <catch2/catch.hpp>

#include "livy/livy.h"
#include "support/eventually.h"
#include "support/fake_driver.h"
#include "support/http_harness.h"
#include "support/test_runtime.h"

namespace session_test {

using namespace std::chrono_literals;
using livy::ErrorCode;
using livy::SessionKind;
using livy::SessionState;
using livy::StatementState;
using livy_test::DriverCommand;
using livy_test::driver_setting;
using livy_test::eventually;
using livy_test::FakeDriver;
using livy_test::ScriptedLauncher;
using livy_test::TestRuntime;

inline constexpr auto kWait = 5s;       // upper bound only: every wait below ends as soon as its condition holds
inline constexpr auto kQuiet = 100ms;   // how long "nothing happens" is watched: ten monitor ticks

inline livy::SessionRequest pyspark(std::optional<std::string> name = std::nullopt) {
  livy::SessionRequest r;
  r.kind = SessionKind::kPySpark;
  r.name = std::move(name);
  return r;
}

inline livy::Session create_ok(TestRuntime& t, const livy::SessionRequest& request = pyspark()) {
  auto s = t.runtime().sessions().create(request);
  if (!s) FAIL("create: " << s.status().message());
  return *s;
}

inline livy::Statement submit_ok(TestRuntime& t, const livy::Ref& session, const std::string& code,
                          std::optional<SessionKind> kind = std::nullopt) {
  auto st = t.runtime().statements().submit(session, {code, kind});
  if (!st) FAIL("submit: " << st.status().message());
  return *st;
}

inline SessionState state_of(TestRuntime& t, const livy::Ref& session) {
  auto s = t.runtime().sessions().get(session);
  REQUIRE(s.has_value());
  return s->state;
}

inline livy::Statement statement_of(TestRuntime& t, const livy::Ref& session, std::int64_t id) {
  auto st = t.runtime().statements().get(session, id);
  REQUIRE(st.has_value());
  return *st;
}

// Waits (long-polls) until the statement is final and returns it.
inline livy::Statement final_statement(TestRuntime& t, const livy::Ref& session, std::int64_t id) {
  auto st = t.runtime().statements().get(session, id, kWait);
  REQUIRE(st.has_value());
  return *st;
}

inline bool log_has(TestRuntime& t, const livy::Ref& session, const std::string& text) {
  const auto log = t.runtime().sessions().log(session, std::nullopt, -1);
  if (!log) return false;
  return std::any_of(log->lines.begin(), log->lines.end(),
                     [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

// The launch of session `id`: the spec livyd handed to the launcher and the pid it got back.
struct Launch {
  livy::ProcessSpec spec;
  int pid = 0;
};

inline Launch launch_of(TestRuntime& t, std::int64_t id) {
  const int launches = static_cast<int>(t.launcher().launched().size());
  for (int pid = ScriptedLauncher::kFirstPid; pid < ScriptedLauncher::kFirstPid + launches; ++pid) {
    const auto spec = t.launcher().spec_of(pid);
    const auto env = livy_test::driver_env(spec);
    if (env && env->session_id == id) return {spec, pid};
  }
  FAIL("session " << id << " was never launched");
  return {};
}

inline livy_test::DriverEnv env_of(TestRuntime& t, std::int64_t id) {
  const auto env = livy_test::driver_env(launch_of(t, id).spec);
  REQUIRE(env.has_value());
  return *env;
}

// A driver of session `id` that is connected and has said nothing yet.
inline std::unique_ptr<FakeDriver> connect_driver(TestRuntime& t, std::int64_t id) {
  return std::make_unique<FakeDriver>(env_of(t, id));
}

// A driver of session `id` that said hello and ready; returns once the session has left `starting`.
inline std::unique_ptr<FakeDriver> attach(TestRuntime& t, std::int64_t id, const std::string& app_id = "local-1700000000000") {
  auto driver = connect_driver(t, id);
  REQUIRE(driver->attach(app_id));
  REQUIRE(eventually([&] { return state_of(t, id) != SessionState::kStarting; }));
  return driver;
}

// A session `id` that is idle with a driver; returns the driver and its environment.
struct Attached {
  std::unique_ptr<FakeDriver> driver;
  livy_test::DriverEnv env;
};

inline Attached attached(TestRuntime& t, std::int64_t id) {
  Attached a{nullptr, env_of(t, id)};
  a.driver = attach(t, id);
  return a;
}

// Restarts livyd on the same data directory; the old session groups stay alive.
inline void restart(TestRuntime& t, std::initializer_list<int> alive_groups) {
  t.close_and_forget_children();
  for (int pgid : alive_groups) t.launcher().set_group_alive(pgid, true);
  t.open();
}

// The next message livyd sends the driver, which must be of `type`.
inline DriverCommand expect(FakeDriver& driver, const std::string& type) {
  const auto command = driver.next(kWait);
  REQUIRE(command.has_value());
  REQUIRE(command->type == type);
  return *command;
}

inline bool has_arg_pair(const std::vector<std::string>& argv, const std::string& flag, const std::string& value) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag && argv[i + 1] == value) return true;
  }
  return false;
}

inline std::optional<std::string> env_value(const livy::ProcessSpec& spec, const std::string& key) {
  for (const auto& [k, v] : spec.env) {
    if (k == key) return v;
  }
  return std::nullopt;
}

}  // namespace session_test
