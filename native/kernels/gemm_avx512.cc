// AVX-512 GEMM micro-kernel: a 12 x 32 tile of C in 24 ZMM accumulators, two loads of B and
// twelve broadcasts of A per step of k (24 FMAs per step: both 512-bit FMA units of an Intel
// server core, or Zen 5's, stay busy; 32 registers leave room for the operands). Edges are
// stored with write masks, so a partial tile needs no spill. And the packing of A into 12-row
// slivers, with 8- and 4-float moves. Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl
// (and -mavx2 -mfma); internal linkage but for the table accessor.
#include "gemm.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && \
    defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include "simd_avx2.h"

namespace nnkit::kernels {
namespace {

constexpr std::size_t kMR = 12, kNR = 32;

// The write mask of lanes [0, count) of a 16-lane vector, count clamped to [0, 16].
inline __mmask16 lanes(std::size_t count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << count) - 1u);
}

// The tile with kV of the two 16-column halves: kV = 1 serves a last sliver at most 16 columns
// wide (the packed sliver is still 32 floats per step; its zero half is skipped), so a product
// with 110 columns — the randomized SVD's k + oversample — computes 112 of them, not 128. Each
// element sees the same fused multiply-adds in the same order either way: the same bits.
template <int kV>
inline void micro_tile(std::size_t k, const float* a, const float* b, float* c, std::size_t ldc, float alpha,
                       float beta, std::size_t m_valid, std::size_t n_valid) {
  // The C tile is touched only after k steps; ask for its lines now so they arrive meanwhile.
  for (std::size_t i = 0; i < m_valid; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    if (kV == 2) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 31), _MM_HINT_T0);
  }
  __m512 acc[kMR][kV];
#pragma GCC unroll 12
  for (std::size_t i = 0; i < kMR; ++i)
    for (int v = 0; v < kV; ++v) acc[i][v] = _mm512_setzero_ps();
  for (std::size_t p = 0; p < k; ++p, a += kMR, b += kNR) {
    __m512 bv[kV];
    for (int v = 0; v < kV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 12
    for (std::size_t i = 0; i < kMR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
      for (int v = 0; v < kV; ++v) acc[i][v] = _mm512_fmadd_ps(av, bv[v], acc[i][v]);
    }
  }
  const __m512 valpha = _mm512_set1_ps(alpha);
  const __mmask16 mask[2] = {lanes(n_valid), lanes(n_valid > 16 ? n_valid - 16 : 0)};
  if (beta == 0.0f) {
#pragma GCC unroll 12
    for (std::size_t i = 0; i < kMR; ++i) {
      if (i >= m_valid) break;
      float* ci = c + i * ldc;
      for (int v = 0; v < kV; ++v) _mm512_mask_storeu_ps(ci + 16 * v, mask[v], _mm512_mul_ps(valpha, acc[i][v]));
    }
    return;
  }
  const __m512 vbeta = _mm512_set1_ps(beta);
#pragma GCC unroll 12
  for (std::size_t i = 0; i < kMR; ++i) {
    if (i >= m_valid) break;
    float* ci = c + i * ldc;
    for (int v = 0; v < kV; ++v) {
      const __m512 cv = _mm512_maskz_loadu_ps(mask[v], ci + 16 * v);
      _mm512_mask_storeu_ps(ci + 16 * v, mask[v], _mm512_fmadd_ps(valpha, acc[i][v], _mm512_mul_ps(vbeta, cv)));
    }
  }
}

void micro_avx512_12x32(std::size_t k, const float* a, const float* b, float* c, std::size_t ldc, float alpha,
                        float beta, std::size_t m_valid, std::size_t n_valid) {
  if (n_valid <= 16)
    micro_tile<1>(k, a, b, c, ldc, alpha, beta, m_valid, n_valid);
  else
    micro_tile<2>(k, a, b, c, ldc, alpha, beta, m_valid, n_valid);
}

