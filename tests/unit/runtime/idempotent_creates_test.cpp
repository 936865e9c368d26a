// IdempotentCreates over a real store and a manual clock: keys, fingerprints, retention,
// restarts and concurrent creates.
#include "runtime/idempotent_creates.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "store/request_record.h"
#include "support/manual_clock.h"
#include "support/temp_dir.h"
#include "wire/request_json.h"

using livy::ErrorCode;
using livy::IdempotencyOptions;
using livy::IdempotentCreates;
using livy::Result;
using livy::Status;
using livy_test::ManualClock;
using livy_test::TempDir;

namespace {

using namespace std::chrono_literals;

struct Fixture {
  TempDir dir;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::unique_ptr<livy::Store> store;
  IdempotencyOptions options;
  std::unique_ptr<IdempotentCreates> once;

  Fixture() {
    options.retention = 1h;
    reopen();
  }
  // As a restart of livyd: a new store over the same file, a new key table loaded from it.
  void reopen() {
    once.reset();
    store.reset();
    auto s = livy::Store::open((dir / "livyd.db").string());
    REQUIRE(s.has_value());
    store = std::move(*s);
    once = std::make_unique<IdempotentCreates>(options, *store, clock);
    REQUIRE(once->load().is_ok());
  }

  // A create that counts its calls and returns ids 100, 101, ...; it stores the key with its
  // object's id, as Store::insert_session and insert_batch do in the object's transaction.
  std::atomic<int> calls{0};
  IdempotentCreates::Create counting() {
    return [this](const livy::IdempotencyRecord& key) -> Result<std::int64_t> {
      const std::int64_t id = 100 + calls++;
      livy::IdempotencyRecord stored = key;
      stored.object_id = id;
      if (Status st = store->insert_idempotency_key(stored); !st) return st;
      return id;
    };
  }
  Result<IdempotentCreates::Outcome> run(const std::string& key, const std::string& request,
                                         const std::optional<std::string>& owner = std::nullopt,
                                         const std::string& kind = "batch") {
    return once->run(owner, key, kind, request, counting());
  }
};

std::string canonical_session(const std::string& json) {
  const auto request = livy::wire::decode_session_request(json);
  REQUIRE(request.has_value());
  return livy::record::encode_session_request(*request);
}

}  // namespace

TEST_CASE("idempotency keys: 1 to max bytes of printable ASCII", "[runtime][idempotency]") {
  using livy::validate_idempotency_key;
  CHECK(validate_idempotency_key("0f8fad5b-d9cb-469f-a165-70867728950e", 255).is_ok());
  CHECK(validate_idempotency_key("airflow run 2026-12-07T00:00:00+00:00 ~!", 255).is_ok());
  CHECK(validate_idempotency_key(std::string(255, 'k'), 255).is_ok());

  const auto refused = [](std::string_view key, std::size_t max, const std::string& says) {
    const Status st = validate_idempotency_key(key, max);
    INFO(key);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(st.message(), Catch::Matchers::Contains(says));
  };
  refused("", 255, "must not be empty");
  refused(std::string(256, 'k'), 255, "longer than 255 bytes (requests.idempotency-max-key-bytes)");
  refused("abcd", 3, "longer than 3 bytes");
  refused("a\nb", 255, "printable ASCII");
  refused("a\tb", 255, "printable ASCII");
  refused(std::string("a\0b", 3), 255, "printable ASCII");
  refused("a\x7f", 255, "printable ASCII");
  refused("cl\xc3\xa9", 255, "printable ASCII");  // UTF-8 é
}

TEST_CASE("equal requests have one fingerprint, whatever their JSON's form", "[runtime][idempotency]") {
  using livy::request_fingerprint;
  const std::string a = canonical_session(
      R"({"kind": "pyspark", "conf": {"spark.a": "1", "spark.b": "2"}, "ttl": "60s", "name": "n"})");
  // Other field order, spacing, escapes, key order inside conf, an alias of the kind, 1m for 60s.
  const std::string b = canonical_session(
      R"({"name":"\u006e","ttl":"1m","conf":{"spark.b":"2","spark.a":"1"},"kind":"python"})");
  CHECK(request_fingerprint("session", a) == request_fingerprint("session", b));
  CHECK(request_fingerprint("session", a).size() == 64);

  // What changes what would be created changes the fingerprint.
  const std::string other_conf = canonical_session(R"({"kind": "pyspark", "conf": {"spark.a": "1", "spark.b": "3"},
                                                       "ttl": "60s", "name": "n"})");
  const std::string no_name = canonical_session(R"({"kind": "pyspark", "conf": {"spark.a": "1", "spark.b": "2"},
                                                    "ttl": "60s"})");
  CHECK(request_fingerprint("session", a) != request_fingerprint("session", other_conf));
  CHECK(request_fingerprint("session", a) != request_fingerprint("session", no_name));
  CHECK(request_fingerprint("session", a) != request_fingerprint("batch", a));
}

