// The job API of sessions (JobRunner) through a Runtime wired to fakes: a
// FakeDriver plays the driver on the real channel, so the queueing of jobs with
// statements, their states, cancel, files added by URI or upload, and the end
// of a session are checked without Spark.
#include <filesystem>
#include <future>

#include <catch2/catch.hpp>

#include "base/base64.h"
#include "livy/livy.h"
#include "support/eventually.h"
#include "support/fake_driver.h"
#include "support/test_runtime.h"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using livy::ErrorCode;
using livy::JobState;
using livy::ResourceKind;
using livy::SessionState;
using livy_test::DriverCommand;
using livy_test::eventually;
using livy_test::FakeDriver;
using livy_test::TestRuntime;

namespace {

constexpr auto kWait = 5s;

std::int64_t create_session(TestRuntime& t) {
  livy::SessionRequest r;
  r.kind = livy::SessionKind::kPySpark;
  auto s = t.runtime().sessions().create(r);
  REQUIRE(s.has_value());
  return s->id;
}

std::unique_ptr<FakeDriver> connect(TestRuntime& t, std::int64_t id) {
  for (const auto& spec : t.launcher().launched()) {
    const auto env = livy_test::driver_env(spec);
    if (env && env->session_id == id) return std::make_unique<FakeDriver>(*env);
  }
  FAIL("session " << id << " was never launched");
  return nullptr;
}

SessionState state_of(TestRuntime& t, std::int64_t id) {
  auto s = t.runtime().sessions().get(id);
  REQUIRE(s.has_value());
  return s->state;
}

std::unique_ptr<FakeDriver> attach(TestRuntime& t, std::int64_t id) {
  auto driver = connect(t, id);
  REQUIRE(driver->attach());
  REQUIRE(eventually([&] { return state_of(t, id) != SessionState::kStarting; }));
  return driver;
}

DriverCommand expect(FakeDriver& driver, const std::string& type) {
  const auto command = driver.next(kWait);
  REQUIRE(command.has_value());
  REQUIRE(command->type == type);
  return *command;
}

livy::JobRequest pyjob(std::string bytes, bool run_now = false) {
  livy::JobRequest r;
  r.job = std::move(bytes);
  r.type = livy::JobType::kPySpark;
  r.run_now = run_now;
  return r;
}

livy::Job submit_ok(TestRuntime& t, std::int64_t session, const std::string& bytes, bool run_now = false) {
  auto job = t.runtime().jobs().submit(session, pyjob(bytes, run_now));
  if (!job) FAIL("submit: " << job.status().message());
  return *job;
}

livy::Job job_of(TestRuntime& t, std::int64_t session, std::int64_t id) {
  auto job = t.runtime().jobs().get(session, id);
  REQUIRE(job.has_value());
  return *job;
}

JobState state_of_job(TestRuntime& t, std::int64_t session, std::int64_t id) { return job_of(t, session, id).state; }

}  // namespace

TEST_CASE("a job submitted while the session starts waits, then runs: QUEUED, STARTED, SUCCEEDED", "[jobs]") {
  TestRuntime t;
  t.open();
  const auto sid = create_session(t);
  const auto job = submit_ok(t, sid, std::string("\x80\x05pickled\x00", 10));
  CHECK(job.id == 0);
  CHECK(job.state == JobState::kQueued);
  CHECK_FALSE(job.result);

  auto driver = attach(t, sid);
  const auto sent = expect(*driver, "job");
  CHECK(sent.id == 0);
  CHECK(sent.job_type == "pyspark");
  CHECK(livy::base64_decode(sent.job) == std::string("\x80\x05pickled\x00", 10));
  CHECK(state_of(t, sid) == SessionState::kBusy);
  CHECK(state_of_job(t, sid, 0) == JobState::kQueued);

  driver->job_started(0);
  REQUIRE(eventually([&] { return state_of_job(t, sid, 0) == JobState::kStarted; }));
  driver->job_result(0, std::string("gAVLKi4="), std::nullopt);
  REQUIRE(eventually([&] { return state_of_job(t, sid, 0) == JobState::kSucceeded; }));
  const auto done = job_of(t, sid, 0);
  CHECK(done.result == "gAVLKi4=");
  CHECK_FALSE(done.error);
  CHECK(eventually([&] { return state_of(t, sid) == SessionState::kIdle; }));
}

