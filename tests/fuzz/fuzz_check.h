// What the fuzz targets share: a check that stops the run (libFuzzer then saves
// the input as a crash), and the property every decoder error must have.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "livy/status.h"

// Kept on in every build type: a failed check is the finding, not a debug aid.
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

namespace livy_fuzz {

// A rejected input is a client error that says what is wrong, never a fault of livyd.
inline void check_rejection(const livy::Status& st) {
  FUZZ_CHECK(!st.is_ok());
  FUZZ_CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
  FUZZ_CHECK(!st.message().empty());
}

}  // namespace livy_fuzz
