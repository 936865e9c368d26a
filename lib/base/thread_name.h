// Names for livyd's threads, as `top -H`, `ps -L`, perf and gdb show them.
#pragma once

#include <pthread.h>

namespace livy {

// Names the calling thread; Linux keeps the first 15 characters.
inline void name_this_thread(const char* name) { (void)pthread_setname_np(pthread_self(), name); }

}  // namespace livy
