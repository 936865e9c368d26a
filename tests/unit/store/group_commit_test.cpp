// The store's group commit: concurrent writers share transactions, each gets its own result.
#include <atomic>
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
