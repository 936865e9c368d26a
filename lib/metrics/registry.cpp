#include "metrics/registry.h"

#include "metrics/text_format.h"

namespace livy::metrics {

template <typename T>
Family<T>& Registry::add(std::unique_ptr<Family<T>> family) {
  Family<T>& out = *family;
  std::lock_guard lock(mu_);
  families_.push_back(std::move(family));
  return out;
}

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  return add(std::make_unique<Family<Counter>>(std::move(name), std::move(help), MetricType::kCounter,
                                               std::move(labels), [] { return std::make_unique<Counter>(); }));
}

Family<Gauge>& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  return add(std::make_unique<Family<Gauge>>(std::move(name), std::move(help), MetricType::kGauge, std::move(labels),
                                             [] { return std::make_unique<Gauge>(); }));
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<double> bounds,
                                       std::vector<std::string> labels) {
  return add(std::make_unique<Family<Histogram>>(
      std::move(name), std::move(help), MetricType::kHistogram, std::move(labels),
      [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); }));
}

void Registry::add_collector(Collector collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::vector<FamilySnapshot> Registry::collect() const {
  std::vector<const FamilyBase*> families;
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mu_);
    for (const auto& f : families_) families.push_back(f.get());
    collectors = collectors_;
  }
  std::vector<FamilySnapshot> out;
  out.reserve(families.size());
  for (const FamilyBase* f : families) out.push_back(f->snapshot());
  for (const Collector& c : collectors) c(out);
  return out;
}

std::string Registry::text() const { return encode_text(collect()); }

}  // namespace livy::metrics
