// Elementwise and reduction kernels of the fully connected layer and the ReLU: the bias
// broadcast of X·W + b, ReLU forward/backward and the column sums that give db.
//
// Kernels take raw pointers with no alignment assumption (JS memory is 4-byte aligned) and
// handle every tail explicitly. The vector twins (layers_simd.cc) give bit-identical results: ReLU is exact, and
// the column sums accumulate in float64 in the same order on both paths.
#pragma once

#include <cstddef>

#include "cpu.h"

namespace nnkit::kernels {

struct LayerKernels {
  // out[i] = x[i] < 0 ? 0 : x[i]  (NaN and -0 pass through unchanged).
  void (*relu_forward)(const float* x, float* out, std::size_t n);
  // dx[i] = x[i] > 0 ? dy[i] : 0  (the subgradient at 0 is taken as 0).
  void (*relu_backward)(const float* dy, const float* x, float* dx, std::size_t n);
  // acc[j] += a[i * lda + j] for i < rows, j < cols, in float64, rows in increasing order.
  void (*column_sums)(const float* a, std::size_t rows, std::size_t cols, std::size_t lda, double* acc);
};

const LayerKernels& layer_kernels_scalar();
// Built from layers_simd.cc once per vector target; nullptr where the build or compiler lacks it.
const LayerKernels* layer_kernels_avx2();
const LayerKernels* layer_kernels_avx512();
const LayerKernels* layer_kernels_neon();
const LayerKernels& layer_kernels(SimdPath path);

// Elementwise over n values; out may equal x (in place) but must not partially overlap it.
void relu_forward(SimdPath path, const float* x, float* out, std::size_t n);
void relu_backward(SimdPath path, const float* dy, const float* x, float* dx, std::size_t n);
// sums[j] = sum_i a[i * cols + j], accumulated in float64 per column in row order, so the
// result does not depend on the thread count.
void column_sums(SimdPath path, const float* a, std::size_t rows, std::size_t cols, float* sums);

// Every row of out (rows x cols) = bias (the b of X·W + b before GEMM accumulates into it).
void broadcast_rows(const float* bias, std::size_t rows, std::size_t cols, float* out);

// The same on the process-wide SIMD path (active_simd_path() when the kernel runs): what the
// binding calls, so that the path is picked in one place.
inline void relu_forward(const float* x, float* out, std::size_t n) { relu_forward(active_simd_path(), x, out, n); }
inline void relu_backward(const float* dy, const float* x, float* dx, std::size_t n) {
  relu_backward(active_simd_path(), dy, x, dx, n);
}
inline void column_sums(const float* a, std::size_t rows, std::size_t cols, float* sums) {
  column_sums(active_simd_path(), a, rows, cols, sums);
}

}  // namespace nnkit::kernels
