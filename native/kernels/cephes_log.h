// The natural logarithm shared by the random-number and loss kernels: Cephes logf (frexp to
// m in [sqrt(1/2), sqrt(2)), a degree-8 polynomial in m − 1), as a scalar function; its vector
// twin is vec_math.h's log_positive. Both evaluate the same operations in the same order with
// fused multiply-adds (std::fmaf is correctly rounded like vfmadd), so every path returns
// identical floats — the RNG's bit-identity across SIMD paths depends on it.
//
// Valid for positive normal floats (the callers pass (0, 1] and [1, 2]). Everything here has
// internal linkage: a SIMD translation unit that includes this header must not hand the linker
// a copy of the scalar function compiled with -mavx2 or -mavx512f.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>


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


}  // namespace
}  // namespace nnkit::kernels::cephes
