// Scalar twins of the batch-normalization tile kernels and the strip-parallel drivers.
#include "batchnorm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "parallel.h"

namespace nnkit::kernels {
namespace {

// Column sums run over blocks of kBatchNormRowBlock rows: within a block in float32 (in row
// order), then the block's sum is added to the float64 accumulator. The vector twins keep the
// block sums in registers; all follow this exact order, so all give the same bits.
void moments_scalar(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const float* shift,
                    double* s1, double* s2) {
  for (std::size_t i0 = 0; i0 < rows; i0 += kBatchNormRowBlock) {
    const std::size_t block = std::min(kBatchNormRowBlock, rows - i0);
    for (std::size_t j = 0; j < cols; ++j) {
      float sum = 0.0f, squares = 0.0f;
      for (std::size_t r = 0; r < block; ++r) {
        const float d = x[(i0 + r) * ld + j] - shift[j];
        sum = sum + d;
        squares = squares + d * d;
      }
      s1[j] += static_cast<double>(sum);
      s2[j] += static_cast<double>(squares);
    }
  }
}

void affine_scalar(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const float* mean,
                   const float* scale, const float* offset, float* y, bool /*stream*/) {
  for (std::size_t i = 0; i < rows; ++i, x += ld, y += ld)
    for (std::size_t j = 0; j < cols; ++j) y[j] = (x[j] - mean[j]) * scale[j] + offset[j];
}

void backward_sums_scalar(const float* dy, const float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                          const float* mean, double* sdy, double* sdyx) {
  for (std::size_t i0 = 0; i0 < rows; i0 += kBatchNormRowBlock) {
    const std::size_t block = std::min(kBatchNormRowBlock, rows - i0);
    for (std::size_t j = 0; j < cols; ++j) {
      float sum = 0.0f, products = 0.0f;
      for (std::size_t r = 0; r < block; ++r) {
        const float g = dy[(i0 + r) * ld + j];
        sum = sum + g;
        products = products + g * (x[(i0 + r) * ld + j] - mean[j]);
      }
      sdy[j] += static_cast<double>(sum);
      sdyx[j] += static_cast<double>(products);
    }
  }
}

void backward_dx_scalar(const float* dy, const float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                        const float* mean, const float* a, const float* b, const float* c, float* dx,
                        bool /*stream*/) {
  for (std::size_t i = 0; i < rows; ++i, x += ld, dy += ld, dx += ld)
    for (std::size_t j = 0; j < cols; ++j) dx[j] = (x[j] - mean[j]) * a[j] + (dy[j] * b[j] + c[j]);
}

const BatchNormKernels kScalar = {moments_scalar, affine_scalar, backward_sums_scalar, backward_dx_scalar};

// Rows per task: at least 64 and at least 2^18 elements, so a task streams a good stretch of
// contiguous memory and the per-task partial sums (2 x D doubles) stay few. Depends on the
// shape only, never on the thread count.
std::size_t rows_per_task(std::size_t cols) {
  const std::size_t by_size = ((std::size_t{1} << 18) + cols - 1) / std::max<std::size_t>(cols, 1);
  return std::max<std::size_t>(64, by_size);
}

// Column sums of a tile kernel over all rows: each task sums its row block into its own
// partial arrays, then the partials are added in task order. The order of every addition is
// fixed by the shape, so the sums are identical for any thread count.
template <typename TileSums>
void column_sums_by_row_blocks(std::size_t rows, std::size_t cols, double* sum_a, double* sum_b, TileSums&& tile) {
  const std::size_t per_task = rows_per_task(cols);
  const std::size_t tasks = (rows + per_task - 1) / per_task;
  std::vector<double> partial(tasks * 2 * cols, 0.0);
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t r0 = task * per_task;
    double* a = partial.data() + task * 2 * cols;
    tile(r0, std::min(rows, r0 + per_task) - r0, a, a + cols);
  });
  std::fill(sum_a, sum_a + cols, 0.0);
  std::fill(sum_b, sum_b + cols, 0.0);
  for (std::size_t task = 0; task < tasks; ++task) {
    const double* a = partial.data() + task * 2 * cols;
    for (std::size_t j = 0; j < cols; ++j) {
      sum_a[j] += a[j];
      sum_b[j] += a[cols + j];
    }
  }
}

bool should_stream(const float* out, std::size_t rows, std::size_t cols) {
  return rows * cols * sizeof(float) >= kBatchNormStreamBytes && reinterpret_cast<std::uintptr_t>(out) % 16 == 0 &&
         cols % 4 == 0;
}

// fn(r0, count) over row blocks, for the elementwise passes. They run last block first: the
// statistics pass just streamed X front to back, so its last blocks are the ones still in
// the last-level cache, and they are read again before they are evicted.
template <typename Fn>
void for_each_row_block_backwards(std::size_t rows, std::size_t cols, Fn&& fn) {
  const std::size_t per_task = rows_per_task(cols);
  const std::size_t tasks = (rows + per_task - 1) / per_task;
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t r0 = (tasks - 1 - task) * per_task;
    fn(r0, std::min(rows, r0 + per_task) - r0);
  });
}

}  // namespace

const BatchNormKernels& batchnorm_kernels(SimdPath path) {
  return select_kernels<BatchNormKernels>(path, {&kScalar, batchnorm_kernels_avx2(), batchnorm_kernels_avx512(), batchnorm_kernels_neon()});
}

