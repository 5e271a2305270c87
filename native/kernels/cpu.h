// CPU feature detection, the list of SIMD paths, and the process-wide choice among them.
//
// The path is picked once, when the addon loads, from what the CPU and the OS support (CPUID for
// the instruction sets, XGETBV for the register state the OS saves). NNKIT_SIMD=<name> forces any
// supported path. Tests may switch paths at run time to exercise every compiled kernel.
//
// This header is the one list of paths. A new instruction set is one more entry here, its
// detection in cpu.cc, and a kernel table in each family that gains from it; a family without a
// table of its own for a path runs the kernels of that path's fallback (see select_kernels).
#pragma once

#include <array>
#include <cstddef>

namespace nnkit {

// X(name, fallback): every path and the path whose kernels it reuses where it has none of its
// own. The order is the enum's and the order of preference (the last supported path is the
// default); scalar is first and falls back to nothing.
#define NNKIT_SIMD_PATHS(X) \
  X(scalar, scalar)         \
  X(avx2, scalar)           \
  X(avx512, avx2)           \
  X(neon, scalar)

enum class SimdPath {
#define NNKIT_SIMD_ENUM_(name, fallback) name,
  NNKIT_SIMD_PATHS(NNKIT_SIMD_ENUM_)
#undef NNKIT_SIMD_ENUM_
};

inline constexpr SimdPath kSimdPaths[] = {
#define NNKIT_SIMD_LIST_(name, fallback) SimdPath::name,
    NNKIT_SIMD_PATHS(NNKIT_SIMD_LIST_)
#undef NNKIT_SIMD_LIST_
};
inline constexpr std::size_t kSimdPathCount = sizeof(kSimdPaths) / sizeof(kSimdPaths[0]);

constexpr SimdPath simd_path_fallback(SimdPath path) {
  switch (path) {
#define NNKIT_SIMD_FALLBACK_(name, fallback) \
  case SimdPath::name: return SimdPath::fallback;
    NNKIT_SIMD_PATHS(NNKIT_SIMD_FALLBACK_)
#undef NNKIT_SIMD_FALLBACK_
  }
  return SimdPath::scalar;
}

const char* simd_path_name(SimdPath path);

// Parses a path name ("scalar", "avx2", "avx512", "neon"); false for any other string.
bool simd_path_from_name(const char* name, SimdPath* out);

// True when this build contains the path's kernels and this CPU can run them.
bool simd_path_supported(SimdPath path);

// The best supported path, unless NNKIT_SIMD names another supported one.
SimdPath detect_simd_path();

// The path every dispatching kernel uses now.
SimdPath active_simd_path();

// Returns false (and changes nothing) when the path is not supported.
bool set_active_simd_path(SimdPath path);

// A kernel family's tables, indexed by path: nullptr where the family has no kernels of its own
// for that path (or this build did not compile them). The scalar entry is never null.
template <class Table>
using KernelsByPath = std::array<const Table*, kSimdPathCount>;

// The one dispatcher: the path's own table, else its fallback's, down to scalar.
template <class Table>
const Table& select_kernels(SimdPath path, const KernelsByPath<Table>& tables) {
  while (tables[static_cast<std::size_t>(path)] == nullptr) path = simd_path_fallback(path);
  return *tables[static_cast<std::size_t>(path)];
}

}  // namespace nnkit
