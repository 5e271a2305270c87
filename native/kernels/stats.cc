// Scalar twin of the column-statistics kernels, and the parallel drivers that tile the work,
// combine block moments with Chan's update and reject non-finite data.
#include "stats.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "error.h"
#include "parallel.h"

namespace nnkit::kernels {
namespace {

void shifted_sums_scalar(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const double* shift,
                         double* s1, double* s2) {
  std::fill(s1, s1 + cols, 0.0);
  std::fill(s2, s2 + cols, 0.0);
  for (std::size_t i = 0; i < rows; ++i) {
    const float* row = x + i * ld;
    for (std::size_t j = 0; j < cols; ++j) {
      const double d = static_cast<double>(row[j]) - shift[j];
      s1[j] += d;
      s2[j] += d * d;
    }
  }
}

bool min_max_scalar(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, float* mn, float* mx) {
  float poison = 0.0f;  // stays 0 unless some x * 0 is NaN, i.e. x is NaN or infinite
  for (std::size_t j = 0; j < cols; ++j) {
    mn[j] = x[j];
    mx[j] = x[j];
    poison += x[j] * 0.0f;
  }
  for (std::size_t i = 1; i < rows; ++i) {
    const float* row = x + i * ld;
    for (std::size_t j = 0; j < cols; ++j) {
      const float v = row[j];
      mn[j] = v < mn[j] ? v : mn[j];
      mx[j] = v > mx[j] ? v : mx[j];
      poison += v * 0.0f;
    }
  }
  return poison == poison;
}

// The affine transform; with kCheck it also folds v · 0 of every input into `poison` (0 for
// finite v, NaN for NaN and ±Inf) and reports whether it stayed a number (as affine_impl in
// stats_simd.cc).
template <bool kCheck>
bool affine_scalar_impl(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld,
                        const float* shift, const float* scale, const float* offset) {
  float poison = 0.0f;
  for (std::size_t i = 0; i < rows; ++i) {
    const float* in = x + i * ld;
    float* out = y + i * ld;
    for (std::size_t j = 0; j < cols; ++j) {
      const float v = in[j];
      if constexpr (kCheck) poison += v * 0.0f;
      const float centered = v - shift[j];
      const float scaled = centered * scale[j];
      out[j] = scaled + offset[j];
    }
  }
  return poison == poison;
}

void affine_scalar(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld, const float* shift,
                   const float* scale, const float* offset) {
  affine_scalar_impl<false>(x, y, rows, cols, ld, shift, scale, offset);
}

bool affine_checked_scalar(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld,
                           const float* shift, const float* scale, const float* offset) {
  return affine_scalar_impl<true>(x, y, rows, cols, ld, shift, scale, offset);
}

std::size_t first_nonfinite_scalar(const float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return i;
  return n;
}

void center_scalar(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld, const double* mean) {
  for (std::size_t i = 0; i < rows; ++i, x += ld, y += cols)
    for (std::size_t j = 0; j < cols; ++j) y[j] = static_cast<float>(static_cast<double>(x[j]) - mean[j]);
}

const StatsKernels kScalar = {shifted_sums_scalar,   min_max_scalar,          affine_scalar,
                               affine_checked_scalar, first_nonfinite_scalar, center_scalar};

std::size_t blocks(std::size_t n, std::size_t block) { return (n + block - 1) / block; }

}  // namespace

const StatsKernels& stats_kernels(SimdPath path) {
  return select_kernels<StatsKernels>(path, {&kScalar, stats_kernels_avx2(), stats_kernels_avx512(), stats_kernels_neon()});
}

void merge_moments(double n_a, double* mean_a, double* m2_a, double n_b, const double* mean_b, const double* m2_b,
                   std::size_t cols) {
  if (n_b == 0) return;
  if (n_a == 0) {
    std::copy(mean_b, mean_b + cols, mean_a);
    std::copy(m2_b, m2_b + cols, m2_a);
    return;
  }
  const double n = n_a + n_b;
  const double weight_b = n_b / n;
  const double cross = n_a * n_b / n;
  for (std::size_t j = 0; j < cols; ++j) {
    const double delta = mean_b[j] - mean_a[j];
    mean_a[j] += delta * weight_b;
    m2_a[j] += m2_b[j] + delta * delta * cross;
  }
}

bool column_moments(SimdPath path, const float* x, std::size_t rows, std::size_t cols, double* mean, double* m2) {
  if (rows == 0 || cols == 0) {
    std::fill(mean, mean + cols, 0.0);
    std::fill(m2, m2 + cols, 0.0);
    return true;
  }
  const StatsKernels& k = stats_kernels(path);
  const std::size_t row_blocks = blocks(rows, kStatsRowBlock);
  const std::size_t col_blocks = blocks(cols, kStatsColBlock);
  // Block results live in the caller's arrays for block 0 and in a scratch of
  // (row_blocks - 1) x cols for the others: O(N / 1024 x D), never N x D.
  std::vector<double> part_mean((row_blocks - 1) * cols), part_m2((row_blocks - 1) * cols);
  parallel_for(row_blocks * col_blocks, [&](std::size_t task) {
    const std::size_t rb = task / col_blocks, cb = task % col_blocks;
    const std::size_t r0 = rb * kStatsRowBlock, c0 = cb * kStatsColBlock;
    const std::size_t nr = std::min(kStatsRowBlock, rows - r0), nc = std::min(kStatsColBlock, cols - c0);
    const float* tile = x + r0 * cols + c0;
    double shift[kStatsColBlock], s1[kStatsColBlock], s2[kStatsColBlock];
    for (std::size_t j = 0; j < nc; ++j) shift[j] = tile[j];
    k.shifted_sums(tile, nr, nc, cols, shift, s1, s2);
    double* out_mean = rb == 0 ? mean + c0 : part_mean.data() + (rb - 1) * cols + c0;
    double* out_m2 = rb == 0 ? m2 + c0 : part_m2.data() + (rb - 1) * cols + c0;
    const double count = static_cast<double>(nr);
    for (std::size_t j = 0; j < nc; ++j) {
      const double offset = s1[j] / count;
      out_mean[j] = shift[j] + offset;
      out_m2[j] = std::max(0.0, s2[j] - s1[j] * offset);  // rounding can leave -0.0000x
    }
  });
  // Row blocks merge in order, column blocks in parallel: the same result for any thread count.
  std::atomic<bool> finite{true};
  parallel_for(col_blocks, [&](std::size_t cb) {
    const std::size_t c0 = cb * kStatsColBlock, nc = std::min(kStatsColBlock, cols - c0);
    double n_a = static_cast<double>(std::min(kStatsRowBlock, rows));
    for (std::size_t rb = 1; rb < row_blocks; ++rb) {
      const double n_b = static_cast<double>(std::min(kStatsRowBlock, rows - rb * kStatsRowBlock));
      merge_moments(n_a, mean + c0, m2 + c0, n_b, part_mean.data() + (rb - 1) * cols + c0,
                    part_m2.data() + (rb - 1) * cols + c0, nc);
      n_a += n_b;
    }
    for (std::size_t j = c0; j < c0 + nc; ++j)
      if (!std::isfinite(mean[j]) || !std::isfinite(m2[j])) finite.store(false, std::memory_order_relaxed);
  });
  return finite.load();
}

bool column_min_max(SimdPath path, const float* x, std::size_t rows, std::size_t cols, float* mn, float* mx) {
  if (rows == 0 || cols == 0) return true;
  const StatsKernels& k = stats_kernels(path);
  const std::size_t row_blocks = blocks(rows, kStatsRowBlock);
  const std::size_t col_blocks = blocks(cols, kStatsColBlock);
  std::vector<float> part_mn((row_blocks - 1) * cols), part_mx((row_blocks - 1) * cols);
  std::atomic<bool> finite{true};
  parallel_for(row_blocks * col_blocks, [&](std::size_t task) {
    const std::size_t rb = task / col_blocks, cb = task % col_blocks;
    const std::size_t r0 = rb * kStatsRowBlock, c0 = cb * kStatsColBlock;
    const std::size_t nr = std::min(kStatsRowBlock, rows - r0), nc = std::min(kStatsColBlock, cols - c0);
    float* out_mn = rb == 0 ? mn + c0 : part_mn.data() + (rb - 1) * cols + c0;
    float* out_mx = rb == 0 ? mx + c0 : part_mx.data() + (rb - 1) * cols + c0;
    if (!k.min_max(x + r0 * cols + c0, nr, nc, cols, out_mn, out_mx)) finite.store(false, std::memory_order_relaxed);
  });
  if (!finite.load()) return false;
  for (std::size_t rb = 1; rb < row_blocks; ++rb) {
    const float* pmn = part_mn.data() + (rb - 1) * cols;
    const float* pmx = part_mx.data() + (rb - 1) * cols;
    for (std::size_t j = 0; j < cols; ++j) {
      mn[j] = std::min(mn[j], pmn[j]);
      mx[j] = std::max(mx[j], pmx[j]);
    }
  }
  return true;
}

void column_affine(SimdPath path, const float* x, float* y, std::size_t rows, std::size_t cols, const float* shift,
                   const float* scale, const float* offset) {
  if (rows == 0 || cols == 0) return;
  const StatsKernels& k = stats_kernels(path);
  // About 64 Ki elements per task; elementwise, so the split never changes a bit.
  const std::size_t rows_per_task = std::max<std::size_t>(1, (std::size_t{1} << 16) / cols);
  parallel_for(blocks(rows, rows_per_task), [&](std::size_t task) {
    const std::size_t r0 = task * rows_per_task, nr = std::min(rows_per_task, rows - r0);
    k.affine(x + r0 * cols, y + r0 * cols, nr, cols, cols, shift, scale, offset);
  });
}

std::size_t column_affine_checked(SimdPath path, const float* x, float* y, std::size_t rows, std::size_t cols,
                                  const float* shift, const float* scale, const float* offset) {
  if (rows == 0 || cols == 0) return kAllFinite;
  const StatsKernels& k = stats_kernels(path);
  const std::size_t rows_per_task = std::max<std::size_t>(1, (std::size_t{1} << 16) / cols);
  const std::size_t tasks = blocks(rows, rows_per_task);
  std::vector<std::size_t> first(tasks, kAllFinite);  // per task: no shared write, no race
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t r0 = task * rows_per_task, nr = std::min(rows_per_task, rows - r0);
    if (!k.affine_checked(x + r0 * cols, y + r0 * cols, nr, cols, cols, shift, scale, offset))
      first[task] = r0 * cols + k.first_nonfinite(x + r0 * cols, nr * cols);
  });
  for (std::size_t f : first)
    if (f != kAllFinite) return f;  // tasks cover the rows in order: the first failing task has the first index
  return kAllFinite;
}