TEST_CASE("the first create under a key runs; a retry gets its object, another request a conflict",
          "[runtime][idempotency]") {
  Fixture f;
  const auto first = f.run("k1", "request A");
  REQUIRE(first.has_value());
  CHECK(first->id == 100);
  CHECK_FALSE(first->replayed);

  const auto again = f.run("k1", "request A");
  REQUIRE(again.has_value());
  CHECK(again->id == 100);
  CHECK(again->replayed);
  CHECK(f.calls == 1);

  const auto different = f.run("k1", "request B");
  REQUIRE_FALSE(different.has_value());
  CHECK(different.status().code() == ErrorCode::kConflict);
  CHECK_THAT(different.status().message(), Catch::Matchers::Contains("different request"));

  const auto other_kind = f.run("k1", "request A", std::nullopt, "session");
  REQUIRE_FALSE(other_kind.has_value());
  CHECK(other_kind.status().code() == ErrorCode::kConflict);
  CHECK_THAT(other_kind.status().message(), Catch::Matchers::Contains("to create a batch, not a session"));

  // Keys are per owner: alice's k1 is not the anonymous caller's, nor bob's.
  const auto alice = f.run("k1", "request B", "alice");
  REQUIRE(alice.has_value());
  CHECK_FALSE(alice->replayed);
  const auto bob = f.run("k1", "request B", "bob");
  REQUIRE(bob.has_value());
  CHECK(bob->id != alice->id);
  CHECK(f.calls == 3);

  const auto bad = f.run("", "request A");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
  CHECK(f.calls == 3);
}

TEST_CASE("a failed create leaves no key: the retry creates", "[runtime][idempotency]") {
  Fixture f;
  const auto failed = f.once->run(std::nullopt, "k", "batch", "A",
                                  [](const livy::IdempotencyRecord&) -> Result<std::int64_t> { return Status::unavailable("no spark-submit"); });
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.status().code() == ErrorCode::kUnavailable);
  CHECK(f.once->size() == 0);
  const auto retry = f.run("k", "A");
  REQUIRE(retry.has_value());
  CHECK_FALSE(retry->replayed);
  CHECK(f.calls == 1);
}

TEST_CASE("a key returns its object for the retention, counted from the first request, then creates anew",
          "[runtime][idempotency]") {
  Fixture f;
  REQUIRE(f.run("k", "A").has_value());
  f.clock->advance(1h - 1ms);
  const auto late_retry = f.run("k", "A");
  REQUIRE(late_retry.has_value());
  CHECK(late_retry->replayed);  // a replay does not extend the retention
  f.clock->advance(1ms);
  const auto after = f.run("k", "A");
  REQUIRE(after.has_value());
  CHECK_FALSE(after->replayed);
  CHECK(after->id == 101);
  // And the new object's key replaces the expired one, in the store too.
  f.reopen();
  const auto after_restart = f.run("k", "A");
  REQUIRE(after_restart.has_value());
  CHECK(after_restart->replayed);
  CHECK(after_restart->id == 101);
}

TEST_CASE("keys outlive a restart; expired ones are dropped from the store when it loads",
          "[runtime][idempotency]") {
  Fixture f;
  REQUIRE(f.run("early", "A", "alice").has_value());
  f.clock->advance(30min);
  REQUIRE(f.run("late", "B", "alice").has_value());
  f.reopen();
  const auto replay = f.run("early", "A", "alice");
  REQUIRE(replay.has_value());
  CHECK(replay->replayed);
  CHECK(replay->id == 100);
  const auto conflict = f.run("late", "A", "alice");
  CHECK(conflict.status().code() == ErrorCode::kConflict);

  f.clock->advance(45min);  // "early" is 75 minutes old, "late" 45
  f.reopen();
  const auto kept = f.store->load_idempotency_keys(0);
  REQUIRE(kept.has_value());
  REQUIRE(kept->size() == 1);
  CHECK((*kept)[0].key == "late");
  CHECK((*kept)[0].owner == "alice");
  CHECK((*kept)[0].kind == "batch");
  CHECK((*kept)[0].object_id == 101);
  CHECK(f.once->size() == 1);
}

