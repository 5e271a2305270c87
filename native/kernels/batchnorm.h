// Batch normalization (Ioffe & Szegedy 2015) over the rows of X: N x D, one feature per column.
//
// Training forward is two passes: one for the statistics (sums of d = x - shift and d^2 with
// shift = X's first row, so the one-pass variance does not cancel catastrophically when
// |mean| >> std; float32 within blocks of 8 rows, float64 across blocks), one for
// y = (x - mean) * scale + beta with scale = gamma / sqrt(var + eps) (subtracting the mean first
// keeps y accurate when |mean| >> std). Backward needs only X, the saved mean and
// 1/sqrt(var + eps): one pass for the column sums sum(dy) and sum(dy * (x - mean)), one pass for
//   dx = gamma * invstd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat)).
//
// Every pass walks X row by row (rows are contiguous; column strips over a row-major matrix
// stride a page per row and ran 3-5x slower). Column sums are split into fixed row blocks, each
// summed into its own float64 partials, and the partials are added in block order: the order
// of every addition depends on the shape only, so results are identical for any thread count.
#pragma once

#include <cstddef>

#include "cpu.h"

namespace nnkit::kernels {

// Outputs at least this large are streamed (see `affine`).
inline constexpr std::size_t kBatchNormStreamBytes = std::size_t{16} << 20;

// Rows summed in float32 before each float64 accumulation (see moments/backward_sums).
inline constexpr std::size_t kBatchNormRowBlock = 8;

// Tile kernels: `cols` columns of `rows` rows with row stride `ld`; per-column arrays are
// already offset to the tile's first column.
struct BatchNormKernels {
  // s1[j] += sum of d = x - shift[j], s2[j] += sum of d^2: float32 over blocks of
  // kBatchNormRowBlock rows (in row order), each block's sum then added in float64.
  void (*moments)(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const float* shift, double* s1,
                  double* s2);
  // y = (x - mean[j]) * scale[j] + offset[j]. `stream` (every row of y 16-byte aligned):
  // non-temporal stores, for outputs too large to stay in cache (no read-for-ownership).
  void (*affine)(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const float* mean,
                 const float* scale, const float* offset, float* y, bool stream);
  // sdy[j] += sum of dy, sdyx[j] += sum of dy * (x - mean[j]), blocked like moments.
  void (*backward_sums)(const float* dy, const float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                        const float* mean, double* sdy, double* sdyx);
  // dx = (x - mean[j]) * a[j] + (dy * b[j] + c[j]).
  void (*backward_dx)(const float* dy, const float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                      const float* mean, const float* a, const float* b, const float* c, float* dx, bool stream);
};

// Built from batchnorm_simd.cc once per vector target; nullptr where the build or compiler lacks it.
const BatchNormKernels* batchnorm_kernels_avx2();
const BatchNormKernels* batchnorm_kernels_avx512();
const BatchNormKernels* batchnorm_kernels_neon();
const BatchNormKernels& batchnorm_kernels(SimdPath path);

struct BatchNormParams {
  std::size_t rows = 0, cols = 0;
  const float* gamma = nullptr;  // nullptr: 1 (no affine transform)
  const float* beta = nullptr;   // nullptr: 0
  double eps = 1e-5;
  double momentum = 0.1;
};

// Training: y = gamma * (x - mean) / sqrt(var + eps) + beta with the batch's mean and biased
// variance; saves mean and invstd = 1 / sqrt(var + eps) for backward and updates
// running = (1 - momentum) * running + momentum * batch, the variance there unbiased
// (var * N / (N - 1)), as PyTorch does. rows >= 2.
void batchnorm_forward_train(SimdPath path, const BatchNormParams& p, const float* x, float* y, float* running_mean,
                             float* running_var, float* saved_mean, float* saved_invstd);
// Evaluation: the same transform with the running statistics; nothing is updated.
void batchnorm_forward_eval(SimdPath path, const BatchNormParams& p, const float* x, float* y,
                            const float* running_mean, const float* running_var);
// dx, and dgamma = sum(dy * xhat), dbeta = sum(dy) per column (each may be nullptr).
void batchnorm_backward(SimdPath path, const BatchNormParams& p, const float* dy, const float* x,
                        const float* saved_mean, const float* saved_invstd, float* dx, float* dgamma, float* dbeta);

// The same on the process-wide SIMD path (active_simd_path() when the kernel runs): what the
// binding calls, so that the path is picked in one place.
inline void batchnorm_forward_train(const BatchNormParams& p, const float* x, float* y, float* running_mean,
                                    float* running_var, float* saved_mean, float* saved_invstd) {
  batchnorm_forward_train(active_simd_path(), p, x, y, running_mean, running_var, saved_mean, saved_invstd);
}
inline void batchnorm_forward_eval(const BatchNormParams& p, const float* x, float* y, const float* running_mean,
                                   const float* running_var) {
  batchnorm_forward_eval(active_simd_path(), p, x, y, running_mean, running_var);
}
inline void batchnorm_backward(const BatchNormParams& p, const float* dy, const float* x, const float* saved_mean,
                               const float* saved_invstd, float* dx, float* dgamma, float* dbeta) {
  batchnorm_backward(active_simd_path(), p, dy, x, saved_mean, saved_invstd, dx, dgamma, dbeta);
}

}  // namespace nnkit::kernels