std::size_t find_nonfinite(SimdPath path, const float* x, std::size_t n) {
  if (n == 0) return kAllFinite;
  const StatsKernels& k = stats_kernels(path);
  // Up to 1 MiB the scan stays on the calling thread: it reads at tens of GB/s from cache, less
  // time than waking the pool (a batch of 128 × 784 scans in ~10 µs).
  constexpr std::size_t kSerial = std::size_t{1} << 18;
  if (n <= kSerial) {
    const std::size_t i = k.first_nonfinite(x, n);
    return i < n ? i : kAllFinite;
  }
  constexpr std::size_t kPerTask = std::size_t{1} << 16;
  const std::size_t tasks = blocks(n, kPerTask);
  std::vector<std::size_t> first(tasks, kAllFinite);
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t begin = task * kPerTask, count = std::min(kPerTask, n - begin);
    const std::size_t i = k.first_nonfinite(x + begin, count);
    if (i < count) first[task] = begin + i;
  });
  for (std::size_t f : first)
    if (f != kAllFinite) return f;
  return kAllFinite;
}

void center_columns(SimdPath path, const float* x, float* y, std::size_t rows, std::size_t cols, const double* mean) {
  if (rows == 0 || cols == 0) return;
  const StatsKernels& k = stats_kernels(path);
  const std::size_t rows_per_task = std::max<std::size_t>(1, (std::size_t{1} << 16) / cols);
  parallel_for(blocks(rows, rows_per_task), [&](std::size_t task) {
    const std::size_t r0 = task * rows_per_task, nr = std::min(rows_per_task, rows - r0);
    k.center(x + r0 * cols, y + r0 * cols, nr, cols, cols, mean);
  });
}

bool column_moments(const float* x, std::size_t rows, std::size_t cols, double* mean, double* m2) {
  return column_moments(active_simd_path(), x, rows, cols, mean, m2);
}
void center_columns(const float* x, float* y, std::size_t rows, std::size_t cols, const double* mean) {
  center_columns(active_simd_path(), x, y, rows, cols, mean);
}
bool column_min_max(const float* x, std::size_t rows, std::size_t cols, float* mn, float* mx) {
  return column_min_max(active_simd_path(), x, rows, cols, mn, mx);
}
void column_affine(const float* x, float* y, std::size_t rows, std::size_t cols, const float* shift,
                   const float* scale, const float* offset) {
  column_affine(active_simd_path(), x, y, rows, cols, shift, scale, offset);
}
std::size_t column_affine_checked(const float* x, float* y, std::size_t rows, std::size_t cols, const float* shift,
                                  const float* scale, const float* offset) {
  return column_affine_checked(active_simd_path(), x, y, rows, cols, shift, scale, offset);
}
std::size_t find_nonfinite(const float* x, std::size_t n) { return find_nonfinite(active_simd_path(), x, n); }

}  // namespace nnkit::kernels
