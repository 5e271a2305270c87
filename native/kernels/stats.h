// Column statistics and per-column affine transforms: the kernels behind the fitted scalers
// (Standardizer, RangeScaler) and PCA's mean.
//
// Moments are accumulated in float64 around a shift (the first row of each row block), so data
// with a large offset (pixel values 0-255, sensor readings near 1e4) loses no precision to
// cancellation: each block yields (mean, M2) and blocks are combined in a fixed order with the
// Chan-Golub-LeVeque update. Work is split into fixed-size tiles (kStatsRowBlock rows x
// kStatsColBlock columns), never by thread count, so every result is identical for any number
// of threads. Inputs are row-major with a leading dimension (JS memory: 4-byte alignment only,
// unaligned loads, explicit tails).
#pragma once

#include <cstddef>

#include "cpu.h"

namespace nnkit::kernels {

inline constexpr std::size_t kStatsRowBlock = 1024;
inline constexpr std::size_t kStatsColBlock = 256;

struct StatsKernels {
  // For rows [0, rows) and columns [0, cols): s1[j] = sum_i d, s2[j] = sum_i d*d with
  // d = double(x[i*ld + j]) - shift[j]. Overwrites s1 and s2.
  void (*shifted_sums)(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const double* shift,
                       double* s1, double* s2);
  // mn[j] / mx[j] = min / max over the rows (overwritten; rows >= 1). Returns false when any
  // value is NaN or infinite (min/max instructions would silently skip a NaN).
  bool (*min_max)(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, float* mn, float* mx);
  // y[i*ld + j] = (x[i*ld + j] - shift[j]) * scale[j] + offset[j], a multiply then an add (no
  // fused multiply-add, so every path gives the same bits). y may equal x (in place).
  void (*affine)(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld, const float* shift,
                 const float* scale, const float* offset);
  // affine that also watches its input (one more operation per vector, no extra pass): returns
  // false when any x is NaN or infinite. y is written either way.
  bool (*affine_checked)(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld,
                         const float* shift, const float* scale, const float* offset);
  // The first i in [0, n) whose x[i] is NaN or infinite, or n. Reads only.
  std::size_t (*first_nonfinite)(const float* x, std::size_t n);
  // y[i*cols + j] = float(double(x[i*ld + j]) - mean[j]): centering in float64, rounded once
  // (every path gives the same bits). y is dense (ld = cols) and does not overlap x.
  void (*center)(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld, const double* mean);
};

// Built from stats_simd.cc once per vector target; nullptr where the build or compiler lacks it.
const StatsKernels* stats_kernels_avx2();
const StatsKernels* stats_kernels_avx512();
const StatsKernels* stats_kernels_neon();
const StatsKernels& stats_kernels(SimdPath path);

// Per-column mean and M2 = sum (x - mean)^2 of a rows x cols row-major matrix (rows >= 1), in
// float64. Returns false when the data holds NaN or infinities (the results are then
// meaningless; find_nonfinite says where).
bool column_moments(SimdPath path, const float* x, std::size_t rows, std::size_t cols, double* mean, double* m2);
bool column_moments(const float* x, std::size_t rows, std::size_t cols, double* mean, double* m2);

// Per-column min and max (rows >= 1). Returns false on NaN or infinities, as column_moments.
bool column_min_max(SimdPath path, const float* x, std::size_t rows, std::size_t cols, float* mn, float* mx);
bool column_min_max(const float* x, std::size_t rows, std::size_t cols, float* mn, float* mx);

// y = (x - shift) * scale + offset per column, over rows x cols; y == x transforms in place.
void column_affine(SimdPath path, const float* x, float* y, std::size_t rows, std::size_t cols, const float* shift,
                   const float* scale, const float* offset);
void column_affine(const float* x, float* y, std::size_t rows, std::size_t cols, const float* shift,
                   const float* scale, const float* offset);

// What the finite checks below return when every value is finite.
inline constexpr std::size_t kAllFinite = static_cast<std::size_t>(-1);

// column_affine, checking x on the way: returns kAllFinite, or the row-major index of the first
// NaN or infinite x. The check rides in the same pass, so y has been written (partly or wholly)
// when it fails: for outputs nobody else sees yet (a new array, a private copy, scratch).
std::size_t column_affine_checked(SimdPath path, const float* x, float* y, std::size_t rows, std::size_t cols,
                                  const float* shift, const float* scale, const float* offset);
std::size_t column_affine_checked(const float* x, float* y, std::size_t rows, std::size_t cols, const float* shift,
                                  const float* scale, const float* offset);

// The index of the first NaN or infinite value of x[0, n), or kAllFinite: the read-only scan
// made before a transform that must write nothing when its input is rejected (in place, or
// into the caller's buffer). Parallel; the answer does not depend on the thread count.
std::size_t find_nonfinite(SimdPath path, const float* x, std::size_t n);
std::size_t find_nonfinite(const float* x, std::size_t n);

// y = x − mean per column in float64, rounded once (the covariance's centering), in parallel.
void center_columns(SimdPath path, const float* x, float* y, std::size_t rows, std::size_t cols, const double* mean);
void center_columns(const float* x, float* y, std::size_t rows, std::size_t cols, const double* mean);

// Chan-Golub-LeVeque: merges (n_b, mean_b, m2_b) into (n_a, mean_a, m2_a) per column, in place.
void merge_moments(double n_a, double* mean_a, double* m2_a, double n_b, const double* mean_b, const double* m2_b,
                   std::size_t cols);

}  // namespace nnkit::kernels
