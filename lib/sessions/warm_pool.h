// WarmPool: session drivers started ahead of any request, per profile (sessions.warm-pool.*,
// docs/warm-pool.md). A POST /sessions that fits a profile takes a ready driver (take()), which
// SessionCore then claims for the new session; the pool starts a replacement in the background.
//
// Owned by SessionCore, which hands it the driver channel's events of warm drivers (their
// session ids are negative: -1, -2, ... in the order this run of livyd started them) until
// a driver is claimed; from the claim on, its connection carries the session's id.
//
// A warm driver belongs to the pool alone: its spark-submit process group, its directory
// DATA_DIR/sessions/warm-<token> (the claiming session's directory from then on) and a marker
// DATA_DIR/warm-pool/<token> naming its process group, by which the next run of livyd stops
// what a crash left behind. Warm drivers never outlive the livyd that started them: they are
// started without a reconnect grace (a lost connection ends them), stopped by stop(), and
// stopped by start() when their marker survived a crash.
//
// Threads: one, the refill thread (owned, joined by stop()); it polls the warm drivers,
// stops the expired and the failed, and starts what is missing. Lock: `mu_` guards the warm
// drivers' table; held for bookkeeping and the polls of their output files, never across a
// spawn, a directory's creation or removal, or a wait.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/thread_annotations.h"
#include "channel/driver_channel.h"
#include "livy/clock.h"
#include "livy/config.h"
#include "livy/log.h"
#include "metrics/family.h"
#include "metrics/gauge.h"
#include "model/request_validation.h"
#include "process/child_process.h"
#include "runtime/supervisor.h"
#include "spark/spark_versions.h"

namespace livy {

class WarmPool {
 public:
  struct Options {
    const Config* config = nullptr;             // the runtime's; outlives the pool
    const RequestRules* rules = nullptr;        // its redactor, for spark-submit's command
    const SparkInstallations* spark = nullptr;
    Supervisor* supervisor = nullptr;           // new children
    std::shared_ptr<Clock> clock;
    std::string driver_script;
    std::string callback;                       // host:port drivers connect back to
    std::string tls_fingerprint;                // of the driver channel's certificate; empty: no TLS
    metrics::Family<metrics::Gauge>* gauge = nullptr;  // livyd_warm_drivers{profile,state}; may be null
    std::shared_ptr<Logger> logger;             // warm drivers started, claimed, stopped; may be null
  };

  // A ready driver taken out of the pool, for one session. Its child runs, its connection
  // is open (its hello was accepted with `secret`); the marker is gone.
  struct Taken {
    std::string profile;
    std::string token;     // names its directory and its Spark application (livy-warm-<token>)
    std::string secret;    // the session's secret from now on
    std::string log_path;  // its output, in DATA_DIR/sessions/warm-<token>
    std::string status_path;
    std::unique_ptr<ChildProcess> child;
    std::shared_ptr<DriverConnection> connection;
    AppWatch app;          // tagged at its submission, with a cluster manager
    std::optional<std::string> app_id;
    std::optional<std::string> spark_ui_url;
  };

  explicit WarmPool(Options options);
  ~WarmPool();
  WarmPool(const WarmPool&) = delete;
  WarmPool& operator=(const WarmPool&) = delete;

  // Stops the warm drivers an earlier run left (their markers), then starts the refill thread.
  void start();
  // Stops every warm driver (shutdown, then their process groups within the kill grace) and
  // joins the refill thread. Idempotent.
  void stop();

  // A ready driver of the first profile that `request` fits, out of the pool; nullopt when
  // it fits none or none of its profile is ready, with the reason in `why`.
  std::optional<Taken> take(const SessionRequest& request, std::string& why);
  // A taken driver that no session could claim after all: stopped.
  void discard(Taken taken);

  // The driver channel's events of warm drivers (negative ids).
  bool on_hello(const DriverMessage& hello, const std::shared_ptr<DriverConnection>& connection);
  void on_message(std::int64_t warm_id, const DriverMessage& message);
  void on_closed(std::int64_t warm_id, const DriverConnection* connection);

  // Ready and starting warm drivers of each profile (tests, metrics).
  struct Count {
    int ready = 0;
    int starting = 0;
  };
  std::map<std::string, Count> counts();

 private:
  struct Warm {
    std::int64_t id = 0;  // negative
    std::string profile;
    std::string token;
    std::string secret;
    std::string dir;
    std::unique_ptr<ChildProcess> child;  // null while it is being spawned
    std::shared_ptr<DriverConnection> connection;
    AppWatch app;
    bool ready = false;
    std::optional<std::string> app_id, spark_ui_url;
    std::chrono::steady_clock::time_point started{}, ready_at{};
  };
  // A process group being stopped, and the paths (its directory, its marker) to remove once it is gone.
  struct Dying {
    std::unique_ptr<ChildProcess> child;
    std::vector<std::string> remove;
  };
  // Polls the dying groups; those gone leave dying_, their paths go to `gone`.
  void reap(std::vector<std::string>& gone) REQUIRES(mu_);
  struct Spawn {
    std::int64_t id = 0;
    std::string dir, marker;
    ProcessSpec spec;
    SubmitCommand cmd;
    const SparkEnvironment* spark = nullptr;
  };

  void run();
  // One round: polls, expires, and plans what to start. Requires mu_.
  std::vector<Spawn> round(std::chrono::steady_clock::time_point now) REQUIRES(mu_);
  Spawn plan(Warm& w, const WarmPoolProfile& profile) REQUIRES(mu_);
  void spawn(Spawn s) EXCLUDES(mu_);
  // Stops a warm driver (shutdown, SIGTERM to its group) and forgets it; `failed`: its profile
  // waits retry-delay before the next start.
  void retire(std::map<std::int64_t, Warm>::iterator it, const std::string& why, bool failed) REQUIRES(mu_);
  void stop_leftovers();  // start(): the markers of an earlier run
  int size_of(const WarmPoolProfile& profile) const;
  void update_gauge() REQUIRES(mu_);
  std::string marker_of(const std::string& token) const;

  const Options o_;
  Mutex mu_;
  CondVar wake_;  // a driver was taken, became ready or ended, or stop()
  std::map<std::int64_t, Warm> warm_ GUARDED_BY(mu_);
  std::vector<Dying> dying_ GUARDED_BY(mu_);
  std::map<std::string, std::chrono::steady_clock::time_point> retry_after_ GUARDED_BY(mu_);  // by profile
  std::int64_t last_id_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool started_ = false;
  std::thread thread_;  // the refill thread; joined by stop()
};

}  // namespace livy
