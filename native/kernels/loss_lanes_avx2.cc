// Softmax over rows of at most 16 classes, 8 rows at a time with one row per lane (see
// loss_lanes.h): the 8 rows are loaded and transposed in registers (see load_columns8 and its
// variants below), so max, exponentials, sums and the logarithm are all vertical operations, and
// the gradient is transposed back the same way. Short rows would otherwise pay three horizontal
// reductions and a libm log per row. The exponential and logarithm are the vector layer's
// (vec_math.h), so the values match the row kernels. Compiled with -mavx2 -mfma; everything but
// softmax_lane_rows_avx2 has internal linkage.
#include "loss_lanes.h"

#if defined(__AVX2__) && defined(__FMA__) && defined(NNKIT_VEC_AVX2)
#include <immintrin.h>

#include <limits>
#include <utility>

#include "simd_avx2.h"
#include "vec.h"
#include "vec_math.h"

namespace nnkit::kernels {
namespace {

inline __m256 exp_neg8(__m256 x) { return vec::exp_neg(vec::Vf{x}).v; }
inline __m256 log_one_two8(__m256 w) { return vec::log_positive(vec::Vf{w}).v; }

using loss_math::poison_row;

// Loads columns [c0, c0 + 8) of 8 rows as 8 column vectors (lanes past c read as 0). A full
// load that would reach past the 8-row block is masked, so nothing outside it is read.
inline void load_columns(const float* block, std::size_t c, std::size_t c0, __m256 col[8]) {
  const std::size_t width = c - c0 < 8 ? c - c0 : 8;
  const __m256i mask = tail_mask(width);
  for (std::size_t r = 0; r < 8; ++r) {
    const std::size_t at = r * c + c0;
    col[r] = at + 8 <= 8 * c ? _mm256_loadu_ps(block + at) : _mm256_maskload_ps(block + at, mask);
  }
  transpose8(col);
}

// Rows of at least 8 classes: columns [0, 8) of the 8 rows. Each register is loaded with half
// rows r and r + 4 (128-bit loads, no cross-lane shuffle), so two in-lane 4×4 transposes finish
// the job: 16 shuffles instead of transpose8's 24.
inline void load_columns8(const float* block, std::size_t c, __m256 col[8]) {
  for (std::size_t half = 0; half < 2; ++half)
    for (std::size_t r = 0; r < 4; ++r)
      col[4 * half + r] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(block + r * c + 4 * half)),
                                               _mm_loadu_ps(block + (r + 4) * c + 4 * half), 1);
  transpose4_lanes(col[0], col[1], col[2], col[3]);
  transpose4_lanes(col[4], col[5], col[6], col[7]);
}

// The inverse of load_columns8: writes columns [0, 8) of the 8 rows and nothing else.
inline void store_columns8(float* block, std::size_t c, __m256 col[8]) {
  transpose4_lanes(col[0], col[1], col[2], col[3]);
  transpose4_lanes(col[4], col[5], col[6], col[7]);
  for (std::size_t half = 0; half < 2; ++half)
    for (std::size_t r = 0; r < 4; ++r) {
      const __m256 v = col[4 * half + r];
      _mm_storeu_ps(block + r * c + 4 * half, _mm256_castps256_ps128(v));
      _mm_storeu_ps(block + (r + 4) * c + 4 * half, _mm256_extractf128_ps(v, 1));
    }
}

// Rows of exactly 10 classes (the usual 10-class case): columns 8 and 9 of the 8 rows from
// 64-bit loads of each row's last pair, two shuffles instead of a transpose of 8 mostly empty
// columns.
inline __m128 load_pairs(const float* a, const float* b) {  // [a0 a1 b0 b1]
  return _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(), reinterpret_cast<const __m64*>(a)),
                      reinterpret_cast<const __m64*>(b));
}

inline void load_last_pair(const float* block, std::size_t c, __m256* first, __m256* second) {
  const float* p = block + c - 2;  // row r's pair is at p + r·c
  // a: rows 0, 1 | 4, 5; b: rows 2, 3 | 6, 7 — so even/odd elements of (a, b) are in row order.
  const __m256 a = _mm256_insertf128_ps(_mm256_castps128_ps256(load_pairs(p, p + c)), load_pairs(p + 4 * c, p + 5 * c), 1);
  const __m256 b =
      _mm256_insertf128_ps(_mm256_castps128_ps256(load_pairs(p + 2 * c, p + 3 * c)), load_pairs(p + 6 * c, p + 7 * c), 1);
  *first = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  *second = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
}

