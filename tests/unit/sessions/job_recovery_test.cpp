// Jobs of the job API across a livyd restart: the store keeps them, a recovered session
// gets them back, and a reconnecting driver's `resume` settles the one in flight.
#include <catch2/catch.hpp>

#include "base/base64.h"
#include "unit/sessions/session_test_util.h"

using namespace session_test;
using Catch::Matchers::Contains;
using livy::JobState;
using Resume = FakeDriver::Resume;

namespace {

livy::Job submit_job(TestRuntime& t, std::int64_t session, const std::string& bytes) {
  livy::JobRequest r;
  r.job = bytes;
  auto job = t.runtime().jobs().submit(session, r);
  if (!job) FAIL("submit: " << job.status().message());
  return *job;
}

livy::Job job_of(TestRuntime& t, std::int64_t session, std::int64_t id) {
  auto job = t.runtime().jobs().get(session, id);
  if (!job) FAIL("get job: " << job.status().message());
  return *job;
}

JobState job_state(TestRuntime& t, std::int64_t session, std::int64_t id) { return job_of(t, session, id).state; }

// Resume hellos of a driver that reports jobs.
Resume with_jobs(std::optional<std::int64_t> running_job, std::optional<std::int64_t> last_job) {
  return Resume{.running = std::nullopt, .last = std::nullopt, .jobs = true, .running_job = running_job,
                .last_job = last_job};
}

}  // namespace

TEST_CASE("job recovery: finished jobs are readable after a restart, results and errors intact", "[jobs][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  submit_job(t, 0, "ok");
  expect(*a.driver, "job");
  a.driver->job_started(0);
  a.driver->job_result(0, std::string("gAVLKi4="), std::nullopt);
  REQUIRE(eventually([&] { return job_state(t, 0, 0) == JobState::kSucceeded; }));
  submit_job(t, 0, "bad");
  expect(*a.driver, "job");
  a.driver->job_started(1);
  a.driver->job_result(1, std::nullopt, std::string("Traceback ...\nValueError: boom"));
  REQUIRE(eventually([&] { return job_state(t, 0, 1) == JobState::kFailed; }));

  SECTION("the session recovers") {
    restart(t, {ScriptedLauncher::kFirstPid});
    CHECK(job_of(t, 0, 0).result == "gAVLKi4=");
    FakeDriver again(a.env);
    REQUIRE(again.resume(with_jobs(std::nullopt, 1)));
    again.ready("local-1");
    REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kIdle; }));
    CHECK(job_of(t, 0, 0).result == "gAVLKi4=");
    CHECK_THAT(*job_of(t, 0, 1).error, Contains("ValueError: boom"));
    CHECK_FALSE(again.next(kQuiet).has_value());  // nothing runs again
    CHECK(submit_job(t, 0, "next").id == 2);      // ids go on
    CHECK(expect(again, "job").id == 2);
  }
  SECTION("the driver died meanwhile: the session is dead, its jobs still readable") {
    restart(t, {});
    CHECK(state_of(t, 0) == SessionState::kDead);
    CHECK(job_of(t, 0, 0).result == "gAVLKi4=");
    CHECK(job_of(t, 0, 1).state == JobState::kFailed);
  }
  SECTION("past sessions.state-retain, read from the store by id") {
    REQUIRE(t.runtime().sessions().stop(0).is_ok());
    t.config().state_retain = std::chrono::seconds(1);
    t.clock().advance(std::chrono::seconds(10));
    restart(t, {});
    CHECK(job_of(t, 0, 0).result == "gAVLKi4=");
    CHECK(job_of(t, 0, 1).state == JobState::kFailed);
    CHECK(t.runtime().jobs().get(0, 2).status().code() == ErrorCode::kNotFound);
  }
}

TEST_CASE("job recovery: queued jobs are queued again, in id order, and run once the driver is ready",
          "[jobs][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  submit_ok(t, 0, "slow()");
  expect(*a.driver, "execute");
  a.driver->started(0);
  REQUIRE(eventually([&] { return statement_of(t, 0, 0).state == StatementState::kRunning; }));
  const std::string first("\x80\x05first\x00\xff", 9);
  submit_job(t, 0, first);
  submit_job(t, 0, "second");

  restart(t, {ScriptedLauncher::kFirstPid});
  CHECK(job_state(t, 0, 0) == JobState::kQueued);
  FakeDriver again(a.env);
  REQUIRE(again.resume(Resume{.running = 0, .last = std::nullopt, .jobs = true}));
  again.ready("local-1");
  CHECK_FALSE(again.next(kQuiet).has_value());  // the statement still runs
  again.result_ok(0, 0, "done");
  const auto job0 = expect(again, "job");
  CHECK(job0.id == 0);
  CHECK(livy::base64_decode(job0.job) == first);  // the payload came back from the store
  again.job_started(0);
  again.job_result(0, std::string("AA=="), std::nullopt);
  const auto job1 = expect(again, "job");
  CHECK(job1.id == 1);
  CHECK(livy::base64_decode(job1.job) == "second");
  again.job_result(1, std::string("AQ=="), std::nullopt);
  REQUIRE(eventually([&] { return job_state(t, 0, 1) == JobState::kSucceeded; }));
}

