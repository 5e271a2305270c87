// AVX2 twins of the layer kernels (compiled with -mavx2 -mfma; internal linkage only).
#include "layers.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace nnkit::kernels {
namespace {

void relu_forward_avx2(const float* x, float* out, std::size_t n) {
  const __m256 zero = _mm256_setzero_ps();
  std::size_t i = 0;
  // max(0, x) returns its second operand when the compare 0 > x fails: x itself for NaN and
  // -0, exactly like the scalar `0 > x ? 0 : x`.
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_max_ps(zero, _mm256_loadu_ps(x + i)));
  for (; i < n; ++i) out[i] = 0.0f > x[i] ? 0.0f : x[i];
}

void relu_backward_avx2(const float* dy, const float* x, float* dx, std::size_t n) {
  const __m256 zero = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 positive = _mm256_cmp_ps(_mm256_loadu_ps(x + i), zero, _CMP_GT_OQ);
    _mm256_storeu_ps(dx + i, _mm256_and_ps(positive, _mm256_loadu_ps(dy + i)));
  }
  for (; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

void column_sums_avx2(const float* a, std::size_t rows, std::size_t cols, std::size_t lda, double* acc) {
  for (std::size_t i = 0; i < rows; ++i, a += lda) {
    std::size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const __m256 v = _mm256_loadu_ps(a + j);
      const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
      const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
      _mm256_storeu_pd(acc + j, _mm256_add_pd(_mm256_loadu_pd(acc + j), lo));
      _mm256_storeu_pd(acc + j + 4, _mm256_add_pd(_mm256_loadu_pd(acc + j + 4), hi));
    }
    for (; j < cols; ++j) acc[j] += static_cast<double>(a[j]);
  }
}

const LayerKernels kAvx2 = {relu_forward_avx2, relu_backward_avx2, column_sums_avx2};

}  // namespace

const LayerKernels* layer_kernels_avx2() { return &kAvx2; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const LayerKernels* layer_kernels_avx2() { return nullptr; }
}  // namespace nnkit::kernels

#endif
