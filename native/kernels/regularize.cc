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

void add_column_squares_scalar(const float* w, std::size_t rows, std::size_t ld, std::size_t width, float* sums) {
  std::size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float *w0 = w + r * ld, *w1 = w0 + ld, *w2 = w1 + ld, *w3 = w2 + ld;
    for (std::size_t j = 0; j < width; ++j) {
      float t = w0[j] * w0[j];
      t = std::fmaf(w1[j], w1[j], t);
      t = std::fmaf(w2[j], w2[j], t);
      t = std::fmaf(w3[j], w3[j], t);
      sums[j] += t;
    }
  }
  for (; r < rows; ++r)
    for (std::size_t j = 0; j < width; ++j) sums[j] = std::fmaf(w[r * ld + j], w[r * ld + j], sums[j]);
}

void scale_columns_scalar(float* w, std::size_t rows, std::size_t ld, std::size_t width, const float* factors) {
  for (std::size_t r = 0; r < rows; ++r) {
    float* row = w + r * ld;
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

const RegularizeKernels kScalar = {penalty_scalar, add_column_squares_scalar, scale_columns_scalar,
                                   square_norm_scalar, scale_scalar};

constexpr std::size_t kPenaltyTask = 65536;  // elements per task

// The projection factor c/‖w‖ when ‖w‖ > c, else 1 (NaN norms are left alone).
inline float clip_factor(float square_norm, float c) {
  const float norm = std::sqrt(square_norm);
  return norm > c ? c / norm : 1.0f;
}

}  // namespace

const RegularizeKernels& regularize_kernels(SimdPath path) {
  return select_kernels<RegularizeKernels>(path, {&kScalar, regularize_kernels_avx2(), regularize_kernels_avx512(), regularize_kernels_neon()});
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
  // Columns: two passes over W tile by tile (kMaxNormBandRows x kMaxNormBlockCols), each tile's
  // rows read whole and in order: the first sums every column's squares per tile, the second
  // scales the columns that need clipping. (Walking W a 64-column strip at a time, as before,
  // read rows 16 KiB apart for a 4096-wide W, a new page each, twice per strip: 6.6 ms for
  // 4096 x 4096 at best and 22 ms for whole stretches of a run; 4.1-4.4 ms this way.)
  const std::size_t bands = (rows + kMaxNormBandRows - 1) / kMaxNormBandRows;
  const std::size_t blocks = (cols + kMaxNormBlockCols - 1) / kMaxNormBlockCols;
  std::vector<float> partial(bands * cols, 0.0f);  // one row of column sums per band
  parallel_for(bands * blocks, [&](std::size_t task) {
    const std::size_t band = task / blocks, block = task % blocks;
    const std::size_t r0 = band * kMaxNormBandRows, c0 = block * kMaxNormBlockCols;
    k.add_column_squares(w + r0 * cols + c0, std::min(kMaxNormBandRows, rows - r0), cols,
                         std::min(kMaxNormBlockCols, cols - c0), partial.data() + band * cols + c0);
  });
  // The bands' sums in band order, in double: the same bits for any thread count.
  std::vector<float> factors(cols);
  std::vector<char> block_clipped(blocks, 0);
  std::size_t total = 0;
  for (std::size_t j = 0; j < cols; ++j) {
    double sum = 0.0;
    for (std::size_t band = 0; band < bands; ++band) sum += partial[band * cols + j];
    factors[j] = clip_factor(static_cast<float>(sum), c);
    if (factors[j] != 1.0f) {
      ++total;
      block_clipped[j / kMaxNormBlockCols] = 1;
    }
  }
  if (total == 0) return 0;
  parallel_for(bands * blocks, [&](std::size_t task) {
    const std::size_t band = task / blocks, block = task % blocks;
    if (!block_clipped[block]) return;
    const std::size_t r0 = band * kMaxNormBandRows, c0 = block * kMaxNormBlockCols;
    k.scale_columns(w + r0 * cols + c0, std::min(kMaxNormBandRows, rows - r0), cols,
                    std::min(kMaxNormBlockCols, cols - c0), factors.data() + c0);
  });
  return total;
}

}  // namespace nnkit::kernels
