// Scalar Philox and the scalar twin of the vector chunk kernels (rng_simd.cc), plus the parallel fill driver.
#include "rng.h"

#include <cmath>
#include <cstring>

#include "parallel.h"
#include "cephes_log.h"
#include "rng_math.h"

namespace nnkit::kernels {
namespace {

using namespace rng_math;

inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t product = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(product >> 32);
  lo = static_cast<std::uint32_t>(product);
}

// Natural log for x in (0, 1], the same operations as the vector twins.
inline float log_unit(float x) { return cephes::log_scalar(x); }

// sin and cos of 2*pi*u for u in [0, 1).
inline void sincos_two_pi(float u, float& sin_out, float& cos_out) {
  const float t = u - std::nearbyintf(u);     // [-0.5, 0.5]
  const float q = std::nearbyintf(t * 4.0f);  // quadrant in {-2, ..., 2}
  const float r = std::fmaf(q, -0.25f, t);    // [-1/8, 1/8], exact
  const float x = r * kTwoPi;
  const float z = x * x;
  const float ps = std::fmaf(std::fmaf(kSinP[0], z, kSinP[1]), z, kSinP[2]);
  const float s = std::fmaf(ps * z, x, x);
  const float pc = std::fmaf(std::fmaf(kCosP[0], z, kCosP[1]), z, kCosP[2]);
  const float c = std::fmaf(pc * z, z, std::fmaf(-0.5f, z, 1.0f));
  const int quadrant = static_cast<int>(q) & 3;
  float sv = (quadrant & 1) ? c : s;
  float cv = (quadrant & 1) ? s : c;
  if (quadrant & 2) sv = -sv;
  if ((quadrant + 1) & 2) cv = -cv;
  sin_out = sv;
  cos_out = cv;
}

inline float unit_open_closed(std::uint32_t w) {  // (0, 1]
  return static_cast<float>((w >> 8) + 1u) * kTwoPow24Inv;
}
inline float unit_closed_open(std::uint32_t w) {  // [0, 1)
  return static_cast<float>(w >> 8) * kTwoPow24Inv;
}

// The 8 blocks of one chunk, words[word][lane].
inline void chunk_words(const RngStream& s, std::uint64_t first_block, std::uint32_t words[4][8]) {
  for (int lane = 0; lane < 8; ++lane) {
    const std::uint64_t block = first_block + static_cast<std::uint64_t>(lane);
    const std::uint32_t counter[4] = {static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
                                      static_cast<std::uint32_t>(s.stream),
                                      static_cast<std::uint32_t>(s.stream >> 32)};
    std::uint32_t out[4];
    philox4x32_10(counter, s.key, out);
    for (int w = 0; w < 4; ++w) words[w][lane] = out[w];
  }
}

void uniform_chunks_scalar(const RngStream& s, std::uint64_t first_block, std::size_t chunks, float lo,
                           float scale, float* out) {
  std::uint32_t words[4][8];
  for (std::size_t c = 0; c < chunks; ++c, out += kRngChunkFloats) {
    chunk_words(s, first_block + c * kRngBlocksPerChunk, words);
    for (int w = 0; w < 4; ++w)
      for (int lane = 0; lane < 8; ++lane) out[w * 8 + lane] = std::fmaf(unit_closed_open(words[w][lane]), scale, lo);
  }
}

void normal_chunks_scalar(const RngStream& s, std::uint64_t first_block, std::size_t chunks, float mean,
                          float std_dev, float* out) {
  std::uint32_t words[4][8];
  for (std::size_t c = 0; c < chunks; ++c, out += kRngChunkFloats) {
    chunk_words(s, first_block + c * kRngBlocksPerChunk, words);
    for (int pair = 0; pair < 2; ++pair) {
      for (int lane = 0; lane < 8; ++lane) {
        const float radius = std::sqrt(-2.0f * log_unit(unit_open_closed(words[2 * pair][lane])));
        float sin_v, cos_v;
        sincos_two_pi(unit_closed_open(words[2 * pair + 1][lane]), sin_v, cos_v);
        out[(2 * pair) * 8 + lane] = std::fmaf(radius * cos_v, std_dev, mean);
        out[(2 * pair + 1) * 8 + lane] = std::fmaf(radius * sin_v, std_dev, mean);
      }
    }
  }
}

void bits_chunks_scalar(const RngStream& s, std::uint64_t first_block, std::size_t chunks, std::uint32_t* out) {
  std::uint32_t words[4][8];
  for (std::size_t c = 0; c < chunks; ++c, out += kRngChunkFloats) {
    chunk_words(s, first_block + c * kRngBlocksPerChunk, words);
    std::memcpy(out, words, sizeof words);
  }
}

const RngKernels kScalar = {uniform_chunks_scalar, normal_chunks_scalar, bits_chunks_scalar};

// Chunks per parallel task: 64 Ki floats, large enough to amortize scheduling, small enough
// to balance two to a few dozen threads. Fixed, so the split never changes the output.
constexpr std::size_t kChunksPerTask = 2048;

template <typename T, typename ChunkFn>
void fill_parallel(std::uint64_t offset, T* out, std::size_t n, ChunkFn&& chunk_fn) {
  const std::size_t full_chunks = n / kRngChunkFloats;
  const std::size_t tail = n % kRngChunkFloats;
  const std::size_t tasks = (full_chunks + kChunksPerTask - 1) / kChunksPerTask;
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t begin = task * kChunksPerTask;
    const std::size_t count = begin + kChunksPerTask <= full_chunks ? kChunksPerTask : full_chunks - begin;
    chunk_fn(offset + begin * kRngBlocksPerChunk, count, out + begin * kRngChunkFloats);
  });
  if (tail != 0) {
    T last[kRngChunkFloats];
    chunk_fn(offset + full_chunks * kRngBlocksPerChunk, 1, last);
    std::memcpy(out + full_chunks * kRngChunkFloats, last, tail * sizeof(T));
  }
}

}  // namespace

