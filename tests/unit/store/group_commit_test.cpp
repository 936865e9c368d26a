// The store's group commit: concurrent writers share transactions, each gets its own result.
#include <atomic>
#include <chrono>
#include <future>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "store/store.h"
#include "support/temp_dir.h"

using livy::Durability;
using livy::Statement;
using livy::StatementState;
using livy::Store;
using livy_test::TempDir;

namespace {

std::unique_ptr<Store> open_store(const std::string& path) {
  auto s = Store::open(path);
  if (!s) FAIL("Store::open: " << s.status().message());
  return std::move(*s);
}

livy::SessionRecord session(std::int64_t id) {
  livy::SessionRecord r;
  r.id = id;
  r.log_path = "/data/sessions/" + std::to_string(id) + "/driver.log";
  r.status_path = "/data/sessions/" + std::to_string(id) + "/exit-status";
  r.secret = "s";
  return r;
}

livy::BatchRecord batch(std::int64_t id) {
  livy::BatchRecord r;
  r.id = id;
  r.log_path = "/data/batches/" + std::to_string(id) + "/output.log";
  r.status_path = "/data/batches/" + std::to_string(id) + "/exit-status";
  return r;
}

}  // namespace

TEST_CASE("concurrent writers' statements all land, in fewer commits than writes", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  constexpr int kThreads = 16;
  constexpr int kStatements = 25;
  {
    auto store = open_store(path);
    for (int t = 0; t < kThreads; ++t) REQUIRE(store->insert_session(session(t)).is_ok());
    const auto before = store->stats();
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        for (int i = 0; i < kStatements; ++i) {
          Statement st;
          st.id = i;
          st.code = "s" + std::to_string(t) + "." + std::to_string(i);
          if (!store->insert_statement(t, st, Durability::kSynced)) ++failures;
          st.state = StatementState::kRunning;
          st.started_ms = t * 1000 + i;
          if (!store->update_statement(t, st)) ++failures;
        }
      });
    }
    for (auto& w : writers) w.join();
    CHECK(failures == 0);
    const auto after = store->stats();
    const std::uint64_t writes = after.writes - before.writes;
    CHECK(writes == std::uint64_t{2} * kThreads * kStatements);
    // 16 threads waiting on syncs: commits are shared, or there was no group commit at all.
    CHECK(after.commits - before.commits < writes);
  }
  auto store = open_store(path);  // what is on the file, not in a connection's cache
  for (int t = 0; t < kThreads; ++t) {
    auto statements = store->load_statements(t);
    REQUIRE(statements.has_value());
    REQUIRE(statements->size() == kStatements);
    for (int i = 0; i < kStatements; ++i) {
      const Statement& st = (*statements)[i];
      CHECK(st.code == "s" + std::to_string(t) + "." + std::to_string(i));
      CHECK(st.state == StatementState::kRunning);
      CHECK(st.started_ms == t * 1000 + i);
    }
  }
}

TEST_CASE("a write that fails in a group fails alone", "[store]") {
  TempDir dir;
  auto store = open_store((dir / "livyd.db").string());
  constexpr int kThreads = 8;
  std::atomic<int> taken{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        // All threads race for id 1000 (one wins) between writes of their own ids (all land).
        if (store->insert_batch(batch(1000)).is_ok()) ++taken;
        if (!store->insert_batch(batch(t * 10 + i))) ++failures;
      }
    });
  }
  for (auto& w : writers) w.join();
  CHECK(taken == 1);
  CHECK(failures == 0);
  auto batches = store->load_batches();
  REQUIRE(batches.has_value());
  CHECK(batches->size() == kThreads * 10 + 1);
}

TEST_CASE("writes with both durabilities interleave and all land", "[store]") {
  TempDir dir;
  auto store = open_store((dir / "livyd.db").string());
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        if (t % 2 == 0) {
          auto id = store->allocate_id("batch");  // synced
          if (!id || !store->insert_batch(batch(*id))) ++failures;
        } else if (!store->put_setting("k" + std::to_string(t), std::to_string(i))) {
          ++failures;
        }
      }
    });
  }
  for (auto& w : writers) w.join();
  CHECK(failures == 0);
  auto batches = store->load_batches();
  REQUIRE(batches.has_value());
  REQUIRE(batches->size() == 60);
  for (std::size_t i = 0; i < batches->size(); ++i) CHECK((*batches)[i].id == static_cast<std::int64_t>(i));
  CHECK(store->setting("k1") == "19");
  CHECK(store->setting("k5") == "19");
}

TEST_CASE("a queued write: alone, it is committed before the call returns", "[store]") {
  TempDir dir;
  auto store = open_store((dir / "livyd.db").string());
  REQUIRE(store->insert_session(session(1)).is_ok());
  Statement st;
  st.id = 0;
  st.code = "1 + 1";
  REQUIRE(store->insert_statement(1, st, Durability::kSynced).is_ok());
  st.state = StatementState::kRunning;
  st.started_ms = 42;
  REQUIRE(store->update_statement(1, st, Durability::kQueued).is_ok());
  auto rows = store->load_statements(1);  // the reading connection: committed rows only
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].state == StatementState::kRunning);
  CHECK((*rows)[0].started_ms == 42);
}