void batchnorm_forward_train(SimdPath path, const BatchNormParams& p, const float* x, float* y, float* running_mean,
                             float* running_var, float* saved_mean, float* saved_invstd) {
  const BatchNormKernels& k = batchnorm_kernels(path);
  const std::size_t n = p.rows, d = p.cols;
  const double inv_n = 1.0 / static_cast<double>(n);
  const double unbias = static_cast<double>(n) / static_cast<double>(n - 1);
  // Sums of x - x[0][j]: shifting by a sample of the column keeps the one-pass variance from
  // cancelling catastrophically when |mean| >> std.
  const float* shift = x;
  std::vector<double> s1(d), s2(d);
  column_sums_by_row_blocks(n, d, s1.data(), s2.data(), [&](std::size_t r0, std::size_t count, double* a, double* b) {
    k.moments(x + r0 * d, count, d, d, shift, a, b);
  });
  std::vector<float> scale(d), offset(d);
  for (std::size_t j = 0; j < d; ++j) {
    const double mean_shifted = s1[j] * inv_n;
    const double var = std::max(0.0, s2[j] * inv_n - mean_shifted * mean_shifted);
    const double mean = static_cast<double>(shift[j]) + mean_shifted;
    const double invstd = 1.0 / std::sqrt(var + p.eps);
    saved_mean[j] = static_cast<float>(mean);
    saved_invstd[j] = static_cast<float>(invstd);
    scale[j] = static_cast<float>((p.gamma != nullptr ? static_cast<double>(p.gamma[j]) : 1.0) * invstd);
    offset[j] = p.beta != nullptr ? p.beta[j] : 0.0f;
    running_mean[j] = static_cast<float>((1.0 - p.momentum) * static_cast<double>(running_mean[j]) + p.momentum * mean);
    running_var[j] =
        static_cast<float>((1.0 - p.momentum) * static_cast<double>(running_var[j]) + p.momentum * var * unbias);
  }
  const bool stream = should_stream(y, n, d);
  for_each_row_block_backwards(n, d, [&](std::size_t r0, std::size_t count) {
    k.affine(x + r0 * d, count, d, d, saved_mean, scale.data(), offset.data(), y + r0 * d, stream);
  });
}

void batchnorm_forward_eval(SimdPath path, const BatchNormParams& p, const float* x, float* y,
                            const float* running_mean, const float* running_var) {
  const BatchNormKernels& k = batchnorm_kernels(path);
  const std::size_t n = p.rows, d = p.cols;
  std::vector<float> scale(d), offset(d);
  for (std::size_t j = 0; j < d; ++j) {
    const double invstd = 1.0 / std::sqrt(static_cast<double>(running_var[j]) + p.eps);
    scale[j] = static_cast<float>((p.gamma != nullptr ? static_cast<double>(p.gamma[j]) : 1.0) * invstd);
    offset[j] = p.beta != nullptr ? p.beta[j] : 0.0f;
  }
  const bool stream = should_stream(y, n, d);
  for_each_row_block_backwards(n, d, [&](std::size_t r0, std::size_t count) {
    k.affine(x + r0 * d, count, d, d, running_mean, scale.data(), offset.data(), y + r0 * d, stream);
  });
}

void batchnorm_backward(SimdPath path, const BatchNormParams& p, const float* dy, const float* x,
                        const float* saved_mean, const float* saved_invstd, float* dx, float* dgamma, float* dbeta) {
  const BatchNormKernels& k = batchnorm_kernels(path);
  const std::size_t n = p.rows, d = p.cols;
  const double inv_n = 1.0 / static_cast<double>(n);
  std::vector<double> sdy(d), sdyx(d);
  column_sums_by_row_blocks(n, d, sdy.data(), sdyx.data(), [&](std::size_t r0, std::size_t count, double* a, double* b) {
    k.backward_sums(dy + r0 * d, x + r0 * d, count, d, d, saved_mean, a, b);
  });
  std::vector<float> a(d), b(d), c(d);
  for (std::size_t j = 0; j < d; ++j) {
    const double invstd = static_cast<double>(saved_invstd[j]);
    const double gain = (p.gamma != nullptr ? static_cast<double>(p.gamma[j]) : 1.0) * invstd;
    // dx = gain * (dy - sum(dy) / N - xhat * sum(dy * xhat) / N), xhat = (x - mean) * invstd.
    a[j] = static_cast<float>(-gain * invstd * invstd * sdyx[j] * inv_n);
    b[j] = static_cast<float>(gain);
    c[j] = static_cast<float>(-gain * sdy[j] * inv_n);
    if (dgamma != nullptr) dgamma[j] = static_cast<float>(sdyx[j] * invstd);
    if (dbeta != nullptr) dbeta[j] = static_cast<float>(sdy[j]);
  }
  if (dx == nullptr) return;
  const bool stream = should_stream(dx, n, d);
  for_each_row_block_backwards(n, d, [&](std::size_t r0, std::size_t count) {
    k.backward_dx(dy + r0 * d, x + r0 * d, count, d, d, saved_mean, a.data(), b.data(), c.data(), dx + r0 * d, stream);
  });
}

}  // namespace nnkit::kernels
