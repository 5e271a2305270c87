// exp and log1p for the loss kernels, shared by the scalar twin and the AVX2 path: both evaluate
// the same Cephes polynomials in the same order with fused multiply-adds (std::fmaf is correctly
// rounded like vfmadd), so the two paths give the same element values.
//
// exp_neg(x) is only ever called with x <= 0 (log-sum-exp subtracts the row maximum, the stable
// sigmoid uses e^{-|f|}), which keeps 2^n inside the normal range and lets the kernel flush
// arguments below -87 to an exact 0 instead of a subnormal.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace nnkit::kernels::loss_math {

inline constexpr float kExpLow = -87.0f;  // below this e^x < 1.7e-38: flushed to 0
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693359375f;  // ln 2 split so n * kLn2Hi is exact
inline constexpr float kLn2Lo = -2.12194440e-4f;
inline constexpr float kExpP[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                   4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

// Cephes logf: frexp to m in [sqrt(1/2), sqrt(2)), a degree-8 polynomial in m - 1.
inline constexpr float kSqrtHalf = 0.707106781186547524f;
inline constexpr float kLogP[9] = {7.0376836292e-2f,  -1.1514610310e-1f, 1.1676998740e-1f,
                                   -1.2420140846e-1f, 1.4249322787e-1f,  -1.6668057665e-1f,
                                   2.0000714765e-1f,  -2.4999993993e-1f, 3.3333331174e-1f};

// e^x for x <= 0 (NaN in, NaN out).
inline float exp_neg(float x) {
  if (x != x) return x;  // keeps the float-to-int conversion below defined
  const bool underflow = x < kExpLow;
  const float xc = x < kExpLow ? kExpLow : x;
  const float n = std::nearbyintf(xc * kLog2e);
  float r = std::fmaf(n, -kLn2Hi, xc);
  r = std::fmaf(n, -kLn2Lo, r);
  float p = kExpP[0];
  for (int i = 1; i < 6; ++i) p = std::fmaf(p, r, kExpP[i]);
  const float r2 = r * r;
  float y = std::fmaf(p, r2, r);
  y = y + 1.0f;
  const std::int32_t bits_i = (static_cast<std::int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits_i, sizeof scale);
  y = y * scale;
  return underflow ? 0.0f : y;
}

// log(w) for w in [1, 2] (here w = 1 + e^{-|f|}).
inline float log_one_two(float w) {
  std::uint32_t bits;
  std::memcpy(&bits, &w, sizeof bits);
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

// log(1 + u) for u in [0, 1]: log(w) corrected by the rounding of w = 1 + u, accurate also when
// u is far below float epsilon (then w == 1 and the result is u).
inline float log1p_unit(float u) {
  const float w = 1.0f + u;
  const float correction = ((w - 1.0f) - u) / w;
  return log_one_two(w) - correction;
}

// The same given w = 1 + u and inv = 1 / w, which the sigmoid needs anyway: one division per
// element instead of two.
inline float log1p_unit(float u, float w, float inv) {
  const float correction = ((w - 1.0f) - u) * inv;
  return log_one_two(w) - correction;
}

}  // namespace nnkit::kernels::loss_math
