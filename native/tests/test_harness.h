// A minimal test harness for the kernel tests: TEST(name) registers a function, CHECK records
// a failure with its location and keeps going, main() runs everything and exits non-zero on any
// failure. Kept tiny on purpose: the kernels need nothing more, and ctest runs the binary.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "../kernels/cpu.h"

namespace nnkit::test {

struct Case {
  const char* name;
  std::function<void()> fn;
};

inline std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}
inline int& failures() {
  static int count = 0;
  return count;
}

// Every SIMD path this build and CPU can run: the tests run each kernel on all of them. The
// first call prints a line for each path it leaves out, so a run says what it did not cover.
inline std::vector<SimdPath> supported_paths() {
  static const std::vector<SimdPath> paths = [] {
    std::vector<SimdPath> found;
    for (SimdPath p : kSimdPaths) {
      if (simd_path_supported(p)) {
        found.push_back(p);
      } else {
        std::printf("skipped: SIMD path %s (this CPU or build cannot run it)\n", simd_path_name(p));
      }
    }
    return found;
  }();
  return paths;
}

struct Register {
  Register(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

}  // namespace nnkit::test

#define NNKIT_CONCAT_(a, b) a##b
#define NNKIT_CONCAT(a, b) NNKIT_CONCAT_(a, b)
#define TEST(name)                                                                      \
  static void name();                                                                   \
  static ::nnkit::test::Register NNKIT_CONCAT(register_, name)(#name, name);            \
  static void name()

#define CHECK(condition, ...)                                                           \
  do {                                                                                  \
    if (!(condition)) {                                                                 \
      ++::nnkit::test::failures();                                                      \
      std::fprintf(stderr, "  %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #condition); \
      std::fprintf(stderr, "" __VA_ARGS__);                                             \
      std::fprintf(stderr, "\n");                                                       \
    }                                                                                   \
  } while (0)
