// Scalar twins of the dropout kernels and the chunk-parallel drivers.
#include "dropout.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "parallel.h"

namespace nnkit::kernels {
namespace {

void mask_chunks_scalar(const std::uint32_t* words, std::size_t chunks, std::uint32_t threshold, float scale,
                        const float* x, float* out, std::uint32_t* mask, bool /*stream*/) {
  for (std::size_t c = 0; c < chunks; ++c, words += kRngChunkFloats, x += kRngChunkFloats, out += kRngChunkFloats) {
    std::uint32_t bits = 0;
    for (std::size_t e = 0; e < kRngChunkFloats; ++e) {
      const bool keep = words[e] < threshold;
      bits |= static_cast<std::uint32_t>(keep) << e;
      out[e] = keep ? x[e] * scale : 0.0f;
    }
    mask[c] = bits;
  }
}

void backward_words_scalar(const float* dy, const std::uint32_t* mask, std::size_t words, float scale, float* dx,
                           bool /*stream*/) {
  for (std::size_t w = 0; w < words; ++w, dy += 32, dx += 32)
    for (std::size_t e = 0; e < 32; ++e) dx[e] = (mask[w] >> e) & 1u ? dy[e] * scale : 0.0f;
}

void scale_scalar(const float* x, float scale, float* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = x[i] * scale;
}

const DropoutKernels kScalar = {mask_chunks_scalar, backward_words_scalar, scale_scalar};

// 2048 chunks = 64 Ki elements per task, the same split as the RNG fills; fixed, so the
// output never depends on the thread count.
constexpr std::size_t kChunksPerTask = 2048;

constexpr std::size_t kElementsPerTask = kChunksPerTask * kRngChunkFloats;
// Chunks whose words are generated into a stack buffer at a time: 8 KiB, read back from L1.
constexpr std::size_t kChunksPerBatch = 64;

// fn(begin, count) over [0, units) in fixed blocks of `per_task` units.
template <typename Fn>
void for_each_block(std::size_t units, std::size_t per_task, Fn&& fn) {
  const std::size_t tasks = (units + per_task - 1) / per_task;
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t begin = task * per_task;
    fn(begin, std::min(units, begin + per_task) - begin);
  });
}

bool should_stream(const float* out, std::size_t n) {
  return n * sizeof(float) >= kDropoutStreamBytes && reinterpret_cast<std::uintptr_t>(out) % 16 == 0;
}

}  // namespace

const DropoutKernels& dropout_kernels(SimdPath path) {
  return select_kernels<DropoutKernels>(path, {&kScalar, dropout_kernels_avx2(), dropout_kernels_avx512(), dropout_kernels_neon()});
}

void dropout_forward(SimdPath path, const RngStream& s, std::uint64_t offset, double keep_prob, float scale,
                     const float* x, float* out, std::uint32_t* mask, std::size_t n) {
  const DropoutKernels& k = dropout_kernels(path);
  const std::size_t full = n / kRngChunkFloats, tail = n % kRngChunkFloats;
  const double threshold = std::ceil(keep_prob * 4294967296.0);
  if (threshold >= 4294967296.0) {
    // Every word is below 2^32: all kept. The stream still advances by the same blocks.
    for_each_block(n, kElementsPerTask, [&](std::size_t begin, std::size_t count) { k.scale(x + begin, scale, out + begin, count); });
    const std::size_t words = dropout_mask_words(n);
    std::fill(mask, mask + words, 0xffffffffu);
    if (tail != 0) mask[words - 1] = (1u << tail) - 1u;
    return;
  }
  const auto t = static_cast<std::uint32_t>(threshold);
  const RngKernels& rng = rng_kernels(path);
  const bool stream = should_stream(out, n);
  for_each_block(full, kChunksPerTask, [&](std::size_t begin, std::size_t count) {
    std::uint32_t words[kChunksPerBatch * kRngChunkFloats];
    for (std::size_t c = begin; c < begin + count; c += kChunksPerBatch) {
      const std::size_t m = std::min(kChunksPerBatch, begin + count - c);
      rng.bits_chunks(s, offset + c * kRngBlocksPerChunk, m, words);
      k.mask_chunks(words, m, t, scale, x + c * kRngChunkFloats, out + c * kRngChunkFloats, mask + c, stream);
    }
  });
  if (tail != 0) {
    std::uint32_t words[kRngChunkFloats];
    float x_tail[kRngChunkFloats] = {}, out_tail[kRngChunkFloats];
    std::uint32_t bits = 0;
    std::memcpy(x_tail, x + full * kRngChunkFloats, tail * sizeof(float));
    rng.bits_chunks(s, offset + full * kRngBlocksPerChunk, 1, words);
    k.mask_chunks(words, 1, t, scale, x_tail, out_tail, &bits, false);
    std::memcpy(out + full * kRngChunkFloats, out_tail, tail * sizeof(float));
    mask[full] = bits & ((1u << tail) - 1u);
  }
}

void dropout_backward(SimdPath path, const float* dy, const std::uint32_t* mask, float scale, float* dx,
                      std::size_t n) {
  const DropoutKernels& k = dropout_kernels(path);
  if (mask == nullptr) {
    for_each_block(n, kElementsPerTask, [&](std::size_t begin, std::size_t count) { k.scale(dy + begin, scale, dx + begin, count); });
    return;
  }
  const std::size_t full = n / 32, tail = n % 32;
  const bool stream = should_stream(dx, n);
  for_each_block(full, kChunksPerTask, [&](std::size_t begin, std::size_t count) {
    k.backward_words(dy + begin * 32, mask + begin, count, scale, dx + begin * 32, stream);
  });
  for (std::size_t e = 0; e < tail; ++e) {
    const std::size_t i = full * 32 + e;
    dx[i] = (mask[full] >> e) & 1u ? dy[i] * scale : 0.0f;
  }
}

}  // namespace nnkit::kernels
