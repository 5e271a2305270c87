// AVX2/FMA twins of the regularization kernels. Unaligned loads, scalar tails. Compiled with
// -mavx2 -mfma; everything but the table accessor has internal linkage.
#include "regularize.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include <cmath>

#include "simd_avx2.h"

namespace nnkit::kernels {
namespace {

template <bool WithGrad>
void penalty_body(const float* w, std::size_t n, float a1, float a2, float* grad, float* abs_sum, float* square_sum) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 zero = _mm256_setzero_ps();
  const __m256 va1 = _mm256_set1_ps(a1), vneg_a1 = _mm256_set1_ps(-a1), va2 = _mm256_set1_ps(a2);
  __m256 sa0 = zero, sa1 = zero, sq0 = zero, sq1 = zero;
  std::size_t i = 0;
  auto step = [&](std::size_t at, __m256& sa, __m256& sq) {
    const __m256 x = _mm256_loadu_ps(w + at);
    sa = _mm256_add_ps(sa, _mm256_and_ps(x, abs_mask));
    sq = _mm256_fmadd_ps(x, x, sq);
    if (WithGrad) {
      // a1·sign(x): +a1 where x > 0, −a1 where x < 0, 0 at ±0.
      const __m256 signed_a1 = _mm256_or_ps(_mm256_and_ps(_mm256_cmp_ps(x, zero, _CMP_GT_OQ), va1),
                                            _mm256_and_ps(_mm256_cmp_ps(x, zero, _CMP_LT_OQ), vneg_a1));
      const __m256 g = _mm256_loadu_ps(grad + at);
      _mm256_storeu_ps(grad + at, _mm256_add_ps(g, _mm256_fmadd_ps(va2, x, signed_a1)));
    }
  };
  for (; i + 16 <= n; i += 16) {
    step(i, sa0, sq0);
    step(i + 8, sa1, sq1);
  }
  if (i + 8 <= n) {
    step(i, sa0, sq0);
    i += 8;
  }
  float sa = hsum(_mm256_add_ps(sa0, sa1)), sq = hsum(_mm256_add_ps(sq0, sq1));
  for (; i < n; ++i) {
    const float x = w[i];
    sa += std::fabs(x);
    sq += x * x;
    if (WithGrad) {
      const float sign = x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f);
      grad[i] = grad[i] + (a1 * sign + a2 * x);
    }
  }
  *abs_sum = sa;
  *square_sum = sq;
}

void penalty_avx2(const float* w, std::size_t n, float a1, float a2, float* grad, float* abs_sum, float* square_sum) {
  if (grad)
    penalty_body<true>(w, n, a1, a2, grad, abs_sum, square_sum);
  else
    penalty_body<false>(w, n, a1, a2, grad, abs_sum, square_sum);
}

// Four rows at a time: their squares are summed in registers, then added to the sums (which
// stay in L1: at most kMaxNormBlockCols floats), so the sums are loaded and stored once per
// four rows. The same order as the scalar twin, which takes the last width % 8 columns.
void add_column_squares_avx2(const float* w, std::size_t rows, std::size_t ld, std::size_t width, float* sums) {
  const std::size_t vec = width / 8 * 8;
  std::size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float *w0 = w + r * ld, *w1 = w0 + ld, *w2 = w1 + ld, *w3 = w2 + ld;
    for (std::size_t j = 0; j < vec; j += 8) {
      const __m256 x0 = _mm256_loadu_ps(w0 + j), x1 = _mm256_loadu_ps(w1 + j);
      const __m256 x2 = _mm256_loadu_ps(w2 + j), x3 = _mm256_loadu_ps(w3 + j);
      __m256 t = _mm256_mul_ps(x0, x0);
      t = _mm256_fmadd_ps(x1, x1, t);
      t = _mm256_fmadd_ps(x2, x2, t);
      t = _mm256_fmadd_ps(x3, x3, t);
      _mm256_storeu_ps(sums + j, _mm256_add_ps(_mm256_loadu_ps(sums + j), t));
    }
  }
  for (; r < rows; ++r) {
    const float* row = w + r * ld;
    for (std::size_t j = 0; j < vec; j += 8) {
      const __m256 x = _mm256_loadu_ps(row + j);
      _mm256_storeu_ps(sums + j, _mm256_fmadd_ps(x, x, _mm256_loadu_ps(sums + j)));
    }
  }
  if (vec < width) regularize_kernels_scalar().add_column_squares(w + vec, rows, ld, width - vec, sums + vec);
}

void scale_columns_avx2(float* w, std::size_t rows, std::size_t ld, std::size_t width, const float* factors) {
  const std::size_t vec = width / 8 * 8;
  for (std::size_t r = 0; r < rows; ++r) {
    float* row = w + r * ld;
    for (std::size_t j = 0; j < vec; j += 8)
      _mm256_storeu_ps(row + j, _mm256_mul_ps(_mm256_loadu_ps(row + j), _mm256_loadu_ps(factors + j)));
  }
  if (vec < width) regularize_kernels_scalar().scale_columns(w + vec, rows, ld, width - vec, factors + vec);
}

float square_norm_avx2(const float* x, std::size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    s0 = _mm256_fmadd_ps(a, a, s0);
    s1 = _mm256_fmadd_ps(b, b, s1);
  }
  if (i + 8 <= n) {
    const __m256 a = _mm256_loadu_ps(x + i);
    s0 = _mm256_fmadd_ps(a, a, s0);
    i += 8;
  }
  float s = hsum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) s += x[i] * x[i];
  return s;
}

void scale_avx2(float* x, std::size_t n, float s) {
  const __m256 vs = _mm256_set1_ps(s);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vs));
  for (; i < n; ++i) x[i] *= s;
}

const RegularizeKernels kAvx2 = {penalty_avx2, add_column_squares_avx2, scale_columns_avx2, square_norm_avx2,
                                 scale_avx2};

}  // namespace

const RegularizeKernels* regularize_kernels_avx2() { return &kAvx2; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const RegularizeKernels* regularize_kernels_avx2() { return nullptr; }
}  // namespace nnkit::kernels

#endif
