// AVX2/FMA GEMM micro-kernel: a 6 x 16 tile of C in 12 YMM accumulators, one broadcast of A and
// two loads of B per step of k (the classic Haswell shape: 12 FMAs per 3 loads keeps both FMA
// ports busy); and the packing of A, 8 floats at a time. Compiled with -mavx2 -mfma; internal
// linkage but for the table accessor.
#include "gemm.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include "simd_avx2.h"

namespace nnkit::kernels {
namespace {

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

// The scalar packer's layout, 8 floats per store: a step of k is stored as a full vector whose
// last two lanes spill into the next step (or, for a sliver's last step, into the next sliver
// or the kGemmPackSlack floats), overwritten when that is stored. The packed values are
// copies (with kCenter, (v − shift) + offset as the scalar packer computes them), so the result
// is bit-identical to the scalar packer's.
template <bool kCenter>
void pack_a_avx2_impl(bool trans_a, const float* a, std::size_t lda, std::size_t row0, std::size_t mc, std::size_t p0,
                      std::size_t kc, float* dst, GemmCentering center) {
  const std::size_t full = mc / 6 * 6;
  const __m256i six = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
  if (trans_a) {
    // op(A)(r, p) = A[p][r]: step p of every sliver comes from row p0 + p of A, read once and
    // in order (reading it sliver by sliver would touch a new page per step of k). Four steps
    // at a time: rows p..p+3 give a sliver 24 consecutive floats, built from the rows' six-float
    // pieces with lane permutes and blends and stored as three whole vectors. Packing a
    // 120 x 256 block from A with lda = 3072 took ~12 µs with one 8-float store per step
    // (overlapping the next step's) even with the block already in L2, ~4.4 µs this way
    // (~16 and ~13 µs from memory); the transposed product Aᵀ·Y of a 50000 x 3072 A and 110
    // columns, bit-identical, ~5% faster (pairs of runs alternated on this VM: 4–21%).
    // A full-width load reads two floats past a sliver's six (rows p..p+2: inside A, rows are
    // lda >= row0 + mc apart and row p+3 follows) or, for row p+3, two floats before them
    // (inside A: row p+2 precedes).
    const __m256i take01 = _mm256_setr_epi32(0, 0, 0, 0, 0, 0, 0, 1);  // lanes 6, 7 ← floats 0, 1
    const __m256i take2345 = _mm256_setr_epi32(2, 3, 4, 5, 0, 0, 0, 0);  // lanes 0-3 ← floats 2-5
    const __m256i take0123 = _mm256_setr_epi32(0, 0, 0, 0, 0, 1, 2, 3);  // lanes 4-7 ← floats 0-3
    const __m256i take45 = _mm256_setr_epi32(4, 5, 0, 0, 0, 0, 0, 0);  // lanes 0, 1 ← floats 4, 5
    // Centering: a sliver's six shifts and offsets (A's columns row0 + ir..), loaded masked so
    // nothing outside [row0 + ir, row0 + ir + 6) of them is read; in lanes 0-5 for rows p..p+2,
    // moved to lanes 2-7 for row p+3, which was loaded two floats early.
    const __m256i late = _mm256_setr_epi32(0, 0, 0, 1, 2, 3, 4, 5);  // lanes 2-7 ← lanes 0-5
    const auto shift_at = [&](std::size_t ir) { return _mm256_maskload_ps(center.shift + row0 + ir, six); };
    const auto offset_at = [&](std::size_t ir) { return _mm256_maskload_ps(center.offset + row0 + ir, six); };
    const auto centered = [](__m256 v, __m256 sh, __m256 off) { return _mm256_add_ps(_mm256_sub_ps(v, sh), off); };
    std::size_t p = 0;
    for (; p + 4 <= kc; p += 4) {
      const float* s0 = a + (p0 + p) * lda + row0;
      const float* s1 = s0 + lda;
      const float* s2 = s1 + lda;
      const float* s3 = s2 + lda;
      for (std::size_t ir = 0; ir < full; ir += 6) {
        float* d = dst + ir * kc + p * 6;
        __m256 r0 = _mm256_loadu_ps(s0 + ir), r1 = _mm256_loadu_ps(s1 + ir);
        __m256 r2 = _mm256_loadu_ps(s2 + ir), r3 = _mm256_loadu_ps(s3 + ir - 2);  // r3: lanes 2-7
        if constexpr (kCenter) {
          const __m256 sh = shift_at(ir), off = offset_at(ir);
          r0 = centered(r0, sh, off);
          r1 = centered(r1, sh, off);
          r2 = centered(r2, sh, off);
          r3 = centered(r3, _mm256_permutevar8x32_ps(sh, late), _mm256_permutevar8x32_ps(off, late));
        }
        _mm256_storeu_ps(d, _mm256_blend_ps(r0, _mm256_permutevar8x32_ps(r1, take01), 0xC0));
        _mm256_storeu_ps(d + 8, _mm256_blend_ps(_mm256_permutevar8x32_ps(r1, take2345),
                                                _mm256_permutevar8x32_ps(r2, take0123), 0xF0));
        _mm256_storeu_ps(d + 16, _mm256_blend_ps(_mm256_permutevar8x32_ps(r2, take45), r3, 0xFC));
      }
    }
    // The last kc % 4 steps one at a time, each stored as a full vector whose two extra lanes
    // the next step overwrites; the very last step is loaded and stored masked: its spill
    // would land on the next sliver's first step, written before it.
    for (; p < kc; ++p) {
      const float* src = a + (p0 + p) * lda + row0;
      for (std::size_t ir = 0; ir < full; ir += 6) {
        __m256 v = p + 1 < kc ? _mm256_loadu_ps(src + ir) : _mm256_maskload_ps(src + ir, six);
        if constexpr (kCenter) v = centered(v, shift_at(ir), offset_at(ir));
        if (p + 1 < kc)
          _mm256_storeu_ps(dst + ir * kc + p * 6, v);
        else
          _mm256_maskstore_ps(dst + ir * kc + p * 6, six, v);
      }
    }
  } else {
    for (std::size_t ir = 0; ir < full; ir += 6) {
      float* sliver = dst + ir * kc;
      const float* src = a + (row0 + ir) * lda + p0;
      std::size_t p = 0;
      for (; p + 8 <= kc; p += 8) {
        __m256 r[8];
        for (int i = 0; i < 6; ++i) r[i] = _mm256_loadu_ps(src + i * lda + p);
        r[6] = r[7] = _mm256_setzero_ps();
        transpose8(r);  // r[q] lane i = row i, depth p + q (A's column p0 + p + q)
        for (int q = 0; q < 8; ++q) {
          if constexpr (kCenter)
            r[q] = _mm256_add_ps(_mm256_sub_ps(r[q], _mm256_set1_ps(center.shift[p0 + p + q])),
                                 _mm256_set1_ps(center.offset[p0 + p + q]));
          _mm256_storeu_ps(sliver + (p + q) * 6, r[q]);
        }
      }
      for (; p < kc; ++p)
        for (std::size_t i = 0; i < 6; ++i) {
          const float v = src[i * lda + p];
          sliver[p * 6 + i] = kCenter ? (v - center.shift[p0 + p]) + center.offset[p0 + p] : v;
        }
    }
  }
  if (full < mc) pack_a_scalar(6, trans_a, a, lda, row0 + full, mc - full, p0, kc, dst + full * kc, center);
}

// The scalar kernel's blocking: a 16 KiB B sliver in L1, a 120 KiB A block in L2.
const GemmKernels kAvx2 = {"avx2_6x16", micro_avx2_6x16, pack_a_either<pack_a_avx2_impl<false>, pack_a_avx2_impl<true>>,
                           6, 16, 256, 120, 4096, 256, 24, 4096};

}  // namespace

const GemmKernels* gemm_kernels_avx2() { return &kAvx2; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const GemmKernels* gemm_kernels_avx2() { return nullptr; }
}  // namespace nnkit::kernels

#endif
