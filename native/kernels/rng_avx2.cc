// AVX2/FMA twin of rng.cc: 8 Philox blocks per register, Box-Muller on 8 pairs at a time.
// Compiled with -mavx2 -mfma; everything but the table accessor has internal linkage so no
// AVX2 instruction can leak into code the scalar path runs.
#include "rng.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include "cephes_log.h"
#include "rng_math.h"

namespace nnkit::kernels {
namespace {

using namespace rng_math;

struct Words {
  __m256i w[4];
};

// 32x32 -> 64 multiply of every lane: even lanes from mul_epu32 directly, odd lanes after
// shifting them down; then the halves are blended back into lane order.
inline void mulhilo8(__m256i a, __m256i m, __m256i& hi, __m256i& lo) {
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

// The round keys are the same for every block of a stream: computed once per call.
struct KeySchedule {
  __m256i k0[10], k1[10];
  explicit KeySchedule(const RngStream& s) {
    std::uint32_t a = s.key[0], b = s.key[1];
    for (int round = 0; round < 10; ++round, a += kPhiloxW0, b += kPhiloxW1) {
      k0[round] = _mm256_set1_epi32(static_cast<int>(a));
      k1[round] = _mm256_set1_epi32(static_cast<int>(b));
    }
  }
};

struct Counters {
  __m256i c[4];
};

// Counters of blocks first .. first + 7: the low word counts up per lane; when it would wrap
// inside the 8 lanes (once in 2^29 chunks) the lanes are built one by one to carry exactly.
inline Counters counters8(const RngStream& s, std::uint64_t first_block) {
  Counters out;
  const auto lo = static_cast<std::uint32_t>(first_block);
  if (lo <= 0xfffffff8u) {
    out.c[0] = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(lo)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    out.c[1] = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(first_block >> 32)));
  } else {
    alignas(32) std::uint32_t lo_words[8], hi_words[8];
    for (int lane = 0; lane < 8; ++lane) {
      const std::uint64_t block = first_block + static_cast<std::uint64_t>(lane);
      lo_words[lane] = static_cast<std::uint32_t>(block);
      hi_words[lane] = static_cast<std::uint32_t>(block >> 32);
    }
    out.c[0] = _mm256_load_si256(reinterpret_cast<const __m256i*>(lo_words));
    out.c[1] = _mm256_load_si256(reinterpret_cast<const __m256i*>(hi_words));
  }
  out.c[2] = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(s.stream)));
  out.c[3] = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(s.stream >> 32)));
  return out;
}

inline void philox_round(Counters& x, __m256i m0, __m256i m1, __m256i key0, __m256i key1) {
  __m256i hi0, lo0, hi1, lo1;
  mulhilo8(x.c[0], m0, hi0, lo0);
  mulhilo8(x.c[2], m1, hi1, lo1);
  x.c[0] = _mm256_xor_si256(_mm256_xor_si256(hi1, x.c[1]), key0);
  x.c[1] = lo1;
  x.c[2] = _mm256_xor_si256(_mm256_xor_si256(hi0, x.c[3]), key1);
  x.c[3] = lo0;
}

// Two chunks (16 blocks) at once: each round is a chain of dependent multiplies, so
// interleaving two independent chains keeps the multiplier busy while the other waits.
inline void philox8x2(const RngStream& s, const KeySchedule& keys, std::uint64_t first_block, Words& a, Words& b) {
  Counters x = counters8(s, first_block), y = counters8(s, first_block + kRngBlocksPerChunk);
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(kPhiloxM1));
  for (int round = 0; round < 10; ++round) {
    philox_round(x, m0, m1, keys.k0[round], keys.k1[round]);
    philox_round(y, m0, m1, keys.k0[round], keys.k1[round]);
  }
  for (int w = 0; w < 4; ++w) {
    a.w[w] = x.c[w];
    b.w[w] = y.c[w];
  }
}

inline Words philox8(const RngStream& s, const KeySchedule& keys, std::uint64_t first_block) {
  Counters x = counters8(s, first_block);
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(kPhiloxM1));
  for (int round = 0; round < 10; ++round) philox_round(x, m0, m1, keys.k0[round], keys.k1[round]);
  return Words{{x.c[0], x.c[1], x.c[2], x.c[3]}};
}

// Calls emit(words, out) for every chunk, two chunks per Philox call where possible.
template <typename Emit, typename T>
inline void for_each_chunk(const RngStream& s, std::uint64_t first_block, std::size_t chunks, T* out, Emit&& emit) {
  const KeySchedule keys(s);
  std::size_t c = 0;
  for (; c + 2 <= chunks; c += 2) {
    Words a, b;
    philox8x2(s, keys, first_block + c * kRngBlocksPerChunk, a, b);
    emit(a, out + c * kRngChunkFloats);
    emit(b, out + (c + 1) * kRngChunkFloats);
  }
  if (c < chunks) emit(philox8(s, keys, first_block + c * kRngBlocksPerChunk), out + c * kRngChunkFloats);
}

