// The vector layer (see vec.h) for AVX-512 F/BW/DQ/VL: 16 floats per register, masks in opmask
// registers.
#pragma once

#define NNKIT_VEC_TARGET avx512

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && \
    defined(__FMA__)
#define NNKIT_VEC_AVAILABLE 1
// GCC 12's AVX-512 intrinsics start some results from _mm512_undefined_*(), which -Wall reports
// as "(may be) used uninitialized" wherever they are inlined (GCC bug 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif

#include <cstddef>
#include <cstdint>

#include "cpu.h"

namespace nnkit::kernels::vec {
namespace {

inline constexpr SimdPath kPath = SimdPath::avx512;  // the path this unit's tables serve

inline constexpr std::size_t kLanes = 16;

struct Vf {
  __m512 v;
};
struct Vi {
  __m512i v;
};
struct Vd {
  __m512d v;
};
struct Mask {
  __mmask16 m;
};

inline __mmask16 first_lanes(std::size_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffffu) : static_cast<__mmask16>((1u << n) - 1u);
}

// --- floats ---
inline Vf load(const float* p) { return {_mm512_loadu_ps(p)}; }
inline void store(float* p, Vf a) { _mm512_storeu_ps(p, a.v); }
inline Vf load_first(const float* p, std::size_t n) { return {_mm512_maskz_loadu_ps(first_lanes(n), p)}; }
inline void store_first(float* p, Vf a, std::size_t n) { _mm512_mask_storeu_ps(p, first_lanes(n), a.v); }
// p is 16-byte aligned: one 512-bit non-temporal store where it is 64-byte aligned (a whole
// line; every block of a row whose start is), else four 128-bit ones (the write-combining
// buffer joins them into whole lines).
inline void stream(float* p, Vf a) {
  if ((reinterpret_cast<std::uintptr_t>(p) & 63u) == 0) {
    _mm512_stream_ps(p, a.v);
    return;
  }
  _mm_stream_ps(p, _mm512_castps512_ps128(a.v));
  _mm_stream_ps(p + 4, _mm512_extractf32x4_ps(a.v, 1));
  _mm_stream_ps(p + 8, _mm512_extractf32x4_ps(a.v, 2));
  _mm_stream_ps(p + 12, _mm512_extractf32x4_ps(a.v, 3));
}
inline void stream_fence() { _mm_sfence(); }
// Lanes [8g, 8g + 8) to p + g * stride, for the first `groups` groups (1 or 2).
inline void store_groups(float* p, std::size_t stride, Vf a, std::size_t groups) {
  _mm256_storeu_ps(p, _mm512_castps512_ps256(a.v));
  if (groups > 1) _mm256_storeu_ps(p + stride, _mm512_extractf32x8_ps(a.v, 1));
}

inline Vf set1(float x) { return {_mm512_set1_ps(x)}; }
inline Vf zero() { return {_mm512_setzero_ps()}; }
inline Vf operator+(Vf a, Vf b) { return {_mm512_add_ps(a.v, b.v)}; }
inline Vf operator-(Vf a, Vf b) { return {_mm512_sub_ps(a.v, b.v)}; }
inline Vf operator*(Vf a, Vf b) { return {_mm512_mul_ps(a.v, b.v)}; }
inline Vf operator/(Vf a, Vf b) { return {_mm512_div_ps(a.v, b.v)}; }
inline Vf fma(Vf a, Vf b, Vf c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
inline Vf min(Vf a, Vf b) { return {_mm512_min_ps(a.v, b.v)}; }
inline Vf max(Vf a, Vf b) { return {_mm512_max_ps(a.v, b.v)}; }
inline Vf sqrt(Vf a) { return {_mm512_sqrt_ps(a.v)}; }
inline Vf abs(Vf a) { return {_mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a.v), _mm512_set1_epi32(0x7fffffff)))}; }
inline Vf neg(Vf a) { return {_mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a.v), _mm512_set1_epi32(static_cast<int>(0x80000000u))))}; }
inline Vf round_nearest(Vf a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }

inline Mask lt(Vf a, Vf b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ)}; }
inline Mask gt(Vf a, Vf b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ)}; }
inline Mask ge(Vf a, Vf b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GE_OQ)}; }
inline Mask le(Vf a, Vf b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LE_OQ)}; }
inline Mask eq(Vf a, Vf b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_EQ_OQ)}; }
inline Mask operator&(Mask a, Mask b) { return {static_cast<__mmask16>(a.m & b.m)}; }
inline Mask operator|(Mask a, Mask b) { return {static_cast<__mmask16>(a.m | b.m)}; }
inline Mask operator~(Mask a) { return {static_cast<__mmask16>(~a.m)}; }
inline Mask lanes_first(std::size_t n) { return {first_lanes(n)}; }
inline bool all_of(Mask m) { return m.m == 0xffffu; }
inline Vf select(Mask m, Vf a, Vf b) { return {_mm512_mask_blend_ps(m.m, b.v, a.v)}; }
// An AND with the mask widened to lanes, not a zero-masked move: GCC folds the latter into the
// operation that loads `a` (a zero-masked memory operand), which made dropout's backward pass
// 1.4× slower than AVX2 on AMD Zen 5; this form is level with it and faster forward.
inline Vf keep(Mask m, Vf a) { return {_mm512_and_ps(_mm512_castsi512_ps(_mm512_movm_epi32(m.m)), a.v)}; }
inline std::uint32_t mask_bits(Mask m) { return static_cast<std::uint32_t>(m.m); }
inline Mask mask_from_bits(std::uint32_t bits) { return {static_cast<__mmask16>(bits & 0xffffu)}; }

