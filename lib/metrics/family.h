// Family: the series of one metric, one per combination of label values.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/counter.h"
#include "metrics/gauge.h"
#include "metrics/histogram.h"
#include "metrics/snapshot.h"

namespace livy::metrics {

// What every family shares, for the Registry that collects them.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)) {}
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  // The family's name, help, type and a snapshot of each of its series, in label order.
  virtual FamilySnapshot snapshot() const = 0;
  const std::string& name() const { return name_; }

 protected:
  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
};

// A Counter, Gauge or Histogram per combination of label values. with() takes the
// family's lock for one map lookup (and the insert of a new series), then the caller
// updates the series lock-free; a caller with fixed labels keeps the reference, which
// stays valid as long as the family. Label values must come from a bounded set (route
// templates, states, kinds): every combination ever used stays a series.
template <typename T>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
         std::function<std::unique_ptr<T>()> make)
      : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)), make_(std::move(make)) {}

  // The series with these label values, one per label name (missing ones are empty).
  T& with(std::vector<std::string> values) {
    values.resize(label_names_.size());
    std::lock_guard lock(mu_);
    auto& slot = series_[std::move(values)];
    if (!slot) slot = make_();
    return *slot;
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return series_.size();
  }

  FamilySnapshot snapshot() const override {
    FamilySnapshot out{name_, help_, type_, {}};
    std::lock_guard lock(mu_);
    out.series.reserve(series_.size());
    for (const auto& [values, series] : series_) {
      Series s;
      for (std::size_t i = 0; i < label_names_.size(); ++i) s.labels.emplace_back(label_names_[i], values[i]);
      read(*series, s);
      out.series.push_back(std::move(s));
    }
    return out;
  }

 private:
  static void read(const Counter& c, Series& s) { s.value = static_cast<double>(c.value()); }
  static void read(const Gauge& g, Series& s) { s.value = static_cast<double>(g.value()); }
  static void read(const Histogram& h, Series& s) { s.histogram = h.snapshot(); }

  const std::function<std::unique_ptr<T>()> make_;
  mutable std::mutex mu_;  // guards series_ (the map, not the values: those are atomic)
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_;
};

}  // namespace livy::metrics
