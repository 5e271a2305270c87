// Counter-based random numbers: Philox-4x32-10 (Salmon et al., "Parallel random numbers: as
// easy as 1, 2, 3", SC'11), checked against the Random123 known-answer vectors.
//
// A stream is a 64-bit key (the seed) and a 64-bit stream id; block b of the stream is
// philox(counter = {lo(b), hi(b), lo(stream), hi(stream)}, key). Output is produced in chunks of
// 32 floats from 8 consecutive blocks, lane-major: element e of a chunk comes from word e / 8
// of block (first + e % 8). That layout lets the vector paths compute 8 blocks per register (16
// with AVX-512: two chunks) with no transposes, and the scalar twin follows the same order and
// the same fused operations, so every path gives bit-identical floats. Every element depends only on its index, so fills split over
// threads in fixed chunks give the same numbers for any thread count.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu.h"

namespace nnkit::kernels {

inline constexpr std::size_t kRngChunkFloats = 32;
inline constexpr std::uint64_t kRngBlocksPerChunk = 8;

struct RngStream {
  std::uint32_t key[2];
  std::uint64_t stream;
};

// One Philox-4x32-10 block (the reference the SIMD path is tested against).
void philox4x32_10(const std::uint32_t counter[4], const std::uint32_t key[2], std::uint32_t out[4]);

// Kernels over whole chunks; `out` holds 32 * chunks floats (or words).
struct RngKernels {
  // lo + scale * u, u = (w >> 8) * 2^-24 in [0, 1).
  void (*uniform_chunks)(const RngStream& s, std::uint64_t first_block, std::size_t chunks, float lo,
                         float scale, float* out);
  // mean + std * z, z standard normal by Box-Muller on the word pairs (w0, w1) and (w2, w3).
  void (*normal_chunks)(const RngStream& s, std::uint64_t first_block, std::size_t chunks, float mean,
                        float std, float* out);
  // The raw 32-bit words, same layout.
  void (*bits_chunks)(const RngStream& s, std::uint64_t first_block, std::size_t chunks, std::uint32_t* out);
};

// Built from rng_simd.cc once per vector target; nullptr where the build or compiler lacks it.
const RngKernels* rng_kernels_avx2();
const RngKernels* rng_kernels_avx512();
const RngKernels* rng_kernels_neon();
const RngKernels& rng_kernels(SimdPath path);

// Blocks a fill of n values consumes: whole chunks, so the next fill starts on a fresh chunk.
inline std::uint64_t rng_blocks_for(std::size_t n) {
  return ((static_cast<std::uint64_t>(n) + kRngChunkFloats - 1) / kRngChunkFloats) * kRngBlocksPerChunk;
}

// Parallel fills of out[0, n) starting at block `offset`, on the active SIMD path.
void rng_fill_uniform(const RngStream& s, std::uint64_t offset, float* out, std::size_t n, float lo, float hi);
void rng_fill_normal(const RngStream& s, std::uint64_t offset, float* out, std::size_t n, float mean, float std);
void rng_fill_bits(const RngStream& s, std::uint64_t offset, std::uint32_t* out, std::size_t n);

// The same on an explicit path (tests compare paths bit for bit).
void rng_fill_uniform(SimdPath path, const RngStream& s, std::uint64_t offset, float* out, std::size_t n,
                      float lo, float hi);
void rng_fill_normal(SimdPath path, const RngStream& s, std::uint64_t offset, float* out, std::size_t n,
                     float mean, float std);
void rng_fill_bits(SimdPath path, const RngStream& s, std::uint64_t offset, std::uint32_t* out, std::size_t n);

}  // namespace nnkit::kernels
