// AVX2 twins of the batch-normalization tile kernels (compiled with -mavx2 -mfma; internal
// linkage only). The same operations in the same order as the scalar twins (no FMA
// contraction), so both paths give bit-identical results.
#include "batchnorm.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include <algorithm>

namespace nnkit::kernels {
namespace {

inline __m256d low_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
inline __m256d high_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }

// Adds a float32 block sum to 8 float64 accumulators.
inline void accumulate(double* acc, __m256 block_sum) {
  _mm256_storeu_pd(acc, _mm256_add_pd(_mm256_loadu_pd(acc), low_pd(block_sum)));
  _mm256_storeu_pd(acc + 4, _mm256_add_pd(_mm256_loadu_pd(acc + 4), high_pd(block_sum)));
}

void moments_avx2(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const float* shift,
                  double* s1, double* s2) {
  for (std::size_t i0 = 0; i0 < rows; i0 += kBatchNormRowBlock) {
    const std::size_t block = std::min(kBatchNormRowBlock, rows - i0);
    const float* rows_x = x + i0 * ld;
    std::size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const __m256 s = _mm256_loadu_ps(shift + j);
      __m256 sum = _mm256_setzero_ps(), squares = _mm256_setzero_ps();
      for (std::size_t r = 0; r < block; ++r) {
        const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(rows_x + r * ld + j), s);
        sum = _mm256_add_ps(sum, d);
        squares = _mm256_add_ps(squares, _mm256_mul_ps(d, d));
      }
      accumulate(s1 + j, sum);
      accumulate(s2 + j, squares);
    }
    for (; j < cols; ++j) {
      float sum = 0.0f, squares = 0.0f;
      for (std::size_t r = 0; r < block; ++r) {
        const float d = rows_x[r * ld + j] - shift[j];
        sum = sum + d;
        squares = squares + d * d;
      }
      s1[j] += static_cast<double>(sum);
      s2[j] += static_cast<double>(squares);
    }
  }
}

// Stores 8 floats at a 16-byte aligned address without reading the line first.
template <bool Stream>
inline void store8(float* dst, __m256 v) {
  if (Stream) {
    _mm_stream_ps(dst, _mm256_castps256_ps128(v));
    _mm_stream_ps(dst + 4, _mm256_extractf128_ps(v, 1));
  } else {
    _mm256_storeu_ps(dst, v);
  }
}

template <bool Stream>
void affine_impl(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const float* mean,
                 const float* scale, const float* offset, float* y) {
  for (std::size_t i = 0; i < rows; ++i, x += ld, y += ld) {
    std::size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const __m256 centered = _mm256_sub_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(mean + j));
      store8<Stream>(y + j, _mm256_add_ps(_mm256_mul_ps(centered, _mm256_loadu_ps(scale + j)),
                                          _mm256_loadu_ps(offset + j)));
    }
    for (; j < cols; ++j) y[j] = (x[j] - mean[j]) * scale[j] + offset[j];
  }
}

void affine_avx2(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const float* mean,
                 const float* scale, const float* offset, float* y, bool stream) {
  if (stream) {
    affine_impl<true>(x, rows, cols, ld, mean, scale, offset, y);
    _mm_sfence();  // order the streamed stores before the task reports completion
  } else {
    affine_impl<false>(x, rows, cols, ld, mean, scale, offset, y);
  }
}

void backward_sums_avx2(const float* dy, const float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                        const float* mean, double* sdy, double* sdyx) {
  for (std::size_t i0 = 0; i0 < rows; i0 += kBatchNormRowBlock) {
    const std::size_t block = std::min(kBatchNormRowBlock, rows - i0);
    const float* rows_x = x + i0 * ld;
    const float* rows_dy = dy + i0 * ld;
    std::size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const __m256 m = _mm256_loadu_ps(mean + j);
      __m256 sum = _mm256_setzero_ps(), products = _mm256_setzero_ps();
      for (std::size_t r = 0; r < block; ++r) {
        const __m256 g = _mm256_loadu_ps(rows_dy + r * ld + j);
        sum = _mm256_add_ps(sum, g);
        products = _mm256_add_ps(products, _mm256_mul_ps(g, _mm256_sub_ps(_mm256_loadu_ps(rows_x + r * ld + j), m)));
      }
      accumulate(sdy + j, sum);
      accumulate(sdyx + j, products);
    }
    for (; j < cols; ++j) {
      float sum = 0.0f, products = 0.0f;
      for (std::size_t r = 0; r < block; ++r) {
        const float g = rows_dy[r * ld + j];
        sum = sum + g;
        products = products + g * (rows_x[r * ld + j] - mean[j]);
      }
      sdy[j] += static_cast<double>(sum);
      sdyx[j] += static_cast<double>(products);
    }
  }
}

template <bool Stream>
void backward_dx_impl(const float* dy, const float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                      const float* mean, const float* a, const float* b, const float* c, float* dx) {
  for (std::size_t i = 0; i < rows; ++i, x += ld, dy += ld, dx += ld) {
    std::size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      const __m256 centered = _mm256_sub_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(mean + j));
      const __m256 upstream =
          _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(dy + j), _mm256_loadu_ps(b + j)), _mm256_loadu_ps(c + j));
      store8<Stream>(dx + j, _mm256_add_ps(_mm256_mul_ps(centered, _mm256_loadu_ps(a + j)), upstream));
    }
    for (; j < cols; ++j) dx[j] = (x[j] - mean[j]) * a[j] + (dy[j] * b[j] + c[j]);
  }
}

void backward_dx_avx2(const float* dy, const float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                      const float* mean, const float* a, const float* b, const float* c, float* dx, bool stream) {
  if (stream) {
    backward_dx_impl<true>(dy, x, rows, cols, ld, mean, a, b, c, dx);
    _mm_sfence();
  } else {
    backward_dx_impl<false>(dy, x, rows, cols, ld, mean, a, b, c, dx);
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
