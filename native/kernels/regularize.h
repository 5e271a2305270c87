// Weight penalties and the max-norm constraint (spec §4), in place on the caller's buffers.
//
// penalty: one pass over W that returns Σ|w| and Σw² and adds a1·sign(w) + a2·w into grad
// (when non-null). L2 is (a1, a2) = (0, λ) with penalty ½λΣw²; L1 is (λ, 0); elastic net is
// (λ1, 2λ2) with penalty λ1Σ|w| + λ2Σw². The sums are taken per fixed-size task in float lanes,
// then in double in task order: the result does not depend on the thread count.
//
// max_norm: projects each neuron's weight vector onto the ball ‖w‖₂ ≤ c (w ← w · c/‖w‖₂) and
// returns how many vectors were clipped. A neuron is a column of W [rows × cols] (a layer's
// W = [fanIn × fanOut]) or, with by_rows, a row.
#pragma once

#include <cstddef>

#include "cpu.h"

namespace nnkit::kernels {

struct PenaltySums {
  double abs_sum;
  double square_sum;
};

struct RegularizeKernels {
  // Over w[0, n): returns the two sums (float lanes) and adds a1·sign(w) + a2·w into grad.
  void (*penalty)(const float* w, std::size_t n, float a1, float a2, float* grad, float* abs_sum, float* square_sum);
  // sums[j] += Σ_r w[r·ld + j]² over rows [0, rows), for j < width: rows are read whole, in
  // order (four at a time, their squares summed before they are added to sums).
  void (*add_column_squares)(const float* w, std::size_t rows, std::size_t ld, std::size_t width, float* sums);
  // w[r·ld + j] *= factors[j] for r < rows, j < width.
  void (*scale_columns)(float* w, std::size_t rows, std::size_t ld, std::size_t width, const float* factors);
  float (*square_norm)(const float* x, std::size_t n);
  void (*scale)(float* x, std::size_t n, float s);
};

// Column max-norm works on tiles of W: up to 256 rows by 4096 columns (16 KiB of sums in L1).
// The tiling is fixed, so the column norms do not depend on the thread count.
inline constexpr std::size_t kMaxNormBandRows = 256;
inline constexpr std::size_t kMaxNormBlockCols = 4096;

// Built from regularize_simd.cc once per vector target; nullptr where the build or compiler lacks it.
const RegularizeKernels* regularize_kernels_avx2();
const RegularizeKernels* regularize_kernels_avx512();
const RegularizeKernels* regularize_kernels_neon();
const RegularizeKernels& regularize_kernels(SimdPath path);

PenaltySums penalty(SimdPath path, const float* w, std::size_t n, float a1, float a2, float* grad);
std::size_t max_norm(SimdPath path, float* w, std::size_t rows, std::size_t cols, float c, bool by_rows);

// The same on the process-wide SIMD path (active_simd_path() when the kernel runs): what the
// binding calls, so that the path is picked in one place.
inline PenaltySums penalty(const float* w, std::size_t n, float a1, float a2, float* grad) {
  return penalty(active_simd_path(), w, n, a1, a2, grad);
}
inline std::size_t max_norm(float* w, std::size_t rows, std::size_t cols, float c, bool by_rows) {
  return max_norm(active_simd_path(), w, rows, cols, c, by_rows);
}

}  // namespace nnkit::kernels
