// Constants shared by the scalar and vector random-number kernels. Both paths evaluate the same
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

// Cephes sinf/cosf minimax polynomials on [-pi/4, pi/4].
inline constexpr float kSinP[3] = {-1.9515295891e-4f, 8.3321608736e-3f, -1.6666654611e-1f};
inline constexpr float kCosP[3] = {2.443315711809948e-5f, -1.388731625493765e-3f, 4.166664568298827e-2f};
inline constexpr float kTwoPi = 6.28318530717958647692f;

}  // namespace nnkit::kernels::rng_math
