// exp and log1p for the loss kernels, shared by the scalar twin and the vector paths (vec_math.h
// has the vector exp_neg): all evaluate the same (Cephes-style) polynomials in the same order
// with fused multiply-adds (std::fmaf is correctly rounded like vfmadd), so every path gives the
// same element values.
//
// exp_neg(x) is only ever called with x <= 0 (log-sum-exp subtracts the row maximum, the stable
// sigmoid uses e^{-|f|}). Arguments are clamped at -87, so e^x never goes below e^-87 ≈ 1.6e-38
// (a normal float: no subnormal slow paths, and an absolute error under 2e-38, far below
// anything a float32 loss or gradient can resolve). n = round(x·log2 e) comes from adding
// 1.5·2^23, whose low mantissa bits then hold n: no separate round and convert instructions.
//
// Everything here has internal linkage (the anonymous namespace): the SIMD units include this
// header too, and an inline function with external linkage compiled there could be the copy the
// linker keeps for the scalar path as well: an illegal instruction on a CPU without that ISA.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "cephes_log.h"

namespace nnkit::kernels::loss_math {
namespace {

inline constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// The policy for a row with NaN or ±Infinity (loss.h): a NaN loss and an all-NaN gradient row.
inline float poison_row(std::size_t c, float* grad) {
  if (grad)
    for (std::size_t j = 0; j < c; ++j) grad[j] = kNaN;
  return kNaN;
}

inline constexpr float kExpLow = -87.0f;  // e^x is clamped to e^-87 below this
inline constexpr float kRoundMagic = 12582912.0f;  // 1.5 · 2^23
inline constexpr std::int32_t kRoundMagicBits = 0x4B400000;
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693359375f;  // ln 2 split so n * kLn2Hi is exact
inline constexpr float kLn2Lo = -2.12194440e-4f;
// e^r ≈ 1 + r + r²·P(r) on |r| <= ln2/2 with P of degree 4 (fitted for minimal relative error;
// Cephes' expf uses degree 5). Evaluated in float32 with FMAs it is as accurate as Cephes':
// ~1.4 ulp at most over 3.1 million arguments in [-87, 0] against float64 exp, either way
// (bench/experiments/exp_polynomial.py), with one multiply-add less per exponential.
inline constexpr int kExpTerms = 5;
inline constexpr float kExpP[kExpTerms] = {1.381460461e-3f, 8.368710987e-3f, 4.166838899e-2f, 1.666652113e-1f,
                                           4.999999404e-1f};


// e^x for x <= 0 (NaN in, NaN out).
inline float exp_neg(float x) {
  if (x != x) return x;
  const float xc = x < kExpLow ? kExpLow : x;
  const float t = std::fmaf(xc, kLog2e, kRoundMagic);  // round-to-nearest-even of x·log2 e, in the low bits
  const float n = t - kRoundMagic;
  float r = std::fmaf(n, -kLn2Hi, xc);
  r = std::fmaf(n, -kLn2Lo, r);
  float p = kExpP[0];
  for (int i = 1; i < kExpTerms; ++i) p = std::fmaf(p, r, kExpP[i]);
  const float r2 = r * r;
  float y = std::fmaf(p, r2, r);
  y = y + 1.0f;
  std::int32_t t_bits;
  std::memcpy(&t_bits, &t, sizeof t_bits);
  const std::int32_t bits_i = static_cast<std::int32_t>(static_cast<std::uint32_t>(t_bits - (kRoundMagicBits - 127)) << 23);
  float scale;
  std::memcpy(&scale, &bits_i, sizeof scale);
  return y * scale;
}

// log(w) for w in [1, 2] (here w = 1 + e^{-|f|}).
inline float log_one_two(float w) { return cephes::log_scalar(w); }

// log(1 + u) for u in [0, 1]: log(w) corrected by the rounding of w = 1 + u, accurate also when
// u is far below float epsilon (then w == 1 and the result is u).
inline float log1p_unit(float u) {
  const float w = 1.0f + u;
  const float correction = ((w - 1.0f) - u) / w;
  return log_one_two(w) - correction;
}

// The stable sigmoid cross-entropy needs log(1 + e) and σ(|f|) = 1/(1 + e) for e = e^{−|f|} in
// (0, 1]. With s = e/(2 + e) in [0, 1/3], log(1 + e) = 2·atanh(s) = 2s·(1 + s²/3 + s⁴/5 + …),
// which needs no logarithm, keeps full relative precision for tiny e, and converges fast
// (the first omitted term is below 1.5e-8 relative). Both quotients share one division:
// d = 1/((1 + e)(2 + e)), s = e(1 + e)·d, 1/(1 + e) = (2 + e)·d.
inline constexpr float kAtanhP[7] = {2.0f / 13.0f, 2.0f / 11.0f, 2.0f / 9.0f, 2.0f / 7.0f,
                                     2.0f / 5.0f,  2.0f / 3.0f,  2.0f};

inline void softplus_sigmoid(float e, float* log1p_e, float* sigma_abs) {
  const float w1 = 1.0f + e, w2 = 2.0f + e;
  const float d = 1.0f / (w1 * w2);
  const float s = (e * w1) * d;
  const float z = s * s;
  float p = kAtanhP[0];
  for (int i = 1; i < 7; ++i) p = std::fmaf(p, z, kAtanhP[i]);
  *log1p_e = p * s;
  *sigma_abs = w2 * d;
}

}  // namespace
}  // namespace nnkit::kernels::loss_math
