// BatchManager: submits Spark applications and tracks them to the end.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "livy/batch.h"
#include "livy/once.h"
#include "livy/ref.h"
#include "livy/status.h"
#include "livy/export.h"

namespace livy {

class Runtime;

// Owned by a Runtime (get it with Runtime::batches()); thread-safe. Every
// batch is one spark-submit in its own process group, written to the store
// before submit() returns, and watched by the runtime's monitor.
// A batch is named by its id ("3") or its name ("nightly-etl").
class LIVY_API BatchManager {
 public:
  ~BatchManager();
  BatchManager(const BatchManager&) = delete;
  BatchManager& operator=(const BatchManager&) = delete;

  // Validates, stores and starts the batch; returns it in state `starting`
  // (or `error` when spark-submit could not be started at all).
  Result<Batch> submit(const BatchRequest& request, const std::optional<std::string>& owner = std::nullopt);
  // submit(), at most once per idempotency key: as SessionManager::create_once. A key names a
  // session or a batch, never both (the other is a conflict).
  Result<Once<Batch>> submit_once(std::string_view key, const BatchRequest& request,
                                  const std::optional<std::string>& owner = std::nullopt);

  Result<Batch> get(const Ref& ref) const;

  // Live batches (finished ones stay for state-retain), oldest first.
  Result<Page<Batch>> list(std::int64_t from = 0, std::int64_t size = 100) const;

  // Kept output lines. Without `from`, the last `size` lines; size < 0: all.
  Result<LogPage> log(const Ref& ref, std::optional<std::int64_t> from, std::int64_t size = 100) const;

  // Kills the batch's process group (SIGTERM, then SIGKILL after the grace
  // period); the batch ends `killed`. A finished batch is forgotten instead.
  Status kill(const Ref& ref);

  // Blocks until the batch is in a final state or `timeout` passes; returns it either way.
  Result<Batch> wait(const Ref& ref, std::chrono::milliseconds timeout) const;

  struct LIVY_HIDDEN Impl;

 private:
  friend class Runtime;
  explicit BatchManager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livy
