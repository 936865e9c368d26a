// Registry: the metric families of one owner (a Runtime, a set of mounted routes).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/family.h"
#include "metrics/snapshot.h"

namespace livy::metrics {

// Holds families that are updated as things happen (counters, gauges, histograms), and
// collectors that compute families at scrape time from the owner's state (sessions by
// state), which cannot drift from what they count. Not a singleton: each Runtime has its
// own, so two runtimes in one process never mix their numbers. Families are made once,
// when the owner is built; collect() may run on any thread at any time after.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // New families; the name must follow Prometheus' conventions (livyd_..._total for a
  // counter, base units such as _seconds), which the caller is responsible for.
  Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Gauge>& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Histogram>& histogram(std::string name, std::string help, std::vector<double> bounds,
                               std::vector<std::string> labels = {});

  // Adds families computed at each scrape: `collector` appends them to `out`. It runs on
  // the scraping thread, without the registry's lock; it must stay valid as long as the registry.
  using Collector = std::function<void(std::vector<FamilySnapshot>& out)>;
  void add_collector(Collector collector);

  // Every family: the stored ones in the order they were made, then the collectors'.
  std::vector<FamilySnapshot> collect() const;
  // collect(), in Prometheus' text format (text_format.h).
  std::string text() const;

 private:
  template <typename T>
  Family<T>& add(std::unique_ptr<Family<T>> family);

  mutable std::mutex mu_;  // guards the two lists (not the families' values)
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::vector<Collector> collectors_;
};

}  // namespace livy::metrics
