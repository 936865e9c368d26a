// The store's file, its two connections and its group commit.
#include "store/store.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>

#include "metrics/core_metrics.h"
#include "store/schema.h"
#include "store/sqlite_stmt.h"

namespace livy {
namespace {

using sqlite::Connection;
using sqlite::db_error;
using sqlite::Stmt;

// The most writes one commit takes: bounds how long the last of them waits.
constexpr std::size_t kMaxGroup = 256;

}  // namespace

// One caller's change, waiting in writers_ until a leader (maybe its own thread) commits it.
struct Store::Write {
  Write(Apply a, Durability d) : apply(std::move(a)), durability(d) {}
  const Apply apply;
  const Durability durability;
  Status status;               // set by the leader before `done`
  bool done = false;           // guarded by mu_
  std::condition_variable cv;  // announces `done`, or that this write leads now
};

Store::Store(std::unique_ptr<Connection> writer, std::unique_ptr<Connection> reader)
    : writer_(std::move(writer)), reader_(std::move(reader)) {}

Store::~Store() {
  // Every caller has returned, so every group is committed: a kQueued write is only left
  // behind while a leader is at work, and that leader commits it before it returns.
  for (Write* w : writers_) {
    if (w->durability == Durability::kQueued) delete w;
  }
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  auto writer = Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!writer) return writer.status();
  // It holds the sessions' driver secrets: for livyd's user only (SQLite gives -wal/-shm the same mode).
  ::chmod(path.c_str(), 0600);
  if (Status st = migrate(**writer, path); !st) return st;
  auto reader = Connection::open(path, SQLITE_OPEN_READWRITE);
  if (!reader) return reader.status();
  if (Status st = (*reader)->exec("PRAGMA query_only=ON"); !st) return st;
  return std::unique_ptr<Store>(new Store(std::move(*writer), std::move(*reader)));
}

Status Store::write(Durability durability, Apply apply) {
  // How long the caller waits, queueing behind another group's commit included.
  struct Timed {
    ~Timed() {
      if (!m) return;
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      (durability == Durability::kSynced ? m->store_write_synced : m->store_write_written).observe(took.count());
    }
    metrics::CoreMetrics* m;
    Durability durability;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  };
  std::unique_lock lock(mu_);
  if (durability == Durability::kQueued && !writers_.empty()) {
    // A leader is at work, or a write waits to lead: this one goes in a group after them.
    writers_.push_back(new Write(std::move(apply), durability));
    return Status::ok();
  }
  Timed timed{durability == Durability::kQueued ? nullptr : metrics.get(), durability};
  Write w(std::move(apply), durability);
  writers_.push_back(&w);
  w.cv.wait(lock, [&] { return w.done || writers_.front() == &w; });
  if (w.done) return w.status;

  // This write leads: it commits itself and the writes queued behind it, in one
  // transaction and at most one sync. As leveldb's DBImpl::Write, a written (unsynced)
  // leader takes no synced write, which would make it wait for a sync it did not ask for.
  // Then, while the first write left is a kQueued one (no thread waits to lead it), it
  // leads that group too.
  for (bool first = true;; first = false) {
    const bool synced_leader = first && durability == Durability::kSynced;
    std::vector<Write*> group;
    for (Write* next : writers_) {
      if (group.size() == kMaxGroup) break;
      if (!synced_leader && next->durability == Durability::kSynced) break;
      group.push_back(next);
    }
    lock.unlock();
    commit_group(group);
    lock.lock();
    for (Write* done : group) {
      writers_.pop_front();
      if (done == &w) continue;
      if (done->durability == Durability::kQueued) {
        if (!done->status) ++queued_failures_;
        delete done;
        continue;
      }
      done->done = true;
      done->cv.notify_one();
    }
    ++commits_;
    writes_ += group.size();
    if (writers_.empty()) break;
    if (writers_.front()->durability != Durability::kQueued) {
      writers_.front()->cv.notify_one();
      break;
    }
  }
  return w.status;
}