TEST_CASE("a queued write behind a commit under way returns at once; that commit's leader commits it", "[store]") {
  TempDir dir;
  auto store = open_store((dir / "livyd.db").string());
  REQUIRE(store->insert_session(session(1)).is_ok());
  for (std::int64_t id = 0; id < 2; ++id) {
    Statement st;
    st.id = id;
    st.code = "code";
    REQUIRE(store->insert_statement(1, st, Durability::kSynced).is_ok());
  }
  std::promise<void> leading;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first{true};
  store->before_commit = [&] {
    if (first.exchange(false)) {  // the first commit only: the leader's own group
      leading.set_value();
      released.wait();
    }
  };
  std::thread leader([&] {
    Statement st;
    st.id = 0;
    st.state = StatementState::kAvailable;
    (void)store->update_statement(1, st, Durability::kWritten);
  });
  leading.get_future().wait();
  Statement queued;
  queued.id = 1;
  queued.state = StatementState::kRunning;
  queued.started_ms = 7;
  // With a waited write, this call would wait for the blocked commit: run it apart, and time it.
  auto call = std::async(std::launch::async, [&] { return store->update_statement(1, queued, Durability::kQueued); });
  const bool returned = call.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  CHECK(returned);
  auto before = store->load_statements(1);
  REQUIRE(before.has_value());
  CHECK((*before)[1].state == StatementState::kWaiting);  // queued, not committed yet
  release.set_value();
  leader.join();
  CHECK(call.get().is_ok());
  auto after = store->load_statements(1);
  REQUIRE(after.has_value());
  CHECK((*after)[0].state == StatementState::kAvailable);
  CHECK((*after)[1].state == StatementState::kRunning);  // the leader went on to commit it
  CHECK((*after)[1].started_ms == 7);
  CHECK(store->stats().queued_failures == 0);
}

TEST_CASE("queued writes among waited ones of every durability all land", "[store]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  constexpr int kThreads = 8;
  constexpr int kStatements = 30;
  {
    auto store = open_store(path);
    for (int t = 0; t < kThreads; ++t) REQUIRE(store->insert_session(session(t)).is_ok());
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        for (int i = 0; i < kStatements; ++i) {
          Statement st;
          st.id = i;
          st.code = "c";
          if (!store->insert_statement(t, st, Durability::kSynced)) ++failures;
          st.state = StatementState::kRunning;
          st.started_ms = 100 + i;
          if (!store->update_statement(t, st, Durability::kQueued)) ++failures;
          if (i % 3 == 0) {  // and a waited one after it, sometimes: it commits after the queued one
            st.state = StatementState::kAvailable;
            if (!store->update_statement(t, st, Durability::kWritten)) ++failures;
          }
        }
      });
    }
    for (auto& w : writers) w.join();
    CHECK(failures == 0);
    CHECK(store->stats().queued_failures == 0);
  }  // every caller returned: nothing queued is left behind
  auto store = open_store(path);
  for (int t = 0; t < kThreads; ++t) {
    auto rows = store->load_statements(t);
    REQUIRE(rows.has_value());
    REQUIRE(rows->size() == kStatements);
    for (int i = 0; i < kStatements; ++i) {
      const Statement& st = (*rows)[static_cast<std::size_t>(i)];
      CHECK(st.state == (i % 3 == 0 ? StatementState::kAvailable : StatementState::kRunning));
      CHECK(st.started_ms == 100 + i);
    }
  }
}

TEST_CASE("a session or batch inserted with its idempotency key: both rows, or neither", "[store][idempotency]") {
  TempDir dir;
  const std::string path = (dir / "livyd.db").string();
  livy::IdempotencyRecord key{"alice", "k1", "session", "f1", 0, 1000};
  {
    auto store = open_store(path);
    REQUIRE(store->insert_session(session(5), &key).is_ok());
    // A second session with the same id fails: its key must not be written either.
    livy::IdempotencyRecord other{"alice", "k2", "session", "f2", 0, 1000};
    CHECK_FALSE(store->insert_session(session(5), &other).is_ok());
    livy::IdempotencyRecord batch_key{"", "k3", "batch", "f3", 0, 1000};
    REQUIRE(store->insert_batch(batch(9), &batch_key).is_ok());
    CHECK_FALSE(store->insert_batch(batch(9), &other).is_ok());
  }
  auto store = open_store(path);  // what is on the file
  auto keys = store->load_idempotency_keys(0);
  REQUIRE(keys.has_value());
  REQUIRE(keys->size() == 2);
  CHECK((*keys)[0].key == "k1");
  CHECK((*keys)[0].object_id == 5);  // the object's id, set by the insert
  CHECK((*keys)[1].key == "k3");
  CHECK((*keys)[1].object_id == 9);
  auto sessions = store->load_sessions();
  REQUIRE(sessions.has_value());
  CHECK(sessions->size() == 1);
}