inline void store_last_pair(float* block, std::size_t c, __m256 first, __m256 second) {
  float* p = block + c - 2;
  const __m256 lo = _mm256_unpacklo_ps(first, second);  // rows 0, 1 | 4, 5
  const __m256 hi = _mm256_unpackhi_ps(first, second);  // rows 2, 3 | 6, 7
  const __m128 lo4 = _mm256_extractf128_ps(lo, 1), hi4 = _mm256_extractf128_ps(hi, 1);
  _mm_storel_pi(reinterpret_cast<__m64*>(p), _mm256_castps256_ps128(lo));
  _mm_storeh_pi(reinterpret_cast<__m64*>(p + c), _mm256_castps256_ps128(lo));
  _mm_storel_pi(reinterpret_cast<__m64*>(p + 2 * c), _mm256_castps256_ps128(hi));
  _mm_storeh_pi(reinterpret_cast<__m64*>(p + 3 * c), _mm256_castps256_ps128(hi));
  _mm_storel_pi(reinterpret_cast<__m64*>(p + 4 * c), lo4);
  _mm_storeh_pi(reinterpret_cast<__m64*>(p + 5 * c), lo4);
  _mm_storel_pi(reinterpret_cast<__m64*>(p + 6 * c), hi4);
  _mm_storeh_pi(reinterpret_cast<__m64*>(p + 7 * c), hi4);
}

// Stores column vectors back into 8 rows of c <= 8 classes (lo: columns 0-7). Rows are written
// in order with full-width stores whose spill into the following row is overwritten when that row
// is stored; a store that would reach past the block goes through a buffer.
inline void store_rows(float* block, std::size_t c, __m256 lo[8]) {
  transpose8(lo);
  alignas(32) float buffer[8];
  for (std::size_t r = 0; r < 8; ++r) {
    const std::size_t at = r * c;
    if (at + 8 <= 8 * c) {
      _mm256_storeu_ps(block + at, lo[r]);
    } else {
      _mm256_store_ps(buffer, lo[r]);
      for (std::size_t j = 0; j < c; ++j) block[at + j] = buffer[j];
    }
  }
}

// Columns [8, c) of 8 rows of 9 to 16 classes, as masked row stores.
inline void store_high_columns(float* block, std::size_t c, __m256 hi[8]) {
  transpose8(hi);
  const __m256i mask = tail_mask(c - 8);
  for (std::size_t r = 0; r < 8; ++r) _mm256_maskstore_ps(block + r * c + 8, mask, hi[r]);
}

// B blocks of 8 rows of exactly C classes (C known at compile time, so the column loops unroll
// and the column vectors stay in registers): the loss of each lane, the lanes with a non-finite
// score (non-zero), and the gradient rows when grad is non-null. One block is a long dependency
// chain (transpose, max, exponential, sum, logarithm, division: ~180 cycles) of ~500
// instructions, more than the out-of-order window holds; two blocks interleaved in program
// order run their chains side by side.
template <std::size_t C, std::size_t B>
void softmax_blocks(const float* block, const std::uint32_t* y, float grad_scale, float* grad, __m256* loss_out,
                    __m256* bad_out) {
  constexpr std::size_t kWidth = C > 8 ? 16 : 8;
  const __m256 scale = _mm256_set1_ps(grad_scale);
  const __m256 zero = _mm256_setzero_ps();
  __m256 v[B][kWidth];
  __m256i label[B];
  __m256 fy[B], max[B], min[B], sum[B];
  for (std::size_t b = 0; b < B; ++b) {
    const float* rows = block + 8 * b * C;
    if constexpr (C >= 8) load_columns8(rows, C, v[b]);
    else load_columns(rows, C, 0, v[b]);
    if constexpr (C == 10) load_last_pair(rows, C, &v[b][8], &v[b][9]);
    else if constexpr (C > 8) load_columns(rows, C, 8, v[b] + 8);
    // f[r][y_r] of the 8 rows in one gather (labels were checked to lie in [0, C)).
    label[b] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + 8 * b));
    const __m256i at = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                                           _mm256_set1_epi32(static_cast<int>(C))), label[b]);
    fy[b] = _mm256_i32gather_ps(rows, at, 4);
  }
  // Non-finite rows without a test per score: NaN or +inf anywhere makes the loss NaN (NaN
  // survives exp_neg8 and the sum; +inf − max is NaN), and −inf is the row minimum.
  for (std::size_t b = 0; b < B; ++b) max[b] = min[b] = v[b][0];
  for (std::size_t j = 0; j < C; ++j)
    for (std::size_t b = 0; b < B; ++b) {
      max[b] = _mm256_max_ps(max[b], v[b][j]);
      min[b] = _mm256_min_ps(min[b], v[b][j]);
    }
  for (std::size_t b = 0; b < B; ++b) sum[b] = zero;
  for (std::size_t j = 0; j < C; ++j)
    for (std::size_t b = 0; b < B; ++b) {
      v[b][j] = exp_neg8(_mm256_sub_ps(v[b][j], max[b]));
      sum[b] = _mm256_add_ps(sum[b], v[b][j]);
    }
  for (std::size_t b = 0; b < B; ++b) {
    // log of a sum in [1, C]: the Cephes log is valid for any positive normal float.
    // (max − f_y) + log(sum), in that order: see softmax_row_scalar.
    loss_out[b] = _mm256_add_ps(_mm256_sub_ps(max[b], fy[b]), log_one_two8(sum[b]));
    bad_out[b] = _mm256_or_ps(_mm256_cmp_ps(loss_out[b], loss_out[b], _CMP_UNORD_Q),
                              _mm256_cmp_ps(min[b], _mm256_set1_ps(-std::numeric_limits<float>::infinity()), _CMP_EQ_OQ));
  }
  if (!grad) return;
  for (std::size_t b = 0; b < B; ++b) {
    const __m256 factor = _mm256_div_ps(scale, sum[b]);
    // e·factor, then − grad_scale where lane r's label is j: the row kernel's two roundings in the
    // same order, applied in registers (subtracting from the stored rows would reload values
    // still in the store queue).
    for (std::size_t j = 0; j < C; ++j) {
      const __m256 onehot = _mm256_castsi256_ps(_mm256_cmpeq_epi32(label[b], _mm256_set1_epi32(static_cast<int>(j))));
      v[b][j] = _mm256_sub_ps(_mm256_mul_ps(v[b][j], factor), _mm256_and_ps(onehot, scale));
    }
    for (std::size_t j = C; j < kWidth; ++j) v[b][j] = zero;
    float* rows = grad + 8 * b * C;
    if constexpr (C >= 8) store_columns8(rows, C, v[b]);
    else store_rows(rows, C, v[b]);
    if constexpr (C == 10) store_last_pair(rows, C, v[b][8], v[b][9]);
    else if constexpr (C > 8) store_high_columns(rows, C, v[b] + 8);
  }
}