// The scalar packer's layout for 12-row slivers. The packed values are copies (with kCenter,
// (v − shift) + offset as the scalar packer computes them), so the result is bit-identical to
// pack_a_scalar(12, ...). Nothing is written outside the slivers.
template <bool kCenter>
void pack_a_avx512_impl(bool trans_a, const float* a, std::size_t lda, std::size_t row0, std::size_t mc,
                        std::size_t p0, std::size_t kc, float* dst, GemmCentering center) {
  const std::size_t full = mc / kMR * kMR;
  if (trans_a) {
    // op(A)(r, p) = A[p][r]: step p of every sliver is 12 consecutive floats of A's row p0 + p,
    // read in order, one row after the other (sliver by sliver would touch a new page per step).
    // Those are A's columns row0 + ir.., centered by 12 consecutive shifts.
    for (std::size_t p = 0; p < kc; ++p) {
      const float* src = a + (p0 + p) * lda + row0;
      for (std::size_t ir = 0; ir < full; ir += kMR) {
        float* d = dst + ir * kc + p * kMR;
        __m256 v0 = _mm256_loadu_ps(src + ir);
        __m128 v1 = _mm_loadu_ps(src + ir + 8);
        if constexpr (kCenter) {
          const float *sh = center.shift + row0 + ir, *off = center.offset + row0 + ir;
          v0 = _mm256_add_ps(_mm256_sub_ps(v0, _mm256_loadu_ps(sh)), _mm256_loadu_ps(off));
          v1 = _mm_add_ps(_mm_sub_ps(v1, _mm_loadu_ps(sh + 8)), _mm_loadu_ps(off + 8));
        }
        _mm256_storeu_ps(d, v0);
        _mm_storeu_ps(d + 8, v1);
      }
    }
  } else {
    // Rows 0-7 and 8-11 of a sliver, 8 steps of k at a time, transposed in registers: vector q
    // of each group then holds step p + q of its rows, A's column p0 + p + q (one shift).
    for (std::size_t ir = 0; ir < full; ir += kMR) {
      float* sliver = dst + ir * kc;
      const float* src = a + (row0 + ir) * lda + p0;
      std::size_t p = 0;
      for (; p + 8 <= kc; p += 8) {
        __m256 lo[8], hi[8];
        for (int i = 0; i < 8; ++i) lo[i] = _mm256_loadu_ps(src + i * lda + p);
        for (int i = 0; i < 4; ++i) hi[i] = _mm256_loadu_ps(src + (8 + i) * lda + p);
        hi[4] = hi[5] = hi[6] = hi[7] = _mm256_setzero_ps();
        transpose8(lo);
        transpose8(hi);
        for (int q = 0; q < 8; ++q) {
          if constexpr (kCenter) {
            const __m256 sh = _mm256_set1_ps(center.shift[p0 + p + q]), off = _mm256_set1_ps(center.offset[p0 + p + q]);
            lo[q] = _mm256_add_ps(_mm256_sub_ps(lo[q], sh), off);
            hi[q] = _mm256_add_ps(_mm256_sub_ps(hi[q], sh), off);
          }
          float* d = sliver + (p + q) * kMR;
          _mm256_storeu_ps(d, lo[q]);
          _mm_storeu_ps(d + 8, _mm256_castps256_ps128(hi[q]));
        }
      }
      for (; p < kc; ++p)
        for (std::size_t i = 0; i < kMR; ++i) {
          const float v = src[i * lda + p];
          sliver[p * kMR + i] = kCenter ? (v - center.shift[p0 + p]) + center.offset[p0 + p] : v;
        }
    }
  }
  if (full < mc) pack_a_scalar(kMR, trans_a, a, lda, row0 + full, mc - full, p0, kc, dst + full * kc, center);
}

// Blocking, measured on AMD Zen 5 (2 cores; sgemm 1024³-2048³, medians): kc = 512 and mc = 144
// gave 392-428 GFLOPS against 322-396 for the AVX2 kernel's 256 x 120 (with kc = 192: 322-374).
// Deep k-blocks matter more than a B sliver that fits L1: each k-block reads and writes all of
// C once, and the 64 KiB sliver (512 x 32) streams from L2 at two loads per 24 FMAs. The A
// block (144 x 512, 288 KiB) sits in L2; thin products use 24 x 4096 A blocks.
const GemmKernels kAvx512 = {"avx512_12x32", micro_avx512_12x32,
                             pack_a_either<pack_a_avx512_impl<false>, pack_a_avx512_impl<true>>,
                             kMR, kNR, 512, 144, 4096, 256, 24, 4096};

}  // namespace

const GemmKernels* gemm_kernels_avx512() { return &kAvx512; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const GemmKernels* gemm_kernels_avx512() { return nullptr; }
}  // namespace nnkit::kernels

#endif
