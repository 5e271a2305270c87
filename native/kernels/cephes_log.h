// The natural logarithm shared by the random-number and loss kernels: Cephes logf (frexp to
// m in [sqrt(1/2), sqrt(2)), a degree-8 polynomial in m − 1), as a scalar function and its AVX2
// twin. Both evaluate the same operations in the same order with fused multiply-adds
// (std::fmaf is correctly rounded like vfmadd), so the two paths return identical floats — the
// RNG's bit-identity across SIMD paths depends on it.
//
// Valid for positive normal floats (the callers pass (0, 1] and [1, 2]). Everything here has
// internal linkage: an AVX2 translation unit that includes this header must not hand the
// linker a copy of the scalar function compiled with -mavx2.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace nnkit::kernels::cephes {
namespace {

inline constexpr float kSqrtHalf = 0.707106781186547524f;
inline constexpr float kLogP[9] = {7.0376836292e-2f,  -1.1514610310e-1f, 1.1676998740e-1f,
                                   -1.2420140846e-1f, 1.4249322787e-1f,  -1.6668057665e-1f,
                                   2.0000714765e-1f,  -2.4999993993e-1f, 3.3333331174e-1f};
inline constexpr float kLn2Hi = 0.693359375f;  // ln 2 split so e * kLn2Hi is exact
inline constexpr float kLn2Lo = -2.12194440e-4f;

inline float log_scalar(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int exponent = static_cast<int>((bits >> 23) & 0xffu) - 126;
  bits = (bits & 0x007fffffu) | 0x3f000000u;  // mantissa in [0.5, 1)
  float m;
  std::memcpy(&m, &bits, sizeof m);
  if (m < kSqrtHalf) {
    exponent -= 1;
    m = (m + m) - 1.0f;
  } else {
    m = m - 1.0f;
  }
  const float z = m * m;
  float p = kLogP[0];
  for (int i = 1; i < 9; ++i) p = std::fmaf(p, m, kLogP[i]);
  float y = (p * m) * z;
  const float e = static_cast<float>(exponent);
  y = std::fmaf(e, kLn2Lo, y);
  y = std::fmaf(z, -0.5f, y);
  const float r = m + y;
  return std::fmaf(e, kLn2Hi, r);
}

#if defined(__AVX2__) && defined(__FMA__)
inline __m256 log_avx2(__m256 x) {
  const __m256i bits = _mm256_castps_si256(x);
  __m256i exponent = _mm256_sub_epi32(_mm256_and_si256(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(0xff)),
                                      _mm256_set1_epi32(126));
  __m256 m = _mm256_castsi256_ps(
      _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f000000)));
  const __m256 small = _mm256_cmp_ps(m, _mm256_set1_ps(kSqrtHalf), _CMP_LT_OQ);
  // exponent − 1 where small: the compare mask is all ones (−1) in those lanes.
  exponent = _mm256_add_epi32(exponent, _mm256_castps_si256(small));
  const __m256 one = _mm256_set1_ps(1.0f);
  m = _mm256_blendv_ps(_mm256_sub_ps(m, one), _mm256_sub_ps(_mm256_add_ps(m, m), one), small);
  const __m256 z = _mm256_mul_ps(m, m);
  __m256 p = _mm256_set1_ps(kLogP[0]);
  for (int i = 1; i < 9; ++i) p = _mm256_fmadd_ps(p, m, _mm256_set1_ps(kLogP[i]));
  __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, m), z);
  const __m256 e = _mm256_cvtepi32_ps(exponent);
  y = _mm256_fmadd_ps(e, _mm256_set1_ps(kLn2Lo), y);
  y = _mm256_fmadd_ps(z, _mm256_set1_ps(-0.5f), y);
  const __m256 r = _mm256_add_ps(m, y);
  return _mm256_fmadd_ps(e, _mm256_set1_ps(kLn2Hi), r);
}
#endif

}  // namespace
}  // namespace nnkit::kernels::cephes