using SoftmaxBlocks = void (*)(const float*, const std::uint32_t*, float, float*, __m256*, __m256*);

template <typename Indices>
struct SoftmaxBlockTable;
template <std::size_t... Cs>
struct SoftmaxBlockTable<std::index_sequence<Cs...>> {
  // entry c − 1: rows of c classes, one block of 8 rows or two.
  static constexpr SoftmaxBlocks one[] = {&softmax_blocks<Cs + 1, 1>...};
  static constexpr SoftmaxBlocks two[] = {&softmax_blocks<Cs + 1, 2>...};
};
using SoftmaxBlocksTable = SoftmaxBlockTable<std::make_index_sequence<kLaneRowsMaxClasses>>;

}  // namespace

std::size_t softmax_lane_rows_avx2(const float* f, std::size_t rows, std::size_t c, const std::uint32_t* y,
                                   float grad_scale, float* grad, double* total_out) {
  if (c == 0 || c > kLaneRowsMaxClasses) return 0;
  double total = 0.0;
  std::size_t i = 0;
  // Per-lane double sums of the finite rows' losses, block by block in row order; poisoned rows
  // are added separately.
  __m256d sum_lo = _mm256_setzero_pd(), sum_hi = _mm256_setzero_pd();
  auto add_block = [&](std::size_t at, __m256 loss, __m256 nonfinite) {
    const int bad = _mm256_movemask_ps(nonfinite);
    if (bad != 0) {
      alignas(32) float lane_loss[8];
      _mm256_store_ps(lane_loss, loss);
      for (std::size_t r = 0; r < 8; ++r) {
        if (bad & (1 << r)) {
          total += poison_row(c, grad ? grad + (at + r) * c : nullptr);
          lane_loss[r] = 0.0f;
        }
      }
      loss = _mm256_load_ps(lane_loss);
    }
    sum_lo = _mm256_add_pd(sum_lo, _mm256_cvtps_pd(_mm256_castps256_ps128(loss)));
    sum_hi = _mm256_add_pd(sum_hi, _mm256_cvtps_pd(_mm256_extractf128_ps(loss, 1)));
  };
  const SoftmaxBlocks two = SoftmaxBlocksTable::two[c - 1], one = SoftmaxBlocksTable::one[c - 1];
  for (; i + 16 <= rows; i += 16) {
    __m256 loss[2], nonfinite[2];
    two(f + i * c, y + i, grad_scale, grad ? grad + i * c : nullptr, loss, nonfinite);
    add_block(i, loss[0], nonfinite[0]);
    add_block(i + 8, loss[1], nonfinite[1]);
  }
  if (i + 8 <= rows) {
    __m256 loss, nonfinite;
    one(f + i * c, y + i, grad_scale, grad ? grad + i * c : nullptr, &loss, &nonfinite);
    add_block(i, loss, nonfinite);
    i += 8;
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(sum_lo, sum_hi));
  total += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  *total_out += total;
  return i;
}

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
// Built without AVX2 (a compiler or architecture without it): no rows go through the lane
// kernel, the row kernels take them all.
std::size_t softmax_lane_rows_avx2(const float*, std::size_t, std::size_t, const std::uint32_t*, float, float*,
                                   double*) {
  return 0;
}
}  // namespace nnkit::kernels

#endif