void philox4x32_10(const std::uint32_t counter[4], const std::uint32_t key[2], std::uint32_t out[4]) {
  std::uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
  std::uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kPhiloxM0, c0, hi0, lo0);
    mulhilo(kPhiloxM1, c2, hi1, lo1);
    const std::uint32_t n0 = hi1 ^ c1 ^ k0;
    const std::uint32_t n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

const RngKernels& rng_kernels(SimdPath path) {
  return select_kernels<RngKernels>(path, {&kScalar, rng_kernels_avx2(), rng_kernels_avx512(), rng_kernels_neon()});
}

void rng_fill_uniform(SimdPath path, const RngStream& s, std::uint64_t offset, float* out, std::size_t n,
                      float lo, float hi) {
  const RngKernels& k = rng_kernels(path);
  float scale = hi - lo;
  // hi - lo overflows for ranges wider than FLT_MAX (e.g. [-3e38, 3e38]); u * inf would give
  // inf everywhere and NaN for u = 0. Draw on the halved range, then double (exact) and clamp.
  const bool halved = !std::isfinite(scale);
  const float base = halved ? lo * 0.5f : lo;
  if (halved) scale = hi * 0.5f - lo * 0.5f;
  fill_parallel(offset, out, n, [&](std::uint64_t block, std::size_t chunks, float* dst) {
    k.uniform_chunks(s, block, chunks, base, scale, dst);
  });
  if (halved)
    for (std::size_t i = 0; i < n; ++i) out[i] = std::fmin(hi, std::fmax(lo, out[i] * 2.0f));
}

void rng_fill_normal(SimdPath path, const RngStream& s, std::uint64_t offset, float* out, std::size_t n,
                     float mean, float std_dev) {
  const RngKernels& k = rng_kernels(path);
  fill_parallel(offset, out, n, [&](std::uint64_t block, std::size_t chunks, float* dst) {
    k.normal_chunks(s, block, chunks, mean, std_dev, dst);
  });
}

void rng_fill_bits(SimdPath path, const RngStream& s, std::uint64_t offset, std::uint32_t* out, std::size_t n) {
  const RngKernels& k = rng_kernels(path);
  fill_parallel(offset, out, n, [&](std::uint64_t block, std::size_t chunks, std::uint32_t* dst) {
    k.bits_chunks(s, block, chunks, dst);
  });
}

void rng_fill_uniform(const RngStream& s, std::uint64_t offset, float* out, std::size_t n, float lo, float hi) {
  rng_fill_uniform(active_simd_path(), s, offset, out, n, lo, hi);
}
void rng_fill_normal(const RngStream& s, std::uint64_t offset, float* out, std::size_t n, float mean,
                     float std_dev) {
  rng_fill_normal(active_simd_path(), s, offset, out, n, mean, std_dev);
}
void rng_fill_bits(const RngStream& s, std::uint64_t offset, std::uint32_t* out, std::size_t n) {
  rng_fill_bits(active_simd_path(), s, offset, out, n);
}

}  // namespace nnkit::kernels
