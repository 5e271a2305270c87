// Philox-4x32-10 on AVX2, 8 blocks per register set, for the *_avx2.cc files only (it needs
// -mavx2 and everything here has internal linkage). philox8_pair runs two independent 8-block
// groups interleaved: one group is a chain of dependent multiplies (about 7 cycles a round),
// two hide each other's latency and nearly double the throughput. Same words as rng.h's
// reference philox4x32_10, in the chunk layout described there.
#pragma once

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include <cstdint>

#include "rng.h"
#include "rng_math.h"

namespace nnkit::kernels {
namespace {

struct PhiloxWords {
  __m256i w[4];  // w[k] lane l = word k of block first + l
};

// 32x32 -> 64 multiply of every lane: even lanes from mul_epu32 directly, odd lanes after
// shifting them down; then the halves are blended back into lane order.
inline void philox_mulhilo8(__m256i a, __m256i m, __m256i& hi, __m256i& lo) {
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

inline void philox_counters8(std::uint64_t first_block, __m256i& c0, __m256i& c1) {
  // Lanes first + 0..7, with the carry into the high word when the low word wraps.
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const auto lo = static_cast<std::uint32_t>(first_block);
  const auto hi = static_cast<std::uint32_t>(first_block >> 32);
  c0 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(lo)), lane);
  // Unsigned c0 < lo means the add wrapped: compare with the sign bit flipped.
  const __m256i flip = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  const __m256i wrapped = _mm256_cmpgt_epi32(_mm256_xor_si256(_mm256_set1_epi32(static_cast<int>(lo)), flip),
                                             _mm256_xor_si256(c0, flip));
  c1 = _mm256_sub_epi32(_mm256_set1_epi32(static_cast<int>(hi)), wrapped);  // wrapped lanes are -1
}

inline PhiloxWords philox8(const RngStream& s, std::uint64_t first_block) {
  using namespace rng_math;
  __m256i c0, c1;
  philox_counters8(first_block, c0, c1);
  __m256i c2 = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(s.stream)));
  __m256i c3 = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(s.stream >> 32)));
  std::uint32_t k0 = s.key[0], k1 = s.key[1];
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(kPhiloxM1));
  for (int round = 0; round < 10; ++round) {
    __m256i hi0, lo0, hi1, lo1;
    philox_mulhilo8(c0, m0, hi0, lo0);
    philox_mulhilo8(c2, m1, hi1, lo1);
    c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
    c1 = lo1;
    c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
    c3 = lo0;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  return PhiloxWords{{c0, c1, c2, c3}};
}

// Blocks first_block + 0..7 into a, first_block + 8..15 into b (two consecutive chunks).
inline void philox8_pair(const RngStream& s, std::uint64_t first_block, PhiloxWords& a, PhiloxWords& b) {
  using namespace rng_math;
  __m256i a0, a1, b0, b1;
  philox_counters8(first_block, a0, a1);
  philox_counters8(first_block + kRngBlocksPerChunk, b0, b1);
  __m256i a2 = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(s.stream)));
  __m256i a3 = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(s.stream >> 32)));
  __m256i b2 = a2, b3 = a3;
  std::uint32_t k0 = s.key[0], k1 = s.key[1];
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(kPhiloxM1));
  for (int round = 0; round < 10; ++round) {
    const __m256i key0 = _mm256_set1_epi32(static_cast<int>(k0));
    const __m256i key1 = _mm256_set1_epi32(static_cast<int>(k1));
    __m256i ahi0, alo0, ahi1, alo1, bhi0, blo0, bhi1, blo1;
    philox_mulhilo8(a0, m0, ahi0, alo0);
    philox_mulhilo8(b0, m0, bhi0, blo0);
    philox_mulhilo8(a2, m1, ahi1, alo1);
    philox_mulhilo8(b2, m1, bhi1, blo1);
    a0 = _mm256_xor_si256(_mm256_xor_si256(ahi1, a1), key0);
    b0 = _mm256_xor_si256(_mm256_xor_si256(bhi1, b1), key0);
    a1 = alo1;
    b1 = blo1;
    a2 = _mm256_xor_si256(_mm256_xor_si256(ahi0, a3), key1);
    b2 = _mm256_xor_si256(_mm256_xor_si256(bhi0, b3), key1);
    a3 = alo0;
    b3 = blo0;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  a = PhiloxWords{{a0, a1, a2, a3}};
  b = PhiloxWords{{b0, b1, b2, b3}};
}

}  // namespace
}  // namespace nnkit::kernels

#endif
