// AVX2 twins of the dropout kernels (compiled with -mavx2 -mfma; internal linkage only).
// Bit-identical to the scalar twins: the same compare, one multiply.
#include "dropout.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>


namespace nnkit::kernels {
namespace {

// Stores 8 floats at a 16-byte aligned address without reading the line first.
inline void stream8(float* dst, __m256 v) {
  _mm_stream_ps(dst, _mm256_castps256_ps128(v));
  _mm_stream_ps(dst + 4, _mm256_extractf128_ps(v, 1));
}

template <bool Stream>
inline void store8(float* dst, __m256 v) {
  if (Stream)
    stream8(dst, v);
  else
    _mm256_storeu_ps(dst, v);
}

template <bool Stream>
void mask_chunks_impl(const std::uint32_t* words, std::size_t chunks, std::uint32_t threshold, float scale,
                      const float* x, float* out, std::uint32_t* mask) {
  // Unsigned w < t as a signed compare with both sign bits flipped.
  const __m256i flip = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  const __m256i t = _mm256_set1_epi32(static_cast<int>(threshold ^ 0x80000000u));
  const __m256 vscale = _mm256_set1_ps(scale);
  for (std::size_t c = 0; c < chunks; ++c, words += kRngChunkFloats, x += kRngChunkFloats, out += kRngChunkFloats) {
    std::uint32_t bits = 0;
    for (int g = 0; g < 4; ++g) {
      const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(words + 8 * g));
      const __m256 keep = _mm256_castsi256_ps(_mm256_cmpgt_epi32(t, _mm256_xor_si256(w, flip)));
      bits |= static_cast<std::uint32_t>(_mm256_movemask_ps(keep)) << (8 * g);
      store8<Stream>(out + 8 * g, _mm256_and_ps(keep, _mm256_mul_ps(_mm256_loadu_ps(x + 8 * g), vscale)));
    }
    mask[c] = bits;
  }
}

void mask_chunks_avx2(const std::uint32_t* words, std::size_t chunks, std::uint32_t threshold, float scale,
                      const float* x, float* out, std::uint32_t* mask, bool stream) {
  if (stream) {
    mask_chunks_impl<true>(words, chunks, threshold, scale, x, out, mask);
    _mm_sfence();  // order the streamed stores before the task reports completion
  } else {
    mask_chunks_impl<false>(words, chunks, threshold, scale, x, out, mask);
  }
}

template <bool Stream>
void backward_words_impl(const float* dy, const std::uint32_t* mask, std::size_t words, float scale, float* dx) {
  const __m256i lane_bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  const __m256 vscale = _mm256_set1_ps(scale);
  for (std::size_t w = 0; w < words; ++w, dy += 32, dx += 32) {
    const std::uint32_t word = mask[w];
    for (int g = 0; g < 4; ++g) {
      const __m256i byte = _mm256_set1_epi32(static_cast<int>((word >> (8 * g)) & 0xffu));
      const __m256 keep = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(byte, lane_bits), lane_bits));
      store8<Stream>(dx + 8 * g, _mm256_and_ps(keep, _mm256_mul_ps(_mm256_loadu_ps(dy + 8 * g), vscale)));
    }
  }
}

void backward_words_avx2(const float* dy, const std::uint32_t* mask, std::size_t words, float scale, float* dx,
                         bool stream) {
  if (stream) {
    backward_words_impl<true>(dy, mask, words, scale, dx);
    _mm_sfence();
  } else {
    backward_words_impl<false>(dy, mask, words, scale, dx);
  }
}

void scale_avx2(const float* x, float scale, float* out, std::size_t n) {
  const __m256 vscale = _mm256_set1_ps(scale);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vscale));
  for (; i < n; ++i) out[i] = x[i] * scale;
}

const DropoutKernels kAvx2 = {mask_chunks_avx2, backward_words_avx2, scale_avx2};

}  // namespace

const DropoutKernels* dropout_kernels_avx2() { return &kAvx2; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const DropoutKernels* dropout_kernels_avx2() { return nullptr; }
}  // namespace nnkit::kernels

#endif
