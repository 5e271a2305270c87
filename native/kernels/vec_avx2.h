// The vector layer (see vec.h) for AVX2 + FMA: 8 floats per register.
#pragma once

#define NNKIT_VEC_TARGET avx2

#if defined(__AVX2__) && defined(__FMA__)
#define NNKIT_VEC_AVAILABLE 1
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "cpu.h"

namespace nnkit::kernels::vec {
namespace {

inline constexpr SimdPath kPath = SimdPath::avx2;  // the path this unit's tables serve

inline constexpr std::size_t kLanes = 8;

struct Vf {
  __m256 v;
};
struct Vi {
  __m256i v;
};
struct Vd {
  __m256d v;
};
struct Mask {
  __m256 m;  // all ones in the lanes where it holds
};

// --- floats ---
inline Vf load(const float* p) { return {_mm256_loadu_ps(p)}; }
inline void store(float* p, Vf a) { _mm256_storeu_ps(p, a.v); }
inline __m256i first_lanes(std::size_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline Vf load_first(const float* p, std::size_t n) { return {_mm256_maskload_ps(p, first_lanes(n))}; }
inline void store_first(float* p, Vf a, std::size_t n) { _mm256_maskstore_ps(p, first_lanes(n), a.v); }
inline void stream(float* p, Vf a) {
  _mm_stream_ps(p, _mm256_castps256_ps128(a.v));
  _mm_stream_ps(p + 4, _mm256_extractf128_ps(a.v, 1));
}
inline void stream_fence() { _mm_sfence(); }
// Lanes [8g, 8g + 8) to p + g * stride, for the first `groups` groups (one group here).
inline void store_groups(float* p, std::size_t /*stride*/, Vf a, std::size_t /*groups*/) { store(p, a); }

inline Vf set1(float x) { return {_mm256_set1_ps(x)}; }
inline Vf zero() { return {_mm256_setzero_ps()}; }
inline Vf operator+(Vf a, Vf b) { return {_mm256_add_ps(a.v, b.v)}; }
inline Vf operator-(Vf a, Vf b) { return {_mm256_sub_ps(a.v, b.v)}; }
inline Vf operator*(Vf a, Vf b) { return {_mm256_mul_ps(a.v, b.v)}; }
inline Vf operator/(Vf a, Vf b) { return {_mm256_div_ps(a.v, b.v)}; }
inline Vf fma(Vf a, Vf b, Vf c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
inline Vf min(Vf a, Vf b) { return {_mm256_min_ps(a.v, b.v)}; }
inline Vf max(Vf a, Vf b) { return {_mm256_max_ps(a.v, b.v)}; }
inline Vf sqrt(Vf a) { return {_mm256_sqrt_ps(a.v)}; }
inline Vf abs(Vf a) { return {_mm256_and_ps(a.v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)))}; }
inline Vf neg(Vf a) { return {_mm256_xor_ps(a.v, _mm256_set1_ps(-0.0f))}; }
inline Vf round_nearest(Vf a) { return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }

inline Mask lt(Vf a, Vf b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ)}; }
inline Mask gt(Vf a, Vf b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ)}; }
inline Mask ge(Vf a, Vf b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GE_OQ)}; }
inline Mask le(Vf a, Vf b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_LE_OQ)}; }
inline Mask eq(Vf a, Vf b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_EQ_OQ)}; }
inline Mask operator&(Mask a, Mask b) { return {_mm256_and_ps(a.m, b.m)}; }
inline Mask operator|(Mask a, Mask b) { return {_mm256_or_ps(a.m, b.m)}; }
inline Mask operator~(Mask a) { return {_mm256_xor_ps(a.m, _mm256_castsi256_ps(_mm256_set1_epi32(-1)))}; }
inline Mask lanes_first(std::size_t n) { return {_mm256_castsi256_ps(first_lanes(n))}; }
inline bool all_of(Mask m) { return _mm256_movemask_ps(m.m) == 0xff; }
inline Vf select(Mask m, Vf a, Vf b) { return {_mm256_blendv_ps(b.v, a.v, m.m)}; }
inline Vf keep(Mask m, Vf a) { return {_mm256_and_ps(m.m, a.v)}; }
inline std::uint32_t mask_bits(Mask m) { return static_cast<std::uint32_t>(_mm256_movemask_ps(m.m)); }
inline Mask mask_from_bits(std::uint32_t bits) {
  const __m256i lane_bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  const __m256i b = _mm256_and_si256(_mm256_set1_epi32(static_cast<int>(bits & 0xffu)), lane_bits);
  return {_mm256_castsi256_ps(_mm256_cmpeq_epi32(b, lane_bits))};
}

