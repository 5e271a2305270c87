// Constants shared by the scalar and AVX2 random-number kernels. Both paths evaluate the same
// polynomials in the same order with fused multiply-adds (std::fmaf is correctly rounded, like
// vfmadd), which is what makes their outputs bit-identical.
#pragma once

#include <cstdint>

namespace nnkit::kernels::rng_math {

inline constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u;
inline constexpr std::uint32_t kPhiloxM1 = 0xCD9E8D57u;
inline constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u;
inline constexpr std::uint32_t kPhiloxW1 = 0xBB67AE85u;

inline constexpr float kTwoPow24Inv = 5.9604644775390625e-8f;  // 2^-24

// Cephes logf on (0, 1]: frexp to m in [sqrt(1/2), sqrt(2)), a degree-8 polynomial in m - 1.
inline constexpr float kSqrtHalf = 0.707106781186547524f;
inline constexpr float kLogP[9] = {7.0376836292e-2f,  -1.1514610310e-1f, 1.1676998740e-1f,
                                   -1.2420140846e-1f, 1.4249322787e-1f,  -1.6668057665e-1f,
                                   2.0000714765e-1f,  -2.4999993993e-1f, 3.3333331174e-1f};
inline constexpr float kLogC1 = -2.12194440e-4f;
inline constexpr float kLogC2 = 0.693359375f;

// Cephes sinf/cosf minimax polynomials on [-pi/4, pi/4].
inline constexpr float kSinP[3] = {-1.9515295891e-4f, 8.3321608736e-3f, -1.6666654611e-1f};
inline constexpr float kCosP[3] = {2.443315711809948e-5f, -1.388731625493765e-3f, 4.166664568298827e-2f};
inline constexpr float kTwoPi = 6.28318530717958647692f;

}  // namespace nnkit::kernels::rng_math