inline __m256 unit_closed_open(__m256i w) {
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(w, 8)), _mm256_set1_ps(kTwoPow24Inv));
}
inline __m256 unit_open_closed(__m256i w) {
  const __m256i k = _mm256_add_epi32(_mm256_srli_epi32(w, 8), _mm256_set1_epi32(1));
  return _mm256_mul_ps(_mm256_cvtepi32_ps(k), _mm256_set1_ps(kTwoPow24Inv));
}

inline __m256 log_unit(__m256 x) { return cephes::log_avx2(x); }

inline void sincos_two_pi(__m256 u, __m256& sin_out, __m256& cos_out) {
  constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  const __m256 t = _mm256_sub_ps(u, _mm256_round_ps(u, kNearest));
  const __m256 q = _mm256_round_ps(_mm256_mul_ps(t, _mm256_set1_ps(4.0f)), kNearest);
  const __m256 r = _mm256_fmadd_ps(q, _mm256_set1_ps(-0.25f), t);
  const __m256 x = _mm256_mul_ps(r, _mm256_set1_ps(kTwoPi));
  const __m256 z = _mm256_mul_ps(x, x);
  const __m256 ps = _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(kSinP[0]), z, _mm256_set1_ps(kSinP[1])), z,
                                    _mm256_set1_ps(kSinP[2]));
  const __m256 s = _mm256_fmadd_ps(_mm256_mul_ps(ps, z), x, x);
  const __m256 pc = _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(kCosP[0]), z, _mm256_set1_ps(kCosP[1])), z,
                                    _mm256_set1_ps(kCosP[2]));
  const __m256 c = _mm256_fmadd_ps(_mm256_mul_ps(pc, z), z,
                                   _mm256_fmadd_ps(_mm256_set1_ps(-0.5f), z, _mm256_set1_ps(1.0f)));
  const __m256i quadrant = _mm256_and_si256(_mm256_cvtps_epi32(q), _mm256_set1_epi32(3));
  const __m256 swap = _mm256_castsi256_ps(
      _mm256_cmpeq_epi32(_mm256_and_si256(quadrant, _mm256_set1_epi32(1)), _mm256_set1_epi32(1)));
  // Sign flips as bit 31 masks: sin negated in quadrants 2 and 3, cos in quadrants 1 and 2.
  const __m256i sin_sign = _mm256_slli_epi32(_mm256_and_si256(quadrant, _mm256_set1_epi32(2)), 30);
  const __m256i cos_sign = _mm256_slli_epi32(
      _mm256_and_si256(_mm256_add_epi32(quadrant, _mm256_set1_epi32(1)), _mm256_set1_epi32(2)), 30);
  sin_out = _mm256_xor_ps(_mm256_blendv_ps(s, c, swap), _mm256_castsi256_ps(sin_sign));
  cos_out = _mm256_xor_ps(_mm256_blendv_ps(c, s, swap), _mm256_castsi256_ps(cos_sign));
}

void uniform_chunks_avx2(const RngStream& s, std::uint64_t first_block, std::size_t chunks, float lo, float scale,
                         float* out) {
  const __m256 vlo = _mm256_set1_ps(lo), vscale = _mm256_set1_ps(scale);
  for_each_chunk(s, first_block, chunks, out, [&](const Words& words, float* dst) {
    for (int w = 0; w < 4; ++w)
      _mm256_storeu_ps(dst + 8 * w, _mm256_fmadd_ps(unit_closed_open(words.w[w]), vscale, vlo));
  });
}

void normal_chunks_avx2(const RngStream& s, std::uint64_t first_block, std::size_t chunks, float mean,
                        float std_dev, float* out) {
  const __m256 vmean = _mm256_set1_ps(mean), vstd = _mm256_set1_ps(std_dev);
  const __m256 minus_two = _mm256_set1_ps(-2.0f);
  for_each_chunk(s, first_block, chunks, out, [&](const Words& words, float* dst) {
    for (int pair = 0; pair < 2; ++pair) {
      const __m256 radius =
          _mm256_sqrt_ps(_mm256_mul_ps(minus_two, log_unit(unit_open_closed(words.w[2 * pair]))));
      __m256 sin_v, cos_v;
      sincos_two_pi(unit_closed_open(words.w[2 * pair + 1]), sin_v, cos_v);
      _mm256_storeu_ps(dst + 16 * pair, _mm256_fmadd_ps(_mm256_mul_ps(radius, cos_v), vstd, vmean));
      _mm256_storeu_ps(dst + 16 * pair + 8, _mm256_fmadd_ps(_mm256_mul_ps(radius, sin_v), vstd, vmean));
    }
  });
}

void bits_chunks_avx2(const RngStream& s, std::uint64_t first_block, std::size_t chunks, std::uint32_t* out) {
  for_each_chunk(s, first_block, chunks, out, [&](const Words& words, std::uint32_t* dst) {
    for (int w = 0; w < 4; ++w) _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 8 * w), words.w[w]);
  });
}

const RngKernels kAvx2 = {uniform_chunks_avx2, normal_chunks_avx2, bits_chunks_avx2};

}  // namespace

const RngKernels* rng_kernels_avx2() { return &kAvx2; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const RngKernels* rng_kernels_avx2() { return nullptr; }
}  // namespace nnkit::kernels

#endif
