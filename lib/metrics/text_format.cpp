#include "metrics/text_format.h"

#include <charconv>
#include <cmath>

namespace livy::metrics {
namespace {

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// `{a="x",b="y"}` of `labels` and, when given, one more label (a bucket's `le`); nothing
// when there are none.
void append_labels(std::string& out, const Labels& labels, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  const auto one = [&](std::string_view name, std::string_view value) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  };
  for (const auto& [name, value] : labels) one(name, value);
  if (!extra_name.empty()) one(extra_name, extra_value);
  out += '}';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix, const Labels& labels, double value,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  out += name;
  out += suffix;
  append_labels(out, labels, extra_name, extra_value);
  out += ' ';
  out += format_value(value);
  out += '\n';
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Counts and byte sizes are whole: written as integers (up to 2^53, where doubles stop
  // holding every integer), not as 1e+06.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<long long>(value));
  }
  // As printf's %g with the fewest digits that read back the same: 0.0001, not 1e-04 (so
  // bucket bounds read as other exporters write them), 1.5e-07 below 1e-4.
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string encode_text(const std::vector<FamilySnapshot>& families) {
  std::string out;
  for (const FamilySnapshot& f : families) {
    out += "# HELP " + f.name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + f.name + " " + type_name(f.type) + "\n";
    for (const Series& s : f.series) {
      if (f.type != MetricType::kHistogram) {
        append_sample(out, f.name, "", s.labels, s.value);
        continue;
      }
      const HistogramValue& h = s.histogram;
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < h.counts.size(); ++i) {
        cumulative += h.counts[i];
        const std::string le = i < h.bounds.size() ? format_value(h.bounds[i]) : "+Inf";
        append_sample(out, f.name, "_bucket", s.labels, static_cast<double>(cumulative), "le", le);
      }
      if (h.counts.empty()) append_sample(out, f.name, "_bucket", s.labels, 0, "le", "+Inf");
      append_sample(out, f.name, "_sum", s.labels, h.sum);
      append_sample(out, f.name, "_count", s.labels, static_cast<double>(cumulative));
    }
  }
  return out;
}

}  // namespace livy::metrics