inline float hsum(Vf a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float hmax(Vf a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float hmin(Vf a) {
  __m128 s = _mm_min_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_min_ps(s, _mm_movehl_ps(s, s));
  s = _mm_min_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// --- doubles ---
inline constexpr std::size_t kLanesD = 4;
inline Vd load_d(const double* p) { return {_mm256_loadu_pd(p)}; }
inline void store_d(double* p, Vd a) { _mm256_storeu_pd(p, a.v); }
inline Vd operator+(Vd a, Vd b) { return {_mm256_add_pd(a.v, b.v)}; }
inline Vd operator-(Vd a, Vd b) { return {_mm256_sub_pd(a.v, b.v)}; }
inline Vd operator*(Vd a, Vd b) { return {_mm256_mul_pd(a.v, b.v)}; }
inline Vd widen_lo(Vf a) { return {_mm256_cvtps_pd(_mm256_castps256_ps128(a.v))}; }
inline Vd widen_hi(Vf a) { return {_mm256_cvtps_pd(_mm256_extractf128_ps(a.v, 1))}; }

inline Vf narrow(Vd lo, Vd hi) {  // doubles back to floats, rounded to nearest
  return {_mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo.v)), _mm256_cvtpd_ps(hi.v), 1)};
}

// --- uint32 ---
inline Vi load_i(const std::uint32_t* p) { return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))}; }
inline void store_i(std::uint32_t* p, Vi a) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), a.v); }
inline void store_groups_i(std::uint32_t* p, std::size_t /*stride*/, Vi a, std::size_t /*groups*/) { store_i(p, a); }
inline Vi set1_i(std::uint32_t x) { return {_mm256_set1_epi32(static_cast<int>(x))}; }
inline Vi iota_i() { return {_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)}; }
inline Vi operator+(Vi a, Vi b) { return {_mm256_add_epi32(a.v, b.v)}; }
inline Vi operator-(Vi a, Vi b) { return {_mm256_sub_epi32(a.v, b.v)}; }
inline Vi operator^(Vi a, Vi b) { return {_mm256_xor_si256(a.v, b.v)}; }
inline Vi operator&(Vi a, Vi b) { return {_mm256_and_si256(a.v, b.v)}; }
inline Vi operator|(Vi a, Vi b) { return {_mm256_or_si256(a.v, b.v)}; }
template <int N>
inline Vi shl(Vi a) {
  return {_mm256_slli_epi32(a.v, N)};
}
template <int N>
inline Vi shr(Vi a) {
  return {_mm256_srli_epi32(a.v, N)};
}
inline Mask eq_i(Vi a, Vi b) { return {_mm256_castsi256_ps(_mm256_cmpeq_epi32(a.v, b.v))}; }
inline Mask lt_u32(Vi a, Vi b) {  // a < b unsigned: a signed compare with both sign bits flipped
  const __m256i flip = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  return {_mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_xor_si256(b.v, flip), _mm256_xor_si256(a.v, flip)))};
}
// 32×32 → 64 products of every lane: even lanes from mul_epu32 directly, odd lanes after
// shifting them down; the halves are blended back into lane order.
inline void mulhilo(Vi a, Vi m, Vi& hi, Vi& lo) {
  const __m256i even = _mm256_mul_epu32(a.v, m.v);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a.v, 32), m.v);
  lo.v = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi.v = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}
inline Vi xor3(Vi a, Vi b, Vi c) { return {_mm256_xor_si256(_mm256_xor_si256(a.v, b.v), c.v)}; }
inline Vf to_float(Vi a) { return {_mm256_cvtepi32_ps(a.v)}; }  // as signed int32
inline Vi to_int_nearest(Vf a) { return {_mm256_cvtps_epi32(a.v)}; }
inline Vi bits_of(Vf a) { return {_mm256_castps_si256(a.v)}; }
inline Vf float_of(Vi a) { return {_mm256_castsi256_ps(a.v)}; }
inline Vf xor_bits(Vf a, Vi bits) { return {_mm256_xor_ps(a.v, _mm256_castsi256_ps(bits.v))}; }  // in the float domain
inline Vi minus_one_where(Mask m, Vi a) { return {_mm256_add_epi32(a.v, _mm256_castps_si256(m.m))}; }  // a − 1 where m

}  // namespace
}  // namespace nnkit::kernels::vec

#else
#define NNKIT_VEC_AVAILABLE 0
#endif
