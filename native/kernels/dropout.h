// Dropout (Srivastava et al. 2014) and DropConnect masks from the counter-based generator.
//
// Element i of a draw that starts at Philox block `offset` is kept when its 32-bit word w_i
// (the word rng_fill_bits would give for index i) satisfies w_i < threshold, threshold =
// ceil(keep_prob * 2^32): exactly "u < p" for u = w / 2^32 uniform on [0, 1). The 32 elements
// of one RNG chunk make one mask word (element i is bit i % 32 of word i / 32), so the mask is
// 1 bit per element. The words come from rng.h's chunk kernels (the same Philox code as every
// fill) a few KiB at a time, so they are consumed from L1 in the same pass that writes the mask
// and scales x. Dropped elements are written as 0 whatever x holds (also NaN or Inf).
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu.h"
#include "rng.h"

namespace nnkit::kernels {

struct DropoutKernels {
  // For whole chunks of 32 words: mask[c] bit e = words[32c + e] < threshold;
  // out = kept ? x * scale : 0. `stream` (out 16-byte aligned): non-temporal stores, for
  // outputs too large to stay in cache, which then cost no read-for-ownership.
  void (*mask_chunks)(const std::uint32_t* words, std::size_t chunks, std::uint32_t threshold, float scale,
                      const float* x, float* out, std::uint32_t* mask, bool stream);
  // For whole mask words: dx = bit set ? dy * scale : 0 (`stream` as above).
  void (*backward_words)(const float* dy, const std::uint32_t* mask, std::size_t words, float scale, float* dx,
                         bool stream);
  // out = x * scale.
  void (*scale)(const float* x, float scale, float* out, std::size_t n);
};

// Built from dropout_simd.cc once per vector target; nullptr where the build or compiler lacks it.
const DropoutKernels* dropout_kernels_avx2();
const DropoutKernels* dropout_kernels_avx512();
const DropoutKernels* dropout_kernels_neon();
const DropoutKernels& dropout_kernels(SimdPath path);

// Outputs at least this large are written with non-temporal stores (when 16-byte aligned):
// they cannot stay in the caches anyway, and streaming them saves the read-for-ownership.
inline constexpr std::size_t kDropoutStreamBytes = std::size_t{16} << 20;

// Mask words for n elements.
inline std::size_t dropout_mask_words(std::size_t n) { return (n + 31) / 32; }

// keep_prob in (0, 1]. Writes out[0, n) and mask[0, dropout_mask_words(n)) (bits past n are 0)
// and consumes rng_blocks_for(n) blocks from `offset`. keep_prob == 1 keeps everything.
void dropout_forward(SimdPath path, const RngStream& s, std::uint64_t offset, double keep_prob, float scale,
                     const float* x, float* out, std::uint32_t* mask, std::size_t n);
// dx = mask bit ? dy * scale : 0; with mask == nullptr every element is kept (dx = dy * scale).
void dropout_backward(SimdPath path, const float* dy, const std::uint32_t* mask, float scale, float* dx,
                      std::size_t n);

// The same on the process-wide SIMD path (active_simd_path() when the kernel runs): what the
// binding calls, so that the path is picked in one place.
inline void dropout_forward(const RngStream& s, std::uint64_t offset, double keep_prob, float scale, const float* x,
                            float* out, std::uint32_t* mask, std::size_t n) {
  dropout_forward(active_simd_path(), s, offset, keep_prob, scale, x, out, mask, n);
}
inline void dropout_backward(const float* dy, const std::uint32_t* mask, float scale, float* dx, std::size_t n) {
  dropout_backward(active_simd_path(), dy, mask, scale, dx, n);
}

}  // namespace nnkit::kernels
