// AVX2/FMA twin of rng.cc: 8 Philox blocks per register, Box-Muller on 8 pairs at a time.
// Compiled with -mavx2 -mfma; everything but the table accessor has internal linkage so no
// AVX2 instruction can leak into code the scalar path runs.
#include "rng.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include "philox_avx2.h"
#include "rng_math.h"

namespace nnkit::kernels {
namespace {

using namespace rng_math;

inline __m256 unit_closed_open(__m256i w) {
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(w, 8)), _mm256_set1_ps(kTwoPow24Inv));
}
inline __m256 unit_open_closed(__m256i w) {
  const __m256i k = _mm256_add_epi32(_mm256_srli_epi32(w, 8), _mm256_set1_epi32(1));
  return _mm256_mul_ps(_mm256_cvtepi32_ps(k), _mm256_set1_ps(kTwoPow24Inv));
}

inline __m256 log_unit(__m256 x) {
  const __m256i bits = _mm256_castps_si256(x);
  __m256i exponent = _mm256_sub_epi32(_mm256_and_si256(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(0xff)),
                                      _mm256_set1_epi32(126));
  __m256 m = _mm256_castsi256_ps(
      _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f000000)));
  const __m256 small = _mm256_cmp_ps(m, _mm256_set1_ps(kSqrtHalf), _CMP_LT_OQ);
  // exponent - 1 where small: the compare mask is all ones (-1) in those lanes.
  exponent = _mm256_add_epi32(exponent, _mm256_castps_si256(small));
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 doubled = _mm256_sub_ps(_mm256_add_ps(m, m), one);
  m = _mm256_blendv_ps(_mm256_sub_ps(m, one), doubled, small);
  const __m256 z = _mm256_mul_ps(m, m);
  __m256 p = _mm256_set1_ps(kLogP[0]);
  for (int i = 1; i < 9; ++i) p = _mm256_fmadd_ps(p, m, _mm256_set1_ps(kLogP[i]));
  __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, m), z);
  const __m256 e = _mm256_cvtepi32_ps(exponent);
  y = _mm256_fmadd_ps(e, _mm256_set1_ps(kLogC1), y);
  y = _mm256_fmadd_ps(z, _mm256_set1_ps(-0.5f), y);
  const __m256 r = _mm256_add_ps(m, y);
  return _mm256_fmadd_ps(e, _mm256_set1_ps(kLogC2), r);
}

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

// Each kernel takes two chunks per iteration (philox8_pair) so the two Philox chains, and the
// two chunks' Box-Muller polynomials, overlap in the pipeline; an odd last chunk runs alone.
template <typename ChunkFn>
inline void for_chunk_words(const RngStream& s, std::uint64_t first_block, std::size_t chunks, ChunkFn&& fn) {
  std::size_t c = 0;
  for (; c + 2 <= chunks; c += 2) {
    PhiloxWords a, b;
    philox8_pair(s, first_block + c * kRngBlocksPerChunk, a, b);
    fn(c, a);
    fn(c + 1, b);
  }
  if (c < chunks) fn(c, philox8(s, first_block + c * kRngBlocksPerChunk));
}

void uniform_chunks_avx2(const RngStream& s, std::uint64_t first_block, std::size_t chunks, float lo, float scale,
                         float* out) {
  const __m256 vlo = _mm256_set1_ps(lo), vscale = _mm256_set1_ps(scale);
  for_chunk_words(s, first_block, chunks, [&](std::size_t c, const PhiloxWords& words) {
    float* dst = out + c * kRngChunkFloats;
    for (int w = 0; w < 4; ++w)
      _mm256_storeu_ps(dst + 8 * w, _mm256_fmadd_ps(unit_closed_open(words.w[w]), vscale, vlo));
  });
}

// Box-Muller on the word pairs (w0, w1) and (w2, w3) of each chunk. Two chunks go through
// each step together: four independent log/sqrt/sincos chains, so their latencies overlap.
template <int Chunks>
inline void box_muller(const PhiloxWords* words, __m256 mean, __m256 std_dev, float* out) {
  constexpr int kPairs = 2 * Chunks;
  __m256 radius[kPairs], sin_v[kPairs], cos_v[kPairs];
  for (int k = 0; k < kPairs; ++k)
    radius[k] = _mm256_mul_ps(_mm256_set1_ps(-2.0f), log_unit(unit_open_closed(words[k / 2].w[2 * (k % 2)])));
  for (int k = 0; k < kPairs; ++k) sincos_two_pi(unit_closed_open(words[k / 2].w[2 * (k % 2) + 1]), sin_v[k], cos_v[k]);
  for (int k = 0; k < kPairs; ++k) {
    const __m256 r = _mm256_sqrt_ps(radius[k]);
    float* dst = out + (k / 2) * kRngChunkFloats + 16 * (k % 2);
    _mm256_storeu_ps(dst, _mm256_fmadd_ps(_mm256_mul_ps(r, cos_v[k]), std_dev, mean));
    _mm256_storeu_ps(dst + 8, _mm256_fmadd_ps(_mm256_mul_ps(r, sin_v[k]), std_dev, mean));
  }
}

void normal_chunks_avx2(const RngStream& s, std::uint64_t first_block, std::size_t chunks, float mean,
                        float std_dev, float* out) {
  const __m256 vmean = _mm256_set1_ps(mean), vstd = _mm256_set1_ps(std_dev);
  std::size_t c = 0;
  for (; c + 2 <= chunks; c += 2) {
    PhiloxWords words[2];
    philox8_pair(s, first_block + c * kRngBlocksPerChunk, words[0], words[1]);
    box_muller<2>(words, vmean, vstd, out + c * kRngChunkFloats);
  }
  if (c < chunks) {
    const PhiloxWords words = philox8(s, first_block + c * kRngBlocksPerChunk);
    box_muller<1>(&words, vmean, vstd, out + c * kRngChunkFloats);
  }
}

void bits_chunks_avx2(const RngStream& s, std::uint64_t first_block, std::size_t chunks, std::uint32_t* out) {
  for_chunk_words(s, first_block, chunks, [&](std::size_t c, const PhiloxWords& words) {
    std::uint32_t* dst = out + c * kRngChunkFloats;
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
