// Vector twins of the scalar math the kernels share (see vec.h): the same operations in the same
// order as cephes_log.h's log_scalar and loss_math.h's exp_neg, so every path returns the same
// floats.
// Include after vec.h, only from *_simd.cc units.
#pragma once

#include "cephes_log.h"
#include "loss_math.h"
#include "vec.h"

#if NNKIT_VEC_AVAILABLE
namespace nnkit::kernels::vec {
namespace {

// Natural logarithm of positive normal floats, twin of cephes::log_scalar, in three steps so that
// callers can walk several independent logarithms side by side (rng_simd.cc's Box-Muller):
// reduce x to m = mantissa − 1 in [√½ − 1, √2 − 1) and exponent e, evaluate the polynomial in m,
// finish.
inline void log_positive_reduce(Vf x, Vf& m, Vf& e) {
  using namespace cephes;
  const Vi bits = bits_of(x);
  Vi exponent = (shr<23>(bits) & set1_i(0xffu)) - set1_i(126u);
  const Vf mantissa = float_of((bits & set1_i(0x007fffffu)) | set1_i(0x3f000000u));  // in [0.5, 1)
  const Mask small = lt(mantissa, set1(kSqrtHalf));
  exponent = minus_one_where(small, exponent);
  const Vf one = set1(1.0f);
  m = select(small, (mantissa + mantissa) - one, mantissa - one);
  e = to_float(exponent);
}

inline Vf log_positive_poly(Vf m) {
  Vf p = set1(cephes::kLogP[0]);
  for (int i = 1; i < 9; ++i) p = fma(p, m, set1(cephes::kLogP[i]));
  return p;
}

inline Vf log_positive_finish(Vf m, Vf e, Vf p) {
  using namespace cephes;
  const Vf z = m * m;
  Vf y = (p * m) * z;
  y = fma(e, set1(kLn2Lo), y);
  y = fma(z, set1(-0.5f), y);
  const Vf r = m + y;
  return fma(e, set1(kLn2Hi), r);
}

inline Vf log_positive(Vf x) {
  Vf m, e;
  log_positive_reduce(x, m, e);
  return log_positive_finish(m, e, log_positive_poly(m));
}

// e^x for x <= 0 (NaN in, NaN out), twin of loss_math::exp_neg: max(low, x) returns x when x
// is NaN (the second operand), like the scalar clamp.
inline Vf exp_neg(Vf x) {
  using namespace loss_math;
  const Vf xc = max(set1(kExpLow), x);
  const Vf magic = set1(kRoundMagic);
  const Vf t = fma(xc, set1(kLog2e), magic);
  const Vf n = t - magic;
  Vf r = fma(n, set1(-kLn2Hi), xc);
  r = fma(n, set1(-kLn2Lo), r);
  Vf p = set1(kExpP[0]);
  for (int i = 1; i < kExpTerms; ++i) p = fma(p, r, set1(kExpP[i]));
  const Vf r2 = r * r;
  Vf y = fma(p, r2, r);
  y = y + set1(1.0f);
  const Vi scale = shl<23>(bits_of(t) - set1_i(static_cast<std::uint32_t>(kRoundMagicBits - 127)));
  return y * float_of(scale);
}

}  // namespace
}  // namespace nnkit::kernels::vec
#endif