TEST_CASE("jobs share the session's queue: one thing at a time, jobs before statements, run-job first", "[jobs]") {
  TestRuntime t;
  t.open();
  const auto sid = create_session(t);
  auto driver = attach(t, sid);
  REQUIRE(t.runtime().statements().submit(sid, {"1 + 1", std::nullopt}).has_value());
  const auto running = expect(*driver, "execute");
  // While the statement runs, a statement, a job and a run-job job wait.
  REQUIRE(t.runtime().statements().submit(sid, {"2 + 2", std::nullopt}).has_value());
  submit_ok(t, sid, "first");
  submit_ok(t, sid, "urgent", true);
  CHECK_FALSE(driver->next(100ms).has_value());

  driver->started(running.id);
  driver->result_ok(running.id, 0, "2");
  const auto a = expect(*driver, "job");
  CHECK(a.id == 1);  // run-job's
  driver->job_result(1, std::string("AA=="), std::nullopt);
  const auto b = expect(*driver, "job");
  CHECK(b.id == 0);
  driver->job_result(0, std::string("AA=="), std::nullopt);
  const auto c = expect(*driver, "execute");
  CHECK(c.code == "2 + 2");
}

TEST_CASE("a job's error makes it FAILED with the error; the session goes on", "[jobs]") {
  TestRuntime t;
  t.open();
  const auto sid = create_session(t);
  auto driver = attach(t, sid);
  submit_ok(t, sid, "x");
  expect(*driver, "job");
  driver->job_started(0);
  driver->job_result(0, std::nullopt, std::string("Traceback ...\nValueError: boom"));
  REQUIRE(eventually([&] { return state_of_job(t, sid, 0) == JobState::kFailed; }));
  CHECK_THAT(*job_of(t, sid, 0).error, Contains("ValueError: boom"));
  CHECK_FALSE(job_of(t, sid, 0).result);
  submit_ok(t, sid, "y");
  CHECK(expect(*driver, "job").id == 1);
}

TEST_CASE("cancel: a queued job at once, a started one through the driver", "[jobs]") {
  TestRuntime t;
  t.open();
  const auto sid = create_session(t);
  auto driver = attach(t, sid);
  submit_ok(t, sid, "long");
  submit_ok(t, sid, "queued");
  expect(*driver, "job");
  driver->job_started(0);
  REQUIRE(eventually([&] { return state_of_job(t, sid, 0) == JobState::kStarted; }));

  REQUIRE(t.runtime().jobs().cancel(sid, 1).is_ok());
  CHECK(state_of_job(t, sid, 1) == JobState::kCancelled);

  REQUIRE(t.runtime().jobs().cancel(sid, 0).is_ok());
  const auto cancel = expect(*driver, "job-cancel");
  CHECK(cancel.id == 0);
  CHECK(state_of_job(t, sid, 0) == JobState::kStarted);
  driver->job_result(0, std::nullopt, std::nullopt, true);
  REQUIRE(eventually([&] { return state_of_job(t, sid, 0) == JobState::kCancelled; }));
  // The cancelled queued job is never sent; cancelling a final job changes nothing.
  CHECK_FALSE(driver->next(100ms).has_value());
  CHECK(t.runtime().jobs().cancel(sid, 0).is_ok());
  CHECK(state_of_job(t, sid, 0) == JobState::kCancelled);
  CHECK(t.runtime().jobs().cancel(sid, 7).code() == ErrorCode::kNotFound);
}