void Store::commit_group(const std::vector<Write*>& group) {
  if (before_commit) before_commit();
  Connection& c = *writer_;
  const bool sync =
      std::any_of(group.begin(), group.end(), [](const Write* w) { return w->durability == Durability::kSynced; });
  const auto fail_all = [&](const Status& st) {
    for (Write* w : group) w->status = st;
  };
  // In WAL mode, FULL syncs the WAL at each commit; NORMAL only at checkpoints. Chosen per
  // group, and only switched when the group needs the other one.
  if (sync != writer_synced_) {
    Stmt mode(c.stmts(), sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    if (!mode.ok() || sqlite3_step(mode.get()) != SQLITE_DONE) return fail_all(db_error(c.db(), "set synchronous"));
    writer_synced_ = sync;
  }
  {
    Stmt begin(c.stmts(), "BEGIN IMMEDIATE");
    if (!begin.ok() || sqlite3_step(begin.get()) != SQLITE_DONE) return fail_all(db_error(c.db(), "begin"));
  }
  for (Write* w : group) {
    try {
      w->status = w->apply(c.stmts());
    } catch (const std::exception& e) {
      w->status = Status::internal(std::string("store: ") + e.what());
    }
    // A failed statement is undone alone (SQLite's statement journal), unless the error
    // ended the whole transaction (I/O, disk full): then nothing of the group is kept.
    if (!w->status && sqlite3_get_autocommit(c.db()) != 0) return fail_all(w->status);
  }
  Stmt commit(c.stmts(), "COMMIT");
  if (!commit.ok() || sqlite3_step(commit.get()) != SQLITE_DONE) {
    const Status st = db_error(c.db(), "commit");
    if (sqlite3_get_autocommit(c.db()) == 0) (void)c.exec("ROLLBACK");
    fail_all(st);
  }
}

Store::Stats Store::stats() {
  std::lock_guard lock(mu_);
  return Stats{writes_, commits_, queued_failures_};
}

Result<std::int64_t> Store::allocate_id(const std::string& kind) {
  std::int64_t id = -1;
  const Status st = write(Durability::kSynced, [&](sqlite::StmtCache& stmts) {
    Stmt insert(stmts, "INSERT OR IGNORE INTO counters(kind, next_id) VALUES (?, 0)");
    if (!insert.ok()) return db_error(stmts.db(), "allocate id");
    insert.bind(1, kind);
    if (sqlite3_step(insert.get()) != SQLITE_DONE) return db_error(stmts.db(), "allocate id");
    Stmt next(stmts, "UPDATE counters SET next_id = next_id + 1 WHERE kind = ? RETURNING next_id - 1");
    if (!next.ok()) return db_error(stmts.db(), "allocate id");
    next.bind(1, kind);
    if (sqlite3_step(next.get()) != SQLITE_ROW) return db_error(stmts.db(), "allocate id");
    id = next.int_at(0);
    if (sqlite3_step(next.get()) != SQLITE_DONE) return db_error(stmts.db(), "allocate id");
    return Status::ok();
  });
  if (!st) return st;
  return id;
}

std::optional<std::string> Store::setting(const std::string& key) {
  std::lock_guard lock(read_mu_);
  Stmt q(reader_->stmts(), "SELECT value FROM settings WHERE key = ?");
  if (!q.ok()) return std::nullopt;
  q.bind(1, key);
  if (sqlite3_step(q.get()) != SQLITE_ROW) return std::nullopt;
  return q.text_at(0);
}

Status Store::put_setting(const std::string& key, const std::string& value) {
  return write(Durability::kSynced, [&](sqlite::StmtCache& stmts) {
    Stmt s(stmts,
           "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!s.ok()) return db_error(stmts.db(), "put setting");
    s.bind(1, key);
    s.bind(2, value);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(stmts.db(), "put setting");
    return Status::ok();
  });
}

}  // namespace livy
