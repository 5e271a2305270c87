// Scalar twins of the layer kernels and their parallel drivers.
#include "layers.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "parallel.h"

namespace nnkit::kernels {
namespace {

void relu_forward_scalar(const float* x, float* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = 0.0f > x[i] ? 0.0f : x[i];
}

void relu_backward_scalar(const float* dy, const float* x, float* dx, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

void column_sums_scalar(const float* a, std::size_t rows, std::size_t cols, std::size_t lda, double* acc) {
  for (std::size_t i = 0; i < rows; ++i, a += lda)
    for (std::size_t j = 0; j < cols; ++j) acc[j] += static_cast<double>(a[j]);
}

const LayerKernels kScalar = {relu_forward_scalar, relu_backward_scalar, column_sums_scalar};

// Elements per elementwise task (256 KiB of floats): fixed, so splits never depend on threads.
constexpr std::size_t kElementsPerTask = 65536;
// Columns per column-sum task: 64 floats = 256 bytes of every row, a few contiguous cache
// lines, with 64 float64 accumulators that stay in L1.
constexpr std::size_t kColumnsPerTask = 64;

template <typename Fn>
void elementwise_parallel(std::size_t n, Fn&& fn) {
  const std::size_t tasks = (n + kElementsPerTask - 1) / kElementsPerTask;
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t begin = task * kElementsPerTask;
    fn(begin, std::min(n, begin + kElementsPerTask) - begin);
  });
}

}  // namespace

const LayerKernels& layer_kernels_scalar() { return kScalar; }

const LayerKernels& layer_kernels(SimdPath path) {
  return select_kernels<LayerKernels>(path, {&kScalar, layer_kernels_avx2(), layer_kernels_avx512(), layer_kernels_neon()});
}

void relu_forward(SimdPath path, const float* x, float* out, std::size_t n) {
  const LayerKernels& k = layer_kernels(path);
  elementwise_parallel(n, [&](std::size_t begin, std::size_t count) { k.relu_forward(x + begin, out + begin, count); });
}

void relu_backward(SimdPath path, const float* dy, const float* x, float* dx, std::size_t n) {
  const LayerKernels& k = layer_kernels(path);
  elementwise_parallel(n, [&](std::size_t begin, std::size_t count) {
    k.relu_backward(dy + begin, x + begin, dx + begin, count);
  });
}

void column_sums(SimdPath path, const float* a, std::size_t rows, std::size_t cols, float* sums) {
  const LayerKernels& k = layer_kernels(path);
  const std::size_t tasks = (cols + kColumnsPerTask - 1) / kColumnsPerTask;
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t begin = task * kColumnsPerTask;
    const std::size_t count = std::min(cols, begin + kColumnsPerTask) - begin;
    double acc[kColumnsPerTask] = {};
    k.column_sums(a + begin, rows, count, cols, acc);
    for (std::size_t j = 0; j < count; ++j) sums[begin + j] = static_cast<float>(acc[j]);
  });
}

void broadcast_rows(const float* bias, std::size_t rows, std::size_t cols, float* out) {
  for (std::size_t i = 0; i < rows; ++i) std::memcpy(out + i * cols, bias, cols * sizeof(float));
}

}  // namespace nnkit::kernels