TEST_CASE("refused jobs: Java jobs, empty or too large jobs, unknown or ended sessions", "[jobs]") {
  TestRuntime t;
  t.config().statement_max_code_bytes = 16;
  t.open();
  const auto sid = create_session(t);
  livy::JobRequest java = pyjob("rO0AB");
  java.type = livy::JobType::kSpark;
  auto r = t.runtime().jobs().submit(sid, java);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Contains("'spark'") && Contains("not supported"));

  CHECK(t.runtime().jobs().submit(sid, pyjob("")).status().code() == ErrorCode::kInvalidArgument);
  CHECK(t.runtime().jobs().submit(sid, pyjob(std::string(17, 'x'))).status().code() == ErrorCode::kTooLarge);
  CHECK(t.runtime().jobs().submit(99, pyjob("x")).status().code() == ErrorCode::kNotFound);
  CHECK(t.runtime().jobs().get(sid, 0).status().code() == ErrorCode::kNotFound);

  REQUIRE(t.runtime().sessions().stop(sid).is_ok());
  CHECK(t.runtime().jobs().submit(sid, pyjob("x")).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("a session that ends fails its started job and cancels the queued ones", "[jobs]") {
  TestRuntime t;
  t.open();
  const auto sid = create_session(t);
  auto driver = attach(t, sid);
  submit_ok(t, sid, "a");
  submit_ok(t, sid, "b");
  expect(*driver, "job");
  driver->job_started(0);
  driver->close();
  REQUIRE(eventually([&] { return state_of(t, sid) == SessionState::kDead; }));
  const auto started = job_of(t, sid, 0);
  CHECK(started.state == JobState::kFailed);
  CHECK_THAT(*started.error, Contains("session ended"));
  CHECK(state_of_job(t, sid, 1) == JobState::kCancelled);
}

TEST_CASE("add: whitelist, files added before ready go with `ready`, a ready driver confirms", "[jobs]") {
  TestRuntime t;
  t.open();
  const auto sid = create_session(t);
  auto& jobs = t.runtime().jobs();
  const auto local = (t.jobs_dir() / "helpers.py").string();
  livy_test::write_file(local, "X = 1\n");

  CHECK(jobs.add(sid, ResourceKind::kJar, "/etc/passwd").code() == ErrorCode::kInvalidArgument);
  CHECK(jobs.add(sid, ResourceKind::kFile, "relative.txt").code() == ErrorCode::kInvalidArgument);
  CHECK(jobs.add(sid, ResourceKind::kFile, "").code() == ErrorCode::kInvalidArgument);
  CHECK(jobs.add(99, ResourceKind::kFile, local).code() == ErrorCode::kNotFound);

  // Before the driver is ready: accepted, and sent before the first job.
  REQUIRE(jobs.add(sid, ResourceKind::kPyFile, local).is_ok());
  submit_ok(t, sid, "uses it");
  auto driver = connect(t, sid);
  REQUIRE(driver->attach());
  const auto early = expect(*driver, "add-resource");
  CHECK(early.kind == "pyfile");
  CHECK(early.uri == local);
  expect(*driver, "job");

  // With a ready driver, add() returns the driver's answer.
  auto added = std::async(std::launch::async, [&] { return jobs.add(sid, ResourceKind::kJar, "hdfs:///libs/x.jar"); });
  const auto jar = expect(*driver, "add-resource");
  CHECK(jar.kind == "jar");
  CHECK(jar.uri == "hdfs:///libs/x.jar");
  driver->resource_added(jar.rid);
  CHECK(added.get().is_ok());

  auto refused = std::async(std::launch::async, [&] { return jobs.add(sid, ResourceKind::kFile, "hdfs:///nope"); });
  const auto file = expect(*driver, "add-resource");
  driver->resource_added(file.rid, std::string("FileNotFoundException: hdfs:///nope"));
  const auto st = refused.get();
  CHECK(st.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("FileNotFoundException"));
}

TEST_CASE("upload: stored under the session's directory, limited in size, one file per name", "[jobs]") {
  TestRuntime t;
  t.config().upload_max_bytes = 10;
  t.open();
  const auto sid = create_session(t);
  auto& jobs = t.runtime().jobs();

  auto up = jobs.begin_upload(sid, ResourceKind::kFile, "C:\\Users\\me\\../data.txt");
  REQUIRE(up.has_value());
  REQUIRE((*up)->write("hello").is_ok());
  REQUIRE((*up)->write(" you").is_ok());
  REQUIRE((*up)->finish().is_ok());
  const auto stored = t.data_dir() / "sessions" / std::to_string(sid) / "uploads" / "data.txt";
  CHECK(livy_test::read_file(stored) == "hello you");

  // The same name again: 409; a name that is no name: 400.
  CHECK(jobs.begin_upload(sid, ResourceKind::kFile, "data.txt").status().code() == ErrorCode::kConflict);
  CHECK(jobs.begin_upload(sid, ResourceKind::kFile, "a/..").status().code() == ErrorCode::kInvalidArgument);
  CHECK(jobs.begin_upload(sid, ResourceKind::kFile, "").status().code() == ErrorCode::kInvalidArgument);
  CHECK(jobs.begin_upload(99, ResourceKind::kFile, "x").status().code() == ErrorCode::kNotFound);

  // Over the limit: too large, nothing kept, and the name is free again.
  auto big = jobs.begin_upload(sid, ResourceKind::kJar, "big.jar");
  REQUIRE(big.has_value());
  REQUIRE((*big)->write("0123456789").is_ok());
  CHECK((*big)->write("!").code() == ErrorCode::kTooLarge);
  big->reset();
  CHECK(jobs.begin_upload(sid, ResourceKind::kJar, "big.jar").has_value());
  for (const auto& entry : std::filesystem::directory_iterator(t.data_dir() / "sessions" / std::to_string(sid))) {
    CHECK(entry.path().extension() != ".part");
  }

  // RFC 5987's form of a non-ASCII name is decoded; the file reaches the driver as a local path.
  auto utf8 = jobs.begin_upload(sid, ResourceKind::kPyFile, "utf-8''%C3%A9t%C3%A9.py");
  REQUIRE(utf8.has_value());
  REQUIRE((*utf8)->finish().is_ok());
  auto driver = connect(t, sid);
  REQUIRE(driver->attach());
  CHECK(expect(*driver, "add-resource").uri == stored.string());
  const auto py = expect(*driver, "add-resource");
  CHECK(py.kind == "pyfile");
  CHECK(py.uri == (stored.parent_path() / "été.py").string());
}
