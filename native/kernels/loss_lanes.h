// Softmax over short rows, 8 rows at a time with one row per lane: hand-written for AVX2 (the
// transposes in registers have no generic form in the vector layer), and called by the vector
// targets that can run it (AVX2 and AVX-512: see loss_simd.cc). Internal to the kernels.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(NNKIT_VEC_AVX2) || defined(NNKIT_VEC_AVX512)
#define NNKIT_LOSS_LANES_AVX2 1
#else
#define NNKIT_LOSS_LANES_AVX2 0
#endif

namespace nnkit::kernels {

// Rows of at most this many classes go through the lane kernel.
inline constexpr std::size_t kLaneRowsMaxClasses = 16;

// The loss kernel's softmax_rows for the first rows − rows % 8 rows when 0 < c <=
// kLaneRowsMaxClasses (else none): adds their losses to *total (per-lane double sums in row
// order, then a non-finite row's NaN) and writes their gradient rows. Returns how many rows it
// took; the caller runs its row kernel on the rest. Only for CPUs with AVX2 and FMA.
std::size_t softmax_lane_rows_avx2(const float* f, std::size_t rows, std::size_t c, const std::uint32_t* y,
                                   float grad_scale, float* grad, double* total);

}  // namespace nnkit::kernels
