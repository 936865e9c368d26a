// Ref: how a caller names a session or batch, by id or by name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace livy {

// An id (3) or a name ("nightly-etl"); as in the REST paths, text of all
// digits is an id. Implicit on purpose: manager.get(7) and manager.get("etl") both read well.
class Ref {
 public:
  Ref(std::int64_t id) : text_(std::to_string(id)) {}        // NOLINT
  Ref(int id) : text_(std::to_string(id)) {}                 // NOLINT
  Ref(std::string_view id_or_name) : text_(id_or_name) {}    // NOLINT
  Ref(const std::string& id_or_name) : text_(id_or_name) {}  // NOLINT
  Ref(const char* id_or_name) : text_(id_or_name) {}         // NOLINT

  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace livy
