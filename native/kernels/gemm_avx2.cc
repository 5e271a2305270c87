// AVX2/FMA GEMM micro-kernel: a 6 x 16 tile of C in 12 YMM accumulators, one broadcast of A and
// two loads of B per step of k (the classic Haswell shape: 12 FMAs per 3 loads keeps both FMA
// ports busy). Compiled with -mavx2 -mfma; internal linkage but for the table accessor.
#include "gemm.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace nnkit::kernels {
namespace {

static_assert(kGemmMR == 6 && kGemmNR == 16, "the register tile below is 6 x 16");

void micro_avx2_6x16(std::size_t k, const float* a, const float* b, float* c, std::size_t ldc, float alpha,
                     float beta, std::size_t m_valid, std::size_t n_valid) {
  // The C tile is touched only after k steps; ask for its lines now so they arrive meanwhile.
  for (std::size_t i = 0; i < m_valid; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 15), _MM_HINT_T0);
  }
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (std::size_t p = 0; p < k; ++p, a += 6, b += 16) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    __m256 av = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
  }
  const __m256 valpha = _mm256_set1_ps(alpha);
  const __m256 rows[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (m_valid == 6 && n_valid == 16) {
    if (beta == 0.0f) {
      for (int i = 0; i < 6; ++i) {
        float* ci = c + i * ldc;
        _mm256_storeu_ps(ci, _mm256_mul_ps(valpha, rows[i][0]));
        _mm256_storeu_ps(ci + 8, _mm256_mul_ps(valpha, rows[i][1]));
      }
      return;
    }
    const __m256 vbeta = _mm256_set1_ps(beta);
    for (int i = 0; i < 6; ++i) {
      float* ci = c + i * ldc;
      _mm256_storeu_ps(ci, _mm256_fmadd_ps(valpha, rows[i][0], _mm256_mul_ps(vbeta, _mm256_loadu_ps(ci))));
      _mm256_storeu_ps(ci + 8, _mm256_fmadd_ps(valpha, rows[i][1], _mm256_mul_ps(vbeta, _mm256_loadu_ps(ci + 8))));
    }
    return;
  }
  // Edge tile: spill to a local tile and touch only the valid part of C.
  alignas(32) float tile[6][16];
  for (int i = 0; i < 6; ++i) {
    _mm256_store_ps(tile[i], _mm256_mul_ps(valpha, rows[i][0]));
    _mm256_store_ps(tile[i] + 8, _mm256_mul_ps(valpha, rows[i][1]));
  }
  for (std::size_t i = 0; i < m_valid; ++i)
    for (std::size_t j = 0; j < n_valid; ++j)
      c[i * ldc + j] = beta == 0.0f ? tile[i][j] : tile[i][j] + beta * c[i * ldc + j];
}

const GemmKernels kAvx2 = {"avx2_6x16", micro_avx2_6x16};

}  // namespace

const GemmKernels* gemm_kernels_avx2() { return &kAvx2; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const GemmKernels* gemm_kernels_avx2() { return nullptr; }
}  // namespace nnkit::kernels

#endif
