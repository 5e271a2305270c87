// AVX2 column statistics. Same operation order as the scalar twin in stats.cc (row by row per
// column, multiply then add, no FMA), so both paths give bit-identical results; the speed comes
// from 8 columns per instruction and from holding a 4-row group's accumulators in registers.
// Compiled with -mavx2 -mfma; everything but the table accessor has internal linkage.
#include "stats.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include <algorithm>

namespace nnkit::kernels {
namespace {

void shifted_sums_avx2(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const double* shift,
                       double* s1, double* s2) {
  std::fill(s1, s1 + cols, 0.0);
  std::fill(s2, s2 + cols, 0.0);
  const std::size_t vec_cols = cols - cols % 8;
  std::size_t i = 0;
  // Four rows per sweep: the accumulators are loaded and stored once per four rows.
  for (; i + 4 <= rows; i += 4) {
    const float* r0 = x + i * ld;
    for (std::size_t j = 0; j < vec_cols; j += 8) {
      const __m256d k_lo = _mm256_loadu_pd(shift + j), k_hi = _mm256_loadu_pd(shift + j + 4);
      __m256d a_lo = _mm256_loadu_pd(s1 + j), a_hi = _mm256_loadu_pd(s1 + j + 4);
      __m256d b_lo = _mm256_loadu_pd(s2 + j), b_hi = _mm256_loadu_pd(s2 + j + 4);
      for (std::size_t r = 0; r < 4; ++r) {
        const __m256 v = _mm256_loadu_ps(r0 + r * ld + j);
        const __m256d d_lo = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), k_lo);
        const __m256d d_hi = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), k_hi);
        a_lo = _mm256_add_pd(a_lo, d_lo);
        a_hi = _mm256_add_pd(a_hi, d_hi);
        b_lo = _mm256_add_pd(b_lo, _mm256_mul_pd(d_lo, d_lo));
        b_hi = _mm256_add_pd(b_hi, _mm256_mul_pd(d_hi, d_hi));
      }
      _mm256_storeu_pd(s1 + j, a_lo);
      _mm256_storeu_pd(s1 + j + 4, a_hi);
      _mm256_storeu_pd(s2 + j, b_lo);
      _mm256_storeu_pd(s2 + j + 4, b_hi);
    }
    for (std::size_t r = 0; r < 4; ++r) {
      const float* row = r0 + r * ld;
      for (std::size_t j = vec_cols; j < cols; ++j) {
        const double d = static_cast<double>(row[j]) - shift[j];
        s1[j] += d;
        s2[j] += d * d;
      }
    }
  }
  for (; i < rows; ++i) {
    const float* row = x + i * ld;
    for (std::size_t j = 0; j < vec_cols; j += 8) {
      const __m256 v = _mm256_loadu_ps(row + j);
      const __m256d d_lo = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), _mm256_loadu_pd(shift + j));
      const __m256d d_hi = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), _mm256_loadu_pd(shift + j + 4));
      _mm256_storeu_pd(s1 + j, _mm256_add_pd(_mm256_loadu_pd(s1 + j), d_lo));
      _mm256_storeu_pd(s1 + j + 4, _mm256_add_pd(_mm256_loadu_pd(s1 + j + 4), d_hi));
      _mm256_storeu_pd(s2 + j, _mm256_add_pd(_mm256_loadu_pd(s2 + j), _mm256_mul_pd(d_lo, d_lo)));
      _mm256_storeu_pd(s2 + j + 4, _mm256_add_pd(_mm256_loadu_pd(s2 + j + 4), _mm256_mul_pd(d_hi, d_hi)));
    }
    for (std::size_t j = vec_cols; j < cols; ++j) {
      const double d = static_cast<double>(row[j]) - shift[j];
      s1[j] += d;
      s2[j] += d * d;
    }
  }
}

bool min_max_avx2(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, float* mn, float* mx) {
  const std::size_t vec_cols = cols - cols % 8;
  const __m256 zero = _mm256_setzero_ps();
  __m256 poison = zero;  // x * 0 is NaN exactly when x is NaN or infinite
  float poison_tail = 0.0f;
  for (std::size_t j = 0; j < cols; ++j) {
    mn[j] = x[j];
    mx[j] = x[j];
    poison_tail += x[j] * 0.0f;
  }
  // Row by row (contiguous reads); the running min/max of a 256-column tile stay in L1.
  for (std::size_t i = 1; i < rows; ++i) {
    const float* row = x + i * ld;
    for (std::size_t j = 0; j < vec_cols; j += 8) {
      const __m256 v = _mm256_loadu_ps(row + j);
      // min(v, m) returns m when either is NaN (as the scalar twin's v < m ? v : m); the
      // poison sum reports the NaN instead.
      _mm256_storeu_ps(mn + j, _mm256_min_ps(v, _mm256_loadu_ps(mn + j)));
      _mm256_storeu_ps(mx + j, _mm256_max_ps(v, _mm256_loadu_ps(mx + j)));
      poison = _mm256_add_ps(poison, _mm256_mul_ps(v, zero));
    }
    for (std::size_t j = vec_cols; j < cols; ++j) {
      const float v = row[j];
      mn[j] = v < mn[j] ? v : mn[j];
      mx[j] = v > mx[j] ? v : mx[j];
      poison_tail += v * 0.0f;
    }
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, poison);
  for (float v : lanes) poison_tail += v;
  return poison_tail == poison_tail;
}

void affine_avx2(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld, const float* shift,
                 const float* scale, const float* offset) {
  const std::size_t vec_cols = cols - cols % 8;
  for (std::size_t i = 0; i < rows; ++i) {
    const float* in = x + i * ld;
    float* out = y + i * ld;
    for (std::size_t j = 0; j < vec_cols; j += 8) {
      const __m256 centered = _mm256_sub_ps(_mm256_loadu_ps(in + j), _mm256_loadu_ps(shift + j));
      const __m256 scaled = _mm256_mul_ps(centered, _mm256_loadu_ps(scale + j));
      _mm256_storeu_ps(out + j, _mm256_add_ps(scaled, _mm256_loadu_ps(offset + j)));
    }
    for (std::size_t j = vec_cols; j < cols; ++j) {
      const float centered = in[j] - shift[j];
      const float scaled = centered * scale[j];
      out[j] = scaled + offset[j];
    }
  }
}

const StatsKernels kAvx2 = {shifted_sums_avx2, min_max_avx2, affine_avx2};

}  // namespace

const StatsKernels* stats_kernels_avx2() { return &kAvx2; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const StatsKernels* stats_kernels_avx2() { return nullptr; }
}  // namespace nnkit::kernels

#endif
