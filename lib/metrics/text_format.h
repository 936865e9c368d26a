// Prometheus' text exposition format, version 0.0.4: the body of GET /metrics.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metrics/snapshot.h"

namespace livy::metrics {

// The Content-Type of encode_text's output.
inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Every family as `# HELP`, `# TYPE` and one line per sample. A histogram's buckets are
// written cumulative, each with its `le` label, ending with le="+Inf", then _sum and _count.
std::string encode_text(const std::vector<FamilySnapshot>& families);

// A label value with \, " and newline escaped.
std::string escape_label_value(std::string_view value);
// Help text with \ and newline escaped.
std::string escape_help(std::string_view help);
// A sample value: integers without a fraction, +Inf, -Inf, NaN, else the shortest
// text that reads back as the same double.
std::string format_value(double value);

}  // namespace livy::metrics