TEST_CASE("job recovery: the job running across the restart is settled by the resume", "[jobs][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  submit_job(t, 0, "long");
  expect(*a.driver, "job");
  a.driver->job_started(0);
  REQUIRE(eventually([&] { return job_state(t, 0, 0) == JobState::kStarted; }));
  submit_job(t, 0, "after");  // waits behind it, across the restart

  restart(t, {ScriptedLauncher::kFirstPid});
  CHECK(job_state(t, 0, 0) == JobState::kStarted);
  FakeDriver again(a.env);

  SECTION("still running: livyd waits for its result") {
    REQUIRE(again.resume(with_jobs(0, std::nullopt)));
    again.ready("local-1");
    REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kBusy; }));
    CHECK_FALSE(again.next(kQuiet).has_value());
    again.job_result(0, std::string("gAVLKi4="), std::nullopt);
    REQUIRE(eventually([&] { return job_state(t, 0, 0) == JobState::kSucceeded; }));
    CHECK(expect(again, "job").id == 1);
  }
  SECTION("finished while livyd was down: the replayed job-result is taken, once") {
    REQUIRE(again.resume(with_jobs(std::nullopt, 0)));
    again.ready("local-1");
    again.job_result(0, std::string("gAVLKi4="), std::nullopt);
    REQUIRE(eventually([&] { return job_state(t, 0, 0) == JobState::kSucceeded; }));
    CHECK(job_of(t, 0, 0).result == "gAVLKi4=");
    CHECK(expect(again, "job").id == 1);
    again.job_result(0, std::string("b3RoZXI="), std::nullopt);  // a repeat: ignored
    again.job_result(1, std::string("AA=="), std::nullopt);
    REQUIRE(eventually([&] { return job_state(t, 0, 1) == JobState::kSucceeded; }));
    CHECK(job_of(t, 0, 0).result == "gAVLKi4=");
  }
  SECTION("the driver has no trace of it: FAILED, saying why; the next job runs") {
    REQUIRE(again.resume(with_jobs(std::nullopt, std::nullopt)));
    REQUIRE(eventually([&] { return job_state(t, 0, 0) == JobState::kFailed; }));
    CHECK_THAT(*job_of(t, 0, 0).error, Contains("livyd restarted"));
    again.ready("local-1");
    CHECK(expect(again, "job").id == 1);
  }
  SECTION("a driver that does not report jobs: the started job's result is lost, it fails") {
    REQUIRE(again.resume(Resume{std::nullopt, std::nullopt}));
    REQUIRE(eventually([&] { return job_state(t, 0, 0) == JobState::kFailed; }));
    CHECK_THAT(*job_of(t, 0, 0).error, Contains("does not report jobs"));
    again.ready("local-1");
    CHECK(expect(again, "job").id == 1);
  }
}

TEST_CASE("job recovery: a job sent but never received by the driver is sent again", "[jobs][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  submit_job(t, 0, "lost on the way");
  expect(*a.driver, "job");  // no job-started: livyd went down first

  restart(t, {ScriptedLauncher::kFirstPid});
  FakeDriver again(a.env);
  REQUIRE(again.resume(with_jobs(std::nullopt, std::nullopt)));
  again.ready("local-1");
  const auto job = expect(again, "job");
  CHECK(job.id == 0);
  CHECK(livy::base64_decode(job.job) == "lost on the way");
}

TEST_CASE("job recovery: a cancel asked while the driver was away is sent after it is ready", "[jobs][recovery]") {
  TestRuntime t;
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  submit_job(t, 0, "forever");
  expect(*a.driver, "job");
  a.driver->job_started(0);
  REQUIRE(eventually([&] { return job_state(t, 0, 0) == JobState::kStarted; }));

  restart(t, {ScriptedLauncher::kFirstPid});
  REQUIRE(t.runtime().jobs().cancel(0, 0).is_ok());
  FakeDriver again(a.env);
  REQUIRE(again.resume(with_jobs(0, std::nullopt)));
  again.ready("local-1");
  CHECK(expect(again, "job-cancel").id == 0);
  again.job_result(0, std::nullopt, std::nullopt, true);
  REQUIRE(eventually([&] { return job_state(t, 0, 0) == JobState::kCancelled; }));
}

TEST_CASE("job recovery: no reconnect within the grace: the started job fails, queued ones are cancelled, for good",
          "[jobs][recovery]") {
  TestRuntime t;
  t.config().session_recovery_grace = std::chrono::seconds(30);
  t.open();
  create_ok(t);
  auto a = attached(t, 0);
  submit_job(t, 0, "running");
  expect(*a.driver, "job");
  a.driver->job_started(0);
  REQUIRE(eventually([&] { return job_state(t, 0, 0) == JobState::kStarted; }));
  submit_job(t, 0, "waiting");

  restart(t, {ScriptedLauncher::kFirstPid});
  t.clock().advance(std::chrono::seconds(31));
  REQUIRE(eventually([&] { return state_of(t, 0) == SessionState::kDead; }));
  CHECK(job_state(t, 0, 0) == JobState::kFailed);
  CHECK_THAT(*job_of(t, 0, 0).error, Contains("the session ended before the job finished"));
  CHECK(job_state(t, 0, 1) == JobState::kCancelled);

  restart(t, {});  // and so they stay
  CHECK(job_state(t, 0, 0) == JobState::kFailed);
  CHECK(job_state(t, 0, 1) == JobState::kCancelled);
}