inline float hsum(Vf a) { return _mm512_reduce_add_ps(a.v); }
inline float hmax(Vf a) { return _mm512_reduce_max_ps(a.v); }
inline float hmin(Vf a) { return _mm512_reduce_min_ps(a.v); }

// --- doubles ---
inline constexpr std::size_t kLanesD = 8;
inline Vd load_d(const double* p) { return {_mm512_loadu_pd(p)}; }
inline void store_d(double* p, Vd a) { _mm512_storeu_pd(p, a.v); }
inline Vd operator+(Vd a, Vd b) { return {_mm512_add_pd(a.v, b.v)}; }
inline Vd operator-(Vd a, Vd b) { return {_mm512_sub_pd(a.v, b.v)}; }
inline Vd operator*(Vd a, Vd b) { return {_mm512_mul_pd(a.v, b.v)}; }
inline Vd widen_lo(Vf a) { return {_mm512_cvtps_pd(_mm512_castps512_ps256(a.v))}; }
inline Vd widen_hi(Vf a) { return {_mm512_cvtps_pd(_mm512_extractf32x8_ps(a.v, 1))}; }

inline Vf narrow(Vd lo, Vd hi) {  // doubles back to floats, rounded to nearest
  return {_mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo.v)), _mm512_cvtpd_ps(hi.v), 1)};
}

// --- uint32 ---
inline Vi load_i(const std::uint32_t* p) { return {_mm512_loadu_si512(p)}; }
inline void store_i(std::uint32_t* p, Vi a) { _mm512_storeu_si512(p, a.v); }
inline void store_groups_i(std::uint32_t* p, std::size_t stride, Vi a, std::size_t groups) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_castsi512_si256(a.v));
  if (groups > 1) _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + stride), _mm512_extracti64x4_epi64(a.v, 1));
}
inline Vi set1_i(std::uint32_t x) { return {_mm512_set1_epi32(static_cast<int>(x))}; }
inline Vi iota_i() { return {_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)}; }
inline Vi operator+(Vi a, Vi b) { return {_mm512_add_epi32(a.v, b.v)}; }
inline Vi operator-(Vi a, Vi b) { return {_mm512_sub_epi32(a.v, b.v)}; }
inline Vi operator^(Vi a, Vi b) { return {_mm512_xor_si512(a.v, b.v)}; }
inline Vi operator&(Vi a, Vi b) { return {_mm512_and_si512(a.v, b.v)}; }
inline Vi operator|(Vi a, Vi b) { return {_mm512_or_si512(a.v, b.v)}; }
template <int N>
inline Vi shl(Vi a) {
  return {_mm512_slli_epi32(a.v, N)};
}
template <int N>
inline Vi shr(Vi a) {
  return {_mm512_srli_epi32(a.v, N)};
}
inline Mask eq_i(Vi a, Vi b) { return {_mm512_cmpeq_epi32_mask(a.v, b.v)}; }
inline Mask lt_u32(Vi a, Vi b) { return {_mm512_cmplt_epu32_mask(a.v, b.v)}; }
// 32×32 → 64 products of every lane: even lanes from mul_epu32 directly, odd lanes after
// moving them down; one masked in-pair swap each puts the halves back in lane order.
inline void mulhilo(Vi a, Vi m, Vi& hi, Vi& lo) {
  const __m512i even = _mm512_mul_epu32(a.v, m.v);                                  // [lo0 hi0] [lo2 hi2] ...
  const __m512i odd = _mm512_mul_epu32(_mm512_shuffle_epi32(a.v, _MM_PERM_CDAB), m.v);  // [lo1 hi1] ...
  hi.v = _mm512_mask_shuffle_epi32(odd, 0x5555, even, _MM_PERM_CDAB);  // even lanes: hi0, odd lanes: hi1
  lo.v = _mm512_mask_shuffle_epi32(even, 0xAAAA, odd, _MM_PERM_CDAB);  // even lanes: lo0, odd lanes: lo1
}
inline Vi xor3(Vi a, Vi b, Vi c) { return {_mm512_ternarylogic_epi32(a.v, b.v, c.v, 0x96)}; }
inline Vf to_float(Vi a) { return {_mm512_cvtepi32_ps(a.v)}; }  // as signed int32
inline Vi to_int_nearest(Vf a) { return {_mm512_cvtps_epi32(a.v)}; }
inline Vi bits_of(Vf a) { return {_mm512_castps_si512(a.v)}; }
inline Vf float_of(Vi a) { return {_mm512_castsi512_ps(a.v)}; }
inline Vf xor_bits(Vf a, Vi bits) { return {_mm512_xor_ps(a.v, _mm512_castsi512_ps(bits.v))}; }  // in the float domain
inline Vi minus_one_where(Mask m, Vi a) { return {_mm512_mask_sub_epi32(a.v, m.m, a.v, _mm512_set1_epi32(1))}; }  // a − 1 where m

}  // namespace
}  // namespace nnkit::kernels::vec

#else
#define NNKIT_VEC_AVAILABLE 0
#endif
