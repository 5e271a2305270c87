// The vector layer (see vec.h) for arm64 NEON (Advanced SIMD, part of every AArch64 CPU): 8
// floats per Vf as a pair of 128-bit registers, so the lane layouts the kernels share with the
// x86 targets (8 Philox blocks per chunk, 32-bit dropout mask words) hold as they are, and each
// operation issues two independent instructions.
//
// NEON's own min/max return NaN when either operand is NaN; min/max here are compare-and-select
// so they keep the x86 semantics the scalar twins are written to (the second operand on NaN).
#pragma once

#define NNKIT_VEC_TARGET neon

#if defined(__aarch64__) && defined(__ARM_NEON)
#define NNKIT_VEC_AVAILABLE 1
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cpu.h"

namespace nnkit::kernels::vec {
namespace {

inline constexpr SimdPath kPath = SimdPath::neon;  // the path this unit's tables serve
inline constexpr std::size_t kLanes = 8;

struct Vf {
  float32x4_t lo, hi;
};
struct Vi {
  uint32x4_t lo, hi;
};
struct Vd {
  float64x2_t a, b;  // lanes 0-1, 2-3
};
struct Mask {
  uint32x4_t lo, hi;  // all ones in the lanes where it holds
};

// --- floats ---
inline Vf load(const float* p) { return {vld1q_f32(p), vld1q_f32(p + 4)}; }
inline void store(float* p, Vf a) {
  vst1q_f32(p, a.lo);
  vst1q_f32(p + 4, a.hi);
}
// NEON has no masked loads or stores: the tail goes through a buffer, so nothing outside
// [p, p + n) is read or written.
inline Vf load_first(const float* p, std::size_t n) {
  float buffer[8] = {};
  std::memcpy(buffer, p, (n < 8 ? n : 8) * sizeof(float));
  return load(buffer);
}
inline void store_first(float* p, Vf a, std::size_t n) {
  float buffer[8];
  store(buffer, a);
  std::memcpy(p, buffer, (n < 8 ? n : 8) * sizeof(float));
}
inline void stream(float* p, Vf a) { store(p, a); }  // no non-temporal stores worth having here
inline void stream_fence() {}
inline void store_groups(float* p, std::size_t /*stride*/, Vf a, std::size_t /*groups*/) { store(p, a); }

inline Vf set1(float x) { return {vdupq_n_f32(x), vdupq_n_f32(x)}; }
inline Vf zero() { return set1(0.0f); }
inline Vf operator+(Vf a, Vf b) { return {vaddq_f32(a.lo, b.lo), vaddq_f32(a.hi, b.hi)}; }
inline Vf operator-(Vf a, Vf b) { return {vsubq_f32(a.lo, b.lo), vsubq_f32(a.hi, b.hi)}; }
inline Vf operator*(Vf a, Vf b) { return {vmulq_f32(a.lo, b.lo), vmulq_f32(a.hi, b.hi)}; }
inline Vf operator/(Vf a, Vf b) { return {vdivq_f32(a.lo, b.lo), vdivq_f32(a.hi, b.hi)}; }
inline Vf fma(Vf a, Vf b, Vf c) { return {vfmaq_f32(c.lo, a.lo, b.lo), vfmaq_f32(c.hi, a.hi, b.hi)}; }
inline Vf min(Vf a, Vf b) {  // a < b ? a : b
  return {vbslq_f32(vcltq_f32(a.lo, b.lo), a.lo, b.lo), vbslq_f32(vcltq_f32(a.hi, b.hi), a.hi, b.hi)};
}
inline Vf max(Vf a, Vf b) {  // a > b ? a : b
  return {vbslq_f32(vcgtq_f32(a.lo, b.lo), a.lo, b.lo), vbslq_f32(vcgtq_f32(a.hi, b.hi), a.hi, b.hi)};
}
inline Vf sqrt(Vf a) { return {vsqrtq_f32(a.lo), vsqrtq_f32(a.hi)}; }
inline Vf abs(Vf a) { return {vabsq_f32(a.lo), vabsq_f32(a.hi)}; }
inline Vf neg(Vf a) { return {vnegq_f32(a.lo), vnegq_f32(a.hi)}; }
inline Vf round_nearest(Vf a) { return {vrndnq_f32(a.lo), vrndnq_f32(a.hi)}; }

inline Mask lt(Vf a, Vf b) { return {vcltq_f32(a.lo, b.lo), vcltq_f32(a.hi, b.hi)}; }
inline Mask gt(Vf a, Vf b) { return {vcgtq_f32(a.lo, b.lo), vcgtq_f32(a.hi, b.hi)}; }
inline Mask ge(Vf a, Vf b) { return {vcgeq_f32(a.lo, b.lo), vcgeq_f32(a.hi, b.hi)}; }
inline Mask le(Vf a, Vf b) { return {vcleq_f32(a.lo, b.lo), vcleq_f32(a.hi, b.hi)}; }
inline Mask eq(Vf a, Vf b) { return {vceqq_f32(a.lo, b.lo), vceqq_f32(a.hi, b.hi)}; }
inline Mask operator&(Mask a, Mask b) { return {vandq_u32(a.lo, b.lo), vandq_u32(a.hi, b.hi)}; }
inline Mask operator|(Mask a, Mask b) { return {vorrq_u32(a.lo, b.lo), vorrq_u32(a.hi, b.hi)}; }
inline Mask operator~(Mask a) { return {vmvnq_u32(a.lo), vmvnq_u32(a.hi)}; }
inline Mask lanes_first(std::size_t n) {
  static const std::uint32_t kIndex[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  const uint32x4_t limit = vdupq_n_u32(static_cast<std::uint32_t>(n < 8 ? n : 8));
  return {vcltq_u32(vld1q_u32(kIndex), limit), vcltq_u32(vld1q_u32(kIndex + 4), limit)};
}
inline bool all_of(Mask m) { return vminvq_u32(vandq_u32(m.lo, m.hi)) == 0xffffffffu; }
inline Vf select(Mask m, Vf a, Vf b) { return {vbslq_f32(m.lo, a.lo, b.lo), vbslq_f32(m.hi, a.hi, b.hi)}; }
inline Vf keep(Mask m, Vf a) {
  return {vreinterpretq_f32_u32(vandq_u32(m.lo, vreinterpretq_u32_f32(a.lo))),
          vreinterpretq_f32_u32(vandq_u32(m.hi, vreinterpretq_u32_f32(a.hi)))};
}
inline std::uint32_t mask_bits(Mask m) {
  static const std::uint32_t kBits[8] = {1, 2, 4, 8, 16, 32, 64, 128};
  return vaddvq_u32(vandq_u32(m.lo, vld1q_u32(kBits))) | vaddvq_u32(vandq_u32(m.hi, vld1q_u32(kBits + 4)));
}
inline Mask mask_from_bits(std::uint32_t bits) {
  static const std::uint32_t kBits[8] = {1, 2, 4, 8, 16, 32, 64, 128};
  const uint32x4_t b = vdupq_n_u32(bits);
  return {vtstq_u32(b, vld1q_u32(kBits)), vtstq_u32(b, vld1q_u32(kBits + 4))};
}

inline float hsum(Vf a) { return vaddvq_f32(vaddq_f32(a.lo, a.hi)); }
inline float hmax(Vf a) { return vmaxvq_f32(vmaxq_f32(a.lo, a.hi)); }
inline float hmin(Vf a) { return vminvq_f32(vminq_f32(a.lo, a.hi)); }

// --- doubles ---
inline constexpr std::size_t kLanesD = 4;
inline Vd load_d(const double* p) { return {vld1q_f64(p), vld1q_f64(p + 2)}; }
inline void store_d(double* p, Vd a) {
  vst1q_f64(p, a.a);
  vst1q_f64(p + 2, a.b);
}
inline Vd operator+(Vd x, Vd y) { return {vaddq_f64(x.a, y.a), vaddq_f64(x.b, y.b)}; }
inline Vd operator-(Vd x, Vd y) { return {vsubq_f64(x.a, y.a), vsubq_f64(x.b, y.b)}; }
inline Vd operator*(Vd x, Vd y) { return {vmulq_f64(x.a, y.a), vmulq_f64(x.b, y.b)}; }
inline Vd widen_lo(Vf a) { return {vcvt_f64_f32(vget_low_f32(a.lo)), vcvt_high_f64_f32(a.lo)}; }
inline Vd widen_hi(Vf a) { return {vcvt_f64_f32(vget_low_f32(a.hi)), vcvt_high_f64_f32(a.hi)}; }
inline Vf narrow(Vd lo, Vd hi) {  // doubles back to floats, rounded to nearest
  return {vcvt_high_f32_f64(vcvt_f32_f64(lo.a), lo.b), vcvt_high_f32_f64(vcvt_f32_f64(hi.a), hi.b)};
}

// --- uint32 ---
inline Vi load_i(const std::uint32_t* p) { return {vld1q_u32(p), vld1q_u32(p + 4)}; }
inline void store_i(std::uint32_t* p, Vi a) {
  vst1q_u32(p, a.lo);
  vst1q_u32(p + 4, a.hi);
}
inline void store_groups_i(std::uint32_t* p, std::size_t /*stride*/, Vi a, std::size_t /*groups*/) { store_i(p, a); }
inline Vi set1_i(std::uint32_t x) { return {vdupq_n_u32(x), vdupq_n_u32(x)}; }
inline Vi iota_i() {
  static const std::uint32_t kIndex[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  return load_i(kIndex);
}
inline Vi operator+(Vi a, Vi b) { return {vaddq_u32(a.lo, b.lo), vaddq_u32(a.hi, b.hi)}; }
inline Vi operator-(Vi a, Vi b) { return {vsubq_u32(a.lo, b.lo), vsubq_u32(a.hi, b.hi)}; }
inline Vi operator^(Vi a, Vi b) { return {veorq_u32(a.lo, b.lo), veorq_u32(a.hi, b.hi)}; }
inline Vi operator&(Vi a, Vi b) { return {vandq_u32(a.lo, b.lo), vandq_u32(a.hi, b.hi)}; }
inline Vi operator|(Vi a, Vi b) { return {vorrq_u32(a.lo, b.lo), vorrq_u32(a.hi, b.hi)}; }
inline Vi xor3(Vi a, Vi b, Vi c) { return (a ^ b) ^ c; }
template <int N>
inline Vi shl(Vi a) {
  return {vshlq_n_u32(a.lo, N), vshlq_n_u32(a.hi, N)};
}
template <int N>
inline Vi shr(Vi a) {
  return {vshrq_n_u32(a.lo, N), vshrq_n_u32(a.hi, N)};
}
inline Mask eq_i(Vi a, Vi b) { return {vceqq_u32(a.lo, b.lo), vceqq_u32(a.hi, b.hi)}; }
inline Mask lt_u32(Vi a, Vi b) { return {vcltq_u32(a.lo, b.lo), vcltq_u32(a.hi, b.hi)}; }
// 32×32 → 64 products of every lane (umull, umull2), split back into low and high words.
inline uint32x4_t mul_halves(uint32x4_t a, uint32x4_t m, uint32x4_t& hi) {
  const uint32x4_t p01 = vreinterpretq_u32_u64(vmull_u32(vget_low_u32(a), vget_low_u32(m)));
  const uint32x4_t p23 = vreinterpretq_u32_u64(vmull_high_u32(a, m));
  hi = vuzp2q_u32(p01, p23);
  return vuzp1q_u32(p01, p23);
}
inline void mulhilo(Vi a, Vi m, Vi& hi, Vi& lo) {
  lo.lo = mul_halves(a.lo, m.lo, hi.lo);
  lo.hi = mul_halves(a.hi, m.hi, hi.hi);
}
inline Vf to_float(Vi a) {  // as signed int32
  return {vcvtq_f32_s32(vreinterpretq_s32_u32(a.lo)), vcvtq_f32_s32(vreinterpretq_s32_u32(a.hi))};
}
inline Vi to_int_nearest(Vf a) {  // round to nearest, ties to even (as cvtps2dq under the default MXCSR)
  return {vreinterpretq_u32_s32(vcvtnq_s32_f32(a.lo)), vreinterpretq_u32_s32(vcvtnq_s32_f32(a.hi))};
}
inline Vi bits_of(Vf a) { return {vreinterpretq_u32_f32(a.lo), vreinterpretq_u32_f32(a.hi)}; }
inline Vf float_of(Vi a) { return {vreinterpretq_f32_u32(a.lo), vreinterpretq_f32_u32(a.hi)}; }
inline Vf xor_bits(Vf a, Vi bits) { return float_of(bits_of(a) ^ bits); }
inline Vi minus_one_where(Mask m, Vi a) { return {vaddq_u32(a.lo, m.lo), vaddq_u32(a.hi, m.hi)}; }  // a − 1 where m

}  // namespace
}  // namespace nnkit::kernels::vec

#else
#define NNKIT_VEC_AVAILABLE 0
#endif
