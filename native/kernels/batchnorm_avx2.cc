// AVX2 twins of the batch-normalization tile kernels (compiled with -mavx2 -mfma; internal
// linkage only). The same operations in the same order as the scalar twins (no FMA
// contraction), so both paths give bit-identical results.
#include "batchnorm.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace nnkit::kernels {
namespace {

inline __m256d low_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
inline __m256d high_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }

void moments_avx2(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const float* shift,
                  double* s1, double* s2) {
  for (std::size_t i = 0; i < rows; ++i, x += ld) {
    std::size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const __m256 v = _mm256_loadu_ps(x + j), s = _mm256_loadu_ps(shift + j);
      const __m256d d0 = _mm256_sub_pd(low_pd(v), low_pd(s));
      const __m256d d1 = _mm256_sub_pd(high_pd(v), high_pd(s));
      _mm256_storeu_pd(s1 + j, _mm256_add_pd(_mm256_loadu_pd(s1 + j), d0));
      _mm256_storeu_pd(s1 + j + 4, _mm256_add_pd(_mm256_loadu_pd(s1 + j + 4), d1));
      _mm256_storeu_pd(s2 + j, _mm256_add_pd(_mm256_loadu_pd(s2 + j), _mm256_mul_pd(d0, d0)));
      _mm256_storeu_pd(s2 + j + 4, _mm256_add_pd(_mm256_loadu_pd(s2 + j + 4), _mm256_mul_pd(d1, d1)));
    }
    for (; j < cols; ++j) {
      const double d = static_cast<double>(x[j]) - static_cast<double>(shift[j]);
      s1[j] += d;
      s2[j] += d * d;
    }
  }
}

void affine_avx2(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const float* mean,
                 const float* scale, const float* offset, float* y) {
  for (std::size_t i = 0; i < rows; ++i, x += ld, y += ld) {
    std::size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const __m256 centered = _mm256_sub_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(mean + j));
      _mm256_storeu_ps(y + j, _mm256_add_ps(_mm256_mul_ps(centered, _mm256_loadu_ps(scale + j)),
                                            _mm256_loadu_ps(offset + j)));
    }
    for (; j < cols; ++j) y[j] = (x[j] - mean[j]) * scale[j] + offset[j];
  }
}

void backward_sums_avx2(const float* dy, const float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                        const float* mean, double* sdy, double* sdyx) {
  for (std::size_t i = 0; i < rows; ++i, x += ld, dy += ld) {
    std::size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const __m256 g = _mm256_loadu_ps(dy + j), v = _mm256_loadu_ps(x + j), m = _mm256_loadu_ps(mean + j);
      const __m256d g0 = low_pd(g), g1 = high_pd(g);
      const __m256d c0 = _mm256_sub_pd(low_pd(v), low_pd(m)), c1 = _mm256_sub_pd(high_pd(v), high_pd(m));
      _mm256_storeu_pd(sdy + j, _mm256_add_pd(_mm256_loadu_pd(sdy + j), g0));
      _mm256_storeu_pd(sdy + j + 4, _mm256_add_pd(_mm256_loadu_pd(sdy + j + 4), g1));
      _mm256_storeu_pd(sdyx + j, _mm256_add_pd(_mm256_loadu_pd(sdyx + j), _mm256_mul_pd(g0, c0)));
      _mm256_storeu_pd(sdyx + j + 4, _mm256_add_pd(_mm256_loadu_pd(sdyx + j + 4), _mm256_mul_pd(g1, c1)));
    }
    for (; j < cols; ++j) {
      const double g = static_cast<double>(dy[j]);
      sdy[j] += g;
      sdyx[j] += g * (static_cast<double>(x[j]) - static_cast<double>(mean[j]));
    }
  }
}

void backward_dx_avx2(const float* dy, const float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                      const float* mean, const float* a, const float* b, const float* c, float* dx) {
  for (std::size_t i = 0; i < rows; ++i, x += ld, dy += ld, dx += ld) {
    std::size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const __m256 centered = _mm256_sub_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(mean + j));
      const __m256 upstream =
          _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(dy + j), _mm256_loadu_ps(b + j)), _mm256_loadu_ps(c + j));
      _mm256_storeu_ps(dx + j, _mm256_add_ps(_mm256_mul_ps(centered, _mm256_loadu_ps(a + j)), upstream));
    }
    for (; j < cols; ++j) dx[j] = (x[j] - mean[j]) * a[j] + (dy[j] * b[j] + c[j]);
  }
}

const BatchNormKernels kAvx2 = {moments_avx2, affine_avx2, backward_sums_avx2, backward_dx_avx2};

}  // namespace

const BatchNormKernels* batchnorm_kernels_avx2() { return &kAvx2; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const BatchNormKernels* batchnorm_kernels_avx2() { return nullptr; }
}  // namespace nnkit::kernels

#endif
