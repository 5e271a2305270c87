// Small AVX2 helpers shared by the hand-written *_avx2.cc and *_avx512.cc kernels: the tail mask
// of a partial block of 8, and transposes in registers (8×8, and 4×4 within each 128-bit half).
// Include only from a translation unit compiled with -mavx2 -mfma; everything here has internal
// linkage, so no copy compiled with AVX2 can be handed to code the scalar path runs.
#pragma once

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include <cstddef>

namespace nnkit::kernels {
namespace {

// All-ones in lanes [0, count) (count <= 8), for masked loads and stores of a row's tail.
inline __m256i tail_mask(std::size_t count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// r[i] lane j becomes r[j] lane i.
inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// In each 128-bit half, element j of the i-th argument becomes element i of the j-th: two 4×4
// transposes, no cross-lane shuffle. One shuffle and two blends stand for each pair of
// shuffles (blends run on more ports than shuffles).
inline void transpose4_lanes(__m256& a, __m256& b, __m256& c, __m256& d) {
  const __m256 t0 = _mm256_unpacklo_ps(a, b), t1 = _mm256_unpackhi_ps(a, b);  // a0 b0 a1 b1, a2 b2 a3 b3
  const __m256 t2 = _mm256_unpacklo_ps(c, d), t3 = _mm256_unpackhi_ps(c, d);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x4E), s1 = _mm256_shuffle_ps(t1, t3, 0x4E);  // a1 b1 c0 d0, a3 b3 c2 d2
  a = _mm256_blend_ps(t0, s0, 0xCC);
  b = _mm256_blend_ps(s0, t2, 0xCC);
  c = _mm256_blend_ps(t1, s1, 0xCC);
  d = _mm256_blend_ps(s1, t3, 0xCC);
}

}  // namespace
}  // namespace nnkit::kernels

#endif
