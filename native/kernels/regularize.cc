// Scalar twins of the regularization kernels and their parallel drivers.
#include "regularize.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "parallel.h"

namespace nnkit::kernels {
namespace {

void penalty_scalar(const float* w, std::size_t n, float a1, float a2, float* grad, float* abs_sum,
                    float* square_sum) {
  float sa = 0.0f, sq = 0.0f;
  for (std::size_t i = 0; i < n; ++i) {
    const float x = w[i];
    sa += std::fabs(x);
    sq += x * x;
    if (grad) {
      const float sign = x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f);
      grad[i] = grad[i] + (a1 * sign + a2 * x);
    }
  }
  *abs_sum = sa;
  *square_sum = sq;
}

void column_square_norms_scalar(const float* w, std::size_t rows, std::size_t cols, std::size_t c0,
                                std::size_t width, float* norms) {
  std::fill(norms, norms + width, 0.0f);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = w + r * cols + c0;
    for (std::size_t j = 0; j < width; ++j) norms[j] += row[j] * row[j];
  }
}

void scale_columns_scalar(float* w, std::size_t rows, std::size_t cols, std::size_t c0, std::size_t width,
                          const float* factors) {
  for (std::size_t r = 0; r < rows; ++r) {
    float* row = w + r * cols + c0;
    for (std::size_t j = 0; j < width; ++j) row[j] *= factors[j];
  }
}

float square_norm_scalar(const float* x, std::size_t n) {
  float s = 0.0f;
  for (std::size_t i = 0; i < n; ++i) s += x[i] * x[i];
  return s;
}

void scale_scalar(float* x, std::size_t n, float s) {
  for (std::size_t i = 0; i < n; ++i) x[i] *= s;
}

const RegularizeKernels kScalar = {penalty_scalar, column_square_norms_scalar, scale_columns_scalar,
                                   square_norm_scalar, scale_scalar};

constexpr std::size_t kPenaltyTask = 65536;  // elements per task

// The projection factor c/‖w‖ when ‖w‖ > c, else 1 (NaN norms are left alone).
inline float clip_factor(float square_norm, float c) {
  const float norm = std::sqrt(square_norm);
  return norm > c ? c / norm : 1.0f;
}

}  // namespace

const RegularizeKernels& regularize_kernels_scalar() { return kScalar; }

const RegularizeKernels& regularize_kernels(SimdPath path) {
  if (path == SimdPath::avx2) {
    if (const RegularizeKernels* k = regularize_kernels_avx2()) return *k;
  }
  return kScalar;
}

PenaltySums penalty(SimdPath path, const float* w, std::size_t n, float a1, float a2, float* grad) {
  const RegularizeKernels& k = regularize_kernels(path);
  const std::size_t tasks = (n + kPenaltyTask - 1) / kPenaltyTask;
  std::vector<float> abs_sums(tasks), square_sums(tasks);
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t begin = task * kPenaltyTask, count = std::min(kPenaltyTask, n - begin);
    k.penalty(w + begin, count, a1, a2, grad ? grad + begin : nullptr, &abs_sums[task], &square_sums[task]);
  });
  PenaltySums sums{0.0, 0.0};
  for (std::size_t t = 0; t < tasks; ++t) {
    sums.abs_sum += abs_sums[t];
    sums.square_sum += square_sums[t];
  }
  return sums;
}

std::size_t max_norm(SimdPath path, float* w, std::size_t rows, std::size_t cols, float c, bool by_rows) {
  const RegularizeKernels& k = regularize_kernels(path);
  if (by_rows) {
    const std::size_t per_task = std::max<std::size_t>(1, 65536 / std::max<std::size_t>(cols, 1));
    const std::size_t tasks = (rows + per_task - 1) / per_task;
    std::vector<std::size_t> clipped(tasks, 0);
    parallel_for(tasks, [&](std::size_t task) {
      const std::size_t end = std::min(rows, (task + 1) * per_task);
      for (std::size_t r = task * per_task; r < end; ++r) {
        const float factor = clip_factor(k.square_norm(w + r * cols, cols), c);
        if (factor != 1.0f) {
          k.scale(w + r * cols, cols, factor);
          ++clipped[task];
        }
      }
    });
    std::size_t total = 0;
    for (std::size_t x : clipped) total += x;
    return total;
  }
  // Columns: each task owns a strip of up to 64 columns and walks all rows twice (norms, then
  // scaling only if something in the strip needs clipping).
  const std::size_t tasks = (cols + kMaxNormStrip - 1) / kMaxNormStrip;
  std::vector<std::size_t> clipped(tasks, 0);
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t c0 = task * kMaxNormStrip, width = std::min(kMaxNormStrip, cols - c0);
    float factors[kMaxNormStrip];
    k.column_square_norms(w, rows, cols, c0, width, factors);
    std::size_t count = 0;
    for (std::size_t j = 0; j < width; ++j) {
      factors[j] = clip_factor(factors[j], c);
      count += factors[j] != 1.0f;
    }
    if (count) k.scale_columns(w, rows, cols, c0, width, factors);
    clipped[task] = count;
  });
  std::size_t total = 0;
  for (std::size_t x : clipped) total += x;
  return total;
}

}  // namespace nnkit::kernels
