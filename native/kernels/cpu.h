// CPU feature detection and the process-wide choice of SIMD path.
//
// The path is picked once, when the addon loads, from what the CPU and the OS support
// (CPUID for AVX2/FMA, XGETBV for the OS saving YMM state). NNKIT_SIMD=scalar forces the
// portable path. Tests may switch paths at run time to exercise every compiled kernel.
#pragma once

namespace nnkit {

enum class SimdPath { scalar = 0, avx2 = 1 };

const char* simd_path_name(SimdPath path);

// True when this build contains the path's kernels and this CPU can run them.
bool simd_path_supported(SimdPath path);

// The best supported path, unless NNKIT_SIMD names another supported one.
SimdPath detect_simd_path();

// The path every dispatching kernel uses now.
SimdPath active_simd_path();

// Returns false (and changes nothing) when the path is not supported.
bool set_active_simd_path(SimdPath path);

}  // namespace nnkit