TEST_CASE("requests.idempotency-max-keys: a new key beyond it is 503 until old ones expire",
          "[runtime][idempotency]") {
  Fixture f;
  f.options.max_keys = 2;
  f.reopen();
  REQUIRE(f.run("a", "A").has_value());
  f.clock->advance(10min);
  REQUIRE(f.run("b", "B").has_value());
  const auto full = f.run("c", "C");
  REQUIRE_FALSE(full.has_value());
  CHECK(full.status().code() == ErrorCode::kUnavailable);
  CHECK_THAT(full.status().message(), Catch::Matchers::Contains("requests.idempotency-max-keys"));
  CHECK(f.run("a", "A")->replayed);  // known keys still answer
  f.clock->advance(50min);           // "a" expires
  const auto room = f.run("c", "C");
  REQUIRE(room.has_value());
  CHECK_FALSE(room->replayed);
  CHECK(f.once->size() == 2);
}

TEST_CASE("concurrent creates under one key create exactly one object", "[runtime][idempotency]") {
  Fixture f;
  // The first create blocks until every thread has asked, so that they all meet it under way.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> creates{0};
  const auto slow_create = [&](const livy::IdempotencyRecord&) -> Result<std::int64_t> {
    const int n = creates++;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return 500 + n;
  };
  constexpr int kThreads = 8;
  std::vector<Result<IdempotentCreates::Outcome>> results(kThreads, Status::internal("not run"));
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ++started;
      results[i] = f.once->run("alice", "same-key", "session", "same request", slow_create);
    });
  }
  while (started < kThreads || creates < 1) std::this_thread::yield();
  std::this_thread::sleep_for(50ms);  // the others reach the key's wait (they would find it either way)
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  CHECK(creates == 1);
  int replayed = 0;
  for (const auto& r : results) {
    REQUIRE(r.has_value());
    CHECK(r->id == 500);
    replayed += r->replayed ? 1 : 0;
  }
  CHECK(replayed == kThreads - 1);
}

TEST_CASE("a create under way holds no lock another key's create needs", "[runtime][idempotency]") {
  Fixture f;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  bool in_create = false;
  std::thread blocked([&] {
    const auto r = f.once->run(std::nullopt, "slow", "batch", "A", [&](const livy::IdempotencyRecord& key) -> Result<std::int64_t> {
      std::unique_lock lock(mu);
      in_create = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
      livy::IdempotencyRecord stored = key;  // with its object, as the real creates do
      stored.object_id = 1;
      if (Status st = f.store->insert_idempotency_key(stored); !st) return st;
      return 1;
    });
    CHECK(r.has_value());
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_create; });
  }
  // While "slow" is being created, "fast" is created, replayed, and its store write done.
  const auto fast = f.run("fast", "B");
  REQUIRE(fast.has_value());
  CHECK(f.run("fast", "B")->replayed);
  CHECK(f.store->load_idempotency_keys(0)->size() == 1);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  blocked.join();
  CHECK(f.store->load_idempotency_keys(0)->size() == 2);
}

TEST_CASE("a create's key is the one it is asked to store: owner, key, kind and fingerprint, no object yet",
          "[runtime][idempotency]") {
  Fixture f;
  std::optional<livy::IdempotencyRecord> given;
  const auto r = f.once->run("alice", "k1", "session", "request A", [&](const livy::IdempotencyRecord& key) -> Result<std::int64_t> {
    given = key;
    return 7;  // and it does not store the key: after a restart, it is not there
  });
  REQUIRE(r.has_value());
  REQUIRE(given.has_value());
  CHECK(given->owner == "alice");
  CHECK(given->key == "k1");
  CHECK(given->kind == "session");
  CHECK(given->fingerprint == livy::request_fingerprint("session", "request A"));
  CHECK(given->object_id == 0);
  CHECK(f.store->load_idempotency_keys(0)->empty());  // run() itself writes nothing: the create does
}
