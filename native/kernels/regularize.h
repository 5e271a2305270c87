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
  // Squared column norms of columns [c0, c0 + width) (width <= 64) of a row-major matrix.
  void (*column_square_norms)(const float* w, std::size_t rows, std::size_t cols, std::size_t c0, std::size_t width,
                              float* norms);
  // Multiplies columns [c0, c0 + width) by factors[0, width).
  void (*scale_columns)(float* w, std::size_t rows, std::size_t cols, std::size_t c0, std::size_t width,
                        const float* factors);
  float (*square_norm)(const float* x, std::size_t n);
  void (*scale)(float* x, std::size_t n, float s);
};

inline constexpr std::size_t kMaxNormStrip = 64;  // columns per max-norm task

const RegularizeKernels& regularize_kernels_scalar();
const RegularizeKernels* regularize_kernels_avx2();  // nullptr when the build has no AVX2 path
const RegularizeKernels& regularize_kernels(SimdPath path);

PenaltySums penalty(SimdPath path, const float* w, std::size_t n, float a1, float a2, float* grad);
std::size_t max_norm(SimdPath path, float* w, std::size_t rows, std::size_t cols, float c, bool by_rows);

}  // namespace nnkit::kernels
