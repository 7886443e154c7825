// DARCY_FUZZ_CHECK: the invariant check of the fuzz targets. A violated
// invariant prints what it means and where to stderr, then aborts; libFuzzer
// reports that as a crash and saves the input, and the replay build fails.
//
// Thread safety: none needed; a fuzz target runs one input at a time.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace darcy::fuzz {

[[noreturn]] inline void invariant_failed(const char* condition, const char* meaning,
                                          const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant violated: %s\n  check: %s\n", file, line, meaning,
               condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace darcy::fuzz

#define DARCY_FUZZ_CHECK(condition, meaning)                                          \
  do {                                                                                \
    if (!(condition)) ::darcy::fuzz::invariant_failed(#condition, meaning, __FILE__, __LINE__); \
  } while (false)
