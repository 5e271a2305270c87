// AVX2/FMA twins of the loss row kernels: 8 scores per register, the exponential and logarithm of
// loss_math.h evaluated lane-wise with the same operation sequence as the scalar twin. Full
// blocks use plain unaligned loads and stores; the last partial block uses masked loads and
// stores so nothing outside the row is read or written. Compiled with -mavx2 -mfma; everything
// but the table accessor has internal linkage.
#include "loss.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include <cmath>
#include <limits>
#include <utility>

#include "loss_math.h"
#include "simd_avx2.h"

namespace nnkit::kernels {
namespace {

using namespace loss_math;

// e^x for x <= 0, lane-wise twin of loss_math::exp_neg.
inline __m256 exp_neg8(__m256 x) {
  // max(low, x) returns x when x is NaN (the second operand), like the scalar twin.
  const __m256 xc = _mm256_max_ps(_mm256_set1_ps(kExpLow), x);
  const __m256 magic = _mm256_set1_ps(kRoundMagic);
  const __m256 t = _mm256_fmadd_ps(xc, _mm256_set1_ps(kLog2e), magic);
  const __m256 n = _mm256_sub_ps(t, magic);
  __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Hi), xc);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Lo), r);
  __m256 p = _mm256_set1_ps(kExpP[0]);
  for (int i = 1; i < kExpTerms; ++i) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpP[i]));
  const __m256 r2 = _mm256_mul_ps(r, r);
  __m256 y = _mm256_fmadd_ps(p, r2, r);
  y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
  const __m256i bits =
      _mm256_slli_epi32(_mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(kRoundMagicBits - 127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}

// log(w) for w in [1, 2], twin of loss_math::log_one_two.
inline __m256 log_one_two8(__m256 w) { return cephes::log_avx2(w); }

inline __m256 sign8(__m256 x) {  // +1, −1, or 0 at ±0 (NaN gives 0: the row is poisoned anyway)
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 zero = _mm256_setzero_ps();
  return _mm256_sub_ps(_mm256_and_ps(_mm256_cmp_ps(x, zero, _CMP_GT_OQ), one),
                       _mm256_and_ps(_mm256_cmp_ps(x, zero, _CMP_LT_OQ), one));
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

float poison_row(std::size_t c, float* grad) {
  if (grad)
    for (std::size_t j = 0; j < c; ++j) grad[j] = kNaN;
  return kNaN;
}

// Runs body(j, f, t, lanes) over a row in blocks of 8; `lanes` is all-ones for a full block and
// the valid lanes of the tail. body returns the gradient block, stored when grad is non-null.
template <bool HasTargets, typename Body>
inline void for_each_block(const float* f, const float* t, std::size_t c, float* grad, Body&& body) {
  const __m256 all = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  std::size_t j = 0;
  for (; j + 8 <= c; j += 8) {
    const __m256 fv = _mm256_loadu_ps(f + j);
    const __m256 tv = HasTargets ? _mm256_loadu_ps(t + j) : _mm256_setzero_ps();
    const __m256 g = body(j, fv, tv, all);
    if (grad) _mm256_storeu_ps(grad + j, g);
  }
  if (j < c) {
    const __m256i mask = tail_mask(c - j);
    const __m256 fv = _mm256_maskload_ps(f + j, mask);
    const __m256 tv = HasTargets ? _mm256_maskload_ps(t + j, mask) : _mm256_setzero_ps();
    const __m256 g = body(j, fv, tv, _mm256_castsi256_ps(mask));
    if (grad) _mm256_maskstore_ps(grad + j, mask, g);
  }
}

float svm_row_avx2(const float* f, std::size_t c, std::uint32_t y, float margin, bool squared, float grad_scale,
                   float* grad) {
  const __m256 fy_minus_margin = _mm256_set1_ps(f[y]);
  const __m256 delta = _mm256_set1_ps(margin);
  const __m256 scale = _mm256_set1_ps(grad_scale);
  const __m256 zero = _mm256_setzero_ps();
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256i label = _mm256_set1_epi32(static_cast<int>(y));
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256 loss = zero, count = zero, nonfinite = zero;
  for_each_block<false>(f, nullptr, c, grad, [&](std::size_t j, __m256 fv, __m256, __m256 lanes) {
    nonfinite = _mm256_add_ps(nonfinite, _mm256_mul_ps(fv, zero));
    const __m256 m = _mm256_add_ps(_mm256_sub_ps(fv, fy_minus_margin), delta);
    const __m256i index = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(j)), iota);
    const __m256 not_label = _mm256_castsi256_ps(_mm256_xor_si256(_mm256_cmpeq_epi32(index, label), _mm256_set1_epi32(-1)));
    const __m256 active = _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(m, zero, _CMP_GT_OQ), not_label), lanes);
    __m256 term, slope;
    if (squared) {
      term = _mm256_and_ps(active, _mm256_mul_ps(m, m));
      slope = _mm256_and_ps(active, _mm256_add_ps(m, m));
    } else {
      term = _mm256_and_ps(active, m);
      slope = _mm256_and_ps(active, one);
    }
    loss = _mm256_add_ps(loss, term);
    count = _mm256_add_ps(count, slope);
    return _mm256_mul_ps(slope, scale);
  });
  if (hsum(nonfinite) != 0.0f) return poison_row(c, grad);
  if (grad) grad[y] = -hsum(count) * grad_scale;
  return hsum(loss);
}

// Max and min over the row (a masked-off tail lane reads as −inf for the max, +inf for the min).
// Non-finite scores need no test per score here: NaN or +inf anywhere makes the sum of
// e^{f − max} NaN (+inf − max is NaN), and −inf shows as the minimum (see row_is_poisoned).
inline float row_max_min(const float* f, std::size_t c, float& min_out) {
  const __m256 inf = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  const __m256 neg_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 max = neg_inf, min = inf;
  std::size_t j = 0;
  for (; j + 8 <= c; j += 8) {
    const __m256 fv = _mm256_loadu_ps(f + j);
    max = _mm256_max_ps(max, fv);
    min = _mm256_min_ps(min, fv);
  }
  if (j < c) {
    const __m256i mask = tail_mask(c - j);
    const __m256 fv = _mm256_maskload_ps(f + j, mask), lanes = _mm256_castsi256_ps(mask);
    max = _mm256_max_ps(max, _mm256_blendv_ps(neg_inf, fv, lanes));
    min = _mm256_min_ps(min, _mm256_blendv_ps(inf, fv, lanes));
  }
  min_out = hmin(min);
  return hmax(max);
}

// A row with NaN or ±inf: its sum of e^{f − max} is NaN (NaN, or +inf − max), or −inf is its
// minimum. (max_ps may drop a NaN from the max, never from the exponentials.)
inline bool row_is_poisoned(float sum, float min) {
  return sum != sum || min == -std::numeric_limits<float>::infinity();
}

// Writes e^{f − max} into out (when non-null) and returns their sum, prefetching the same span
// of the row at `ahead` (bytes, may be null) as it goes. Four blocks per step with
// their own partial sums: each exponential is a long dependency chain, and the loop-carried sum
// would otherwise let only a few of them overlap.
inline float exp_row(const float* f, std::size_t c, float max, float* out, const char* ahead = nullptr) {
  const __m256 vmax = _mm256_set1_ps(max);
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  std::size_t j0 = 0;
  for (; j0 + 32 <= c; j0 += 32) {
    if (ahead) {
      _mm_prefetch(ahead + 4 * j0, _MM_HINT_T0);
      _mm_prefetch(ahead + 4 * j0 + 64, _MM_HINT_T0);
    }
    const __m256 e0 = exp_neg8(_mm256_sub_ps(_mm256_loadu_ps(f + j0), vmax));
    const __m256 e1 = exp_neg8(_mm256_sub_ps(_mm256_loadu_ps(f + j0 + 8), vmax));
    const __m256 e2 = exp_neg8(_mm256_sub_ps(_mm256_loadu_ps(f + j0 + 16), vmax));
    const __m256 e3 = exp_neg8(_mm256_sub_ps(_mm256_loadu_ps(f + j0 + 24), vmax));
    s0 = _mm256_add_ps(s0, e0);
    s1 = _mm256_add_ps(s1, e1);
    s2 = _mm256_add_ps(s2, e2);
    s3 = _mm256_add_ps(s3, e3);
    if (out) {
      _mm256_storeu_ps(out + j0, e0);
      _mm256_storeu_ps(out + j0 + 8, e1);
      _mm256_storeu_ps(out + j0 + 16, e2);
      _mm256_storeu_ps(out + j0 + 24, e3);
    }
  }
  __m256 sum = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
  f += j0;
  if (out) out += j0;
  c -= j0;
  for_each_block<false>(f, nullptr, c, out, [&](std::size_t, __m256 fv, __m256, __m256 lanes) {
    const __m256 e = _mm256_and_ps(lanes, exp_neg8(_mm256_sub_ps(fv, vmax)));
    sum = _mm256_add_ps(sum, e);
    return e;
  });
  return hsum(sum);
}

inline void scale_row(float* x, std::size_t c, float s) {
  const __m256 vs = _mm256_set1_ps(s);
  std::size_t j = 0;
  for (; j + 8 <= c; j += 8) _mm256_storeu_ps(x + j, _mm256_mul_ps(_mm256_loadu_ps(x + j), vs));
  for (; j < c; ++j) x[j] *= s;
}

// `ahead`: the next row, prefetched while this row's exponentials run (the hardware prefetcher
// alone leaves the compute-bound exponential pass and the memory-bound loads taking turns;
// 9% faster at 8192 × 1000), or null.
float softmax_row_ahead(const float* f, std::size_t c, std::uint32_t y, float grad_scale, float* grad,
                        const float* ahead) {
  float min;
  const float max = row_max_min(f, c, min);
  const float sum = exp_row(f, c, max, grad, reinterpret_cast<const char*>(ahead));
  if (row_is_poisoned(sum, min)) return poison_row(c, grad);
  if (grad) {
    scale_row(grad, c, grad_scale / sum);
    grad[y] -= grad_scale;
  }
  // (max − f_y) first: adding log(sum) to a large max and subtracting f_y again would lose
  // log(sum) to rounding (all-equal logits of 1e30 would give 0 instead of log C).
  return (max - f[y]) + std::log(sum);
}

float softmax_row_avx2(const float* f, std::size_t c, std::uint32_t y, float grad_scale, float* grad) {
  return softmax_row_ahead(f, c, y, grad_scale, grad, nullptr);
}

// Rows of at most 16 classes, 8 rows at a time with one row per lane: the 8 rows are loaded
// and transposed in registers (see load_columns8 and its variants below), so max, exponentials,
// sums and the logarithm are all vertical operations, and the gradient is transposed back the
// same way. Short rows would
// otherwise pay three horizontal reductions and a libm log per row.
constexpr std::size_t kLaneRowsMaxClasses = 16;

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

double softmax_rows_avx2(const float* f, std::size_t rows, std::size_t c, const std::uint32_t* y, float grad_scale,
                         float* grad) {
  double total = 0.0;
  std::size_t i = 0;
  if (c <= kLaneRowsMaxClasses && c > 0) {
    // Per-lane double sums of the finite rows' losses, block by block in row order; poisoned
    // rows are added separately.
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
  }
  for (; i < rows; ++i)
    total += softmax_row_ahead(f + i * c, c, y[i], grad_scale, grad ? grad + i * c : nullptr,
                               i + 1 < rows ? f + (i + 1) * c : nullptr);
  return total;
}

void softmax_probabilities_row_avx2(const float* f, std::size_t c, float* out) {
  float min;
  const float max = row_max_min(f, c, min);
  const float sum = exp_row(f, c, max, out);
  if (row_is_poisoned(sum, min)) {
    poison_row(c, out);
    return;
  }
  scale_row(out, c, 1.0f / sum);
}

float multilabel_hinge_row_avx2(const float* f, const float* t, std::size_t c, float grad_scale, float* grad,
                                bool* bad_target) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 minus_one = _mm256_set1_ps(-1.0f);
  const __m256 scale = _mm256_set1_ps(grad_scale);
  __m256 loss = zero, nonfinite = zero;
  __m256 valid = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  for_each_block<true>(f, t, c, grad, [&](std::size_t, __m256 fv, __m256 tv, __m256 lanes) {
    nonfinite = _mm256_add_ps(nonfinite, _mm256_mul_ps(fv, zero));
    const __m256 ok = _mm256_or_ps(_mm256_or_ps(_mm256_cmp_ps(tv, one, _CMP_EQ_OQ), _mm256_cmp_ps(tv, zero, _CMP_EQ_OQ)),
                                   _mm256_cmp_ps(tv, minus_one, _CMP_EQ_OQ));
    valid = _mm256_and_ps(valid, ok);
    const __m256 sign = _mm256_blendv_ps(minus_one, one, _mm256_cmp_ps(tv, zero, _CMP_GT_OQ));
    const __m256 m = _mm256_sub_ps(one, _mm256_mul_ps(sign, fv));
    const __m256 active = _mm256_and_ps(_mm256_cmp_ps(m, zero, _CMP_GT_OQ), lanes);
    loss = _mm256_add_ps(loss, _mm256_and_ps(active, m));
    return _mm256_and_ps(active, _mm256_mul_ps(_mm256_sub_ps(zero, sign), scale));
  });
  if (_mm256_movemask_ps(valid) != 0xff) *bad_target = true;
  if (hsum(nonfinite) != 0.0f) return poison_row(c, grad);
  return hsum(loss);
}

float sigmoid_cross_entropy_row_avx2(const float* f, const float* t, std::size_t c, float grad_scale, float* grad,
                                     bool* bad_target) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 scale = _mm256_set1_ps(grad_scale);
  __m256 loss = zero, nonfinite = zero;
  __m256 valid = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  for_each_block<true>(f, t, c, grad, [&](std::size_t, __m256 x, __m256 y, __m256 lanes) {
    nonfinite = _mm256_add_ps(nonfinite, _mm256_mul_ps(x, zero));
    valid = _mm256_and_ps(valid, _mm256_and_ps(_mm256_cmp_ps(y, zero, _CMP_GE_OQ), _mm256_cmp_ps(y, one, _CMP_LE_OQ)));
    const __m256 e = exp_neg8(_mm256_sub_ps(zero, _mm256_and_ps(x, abs_mask)));
    // log(1 + e) = 2·atanh(e/(2 + e)) and σ(|x|) = 1/(1 + e) from one division (loss_math.h)
    const __m256 w1 = _mm256_add_ps(one, e), w2 = _mm256_add_ps(_mm256_set1_ps(2.0f), e);
    const __m256 d = _mm256_div_ps(one, _mm256_mul_ps(w1, w2));
    const __m256 s = _mm256_mul_ps(_mm256_mul_ps(e, w1), d);
    const __m256 z = _mm256_mul_ps(s, s);
    __m256 p = _mm256_set1_ps(kAtanhP[0]);
    for (int i = 1; i < 7; ++i) p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(kAtanhP[i]));
    const __m256 log1p = _mm256_mul_ps(p, s);
    const __m256 inv = _mm256_mul_ps(w2, d);
    const __m256 positive = _mm256_and_ps(_mm256_cmp_ps(x, zero, _CMP_GT_OQ), x);
    const __m256 term = _mm256_add_ps(_mm256_sub_ps(positive, _mm256_mul_ps(x, y)), log1p);
    loss = _mm256_add_ps(loss, _mm256_and_ps(lanes, term));
    const __m256 sigma = _mm256_blendv_ps(_mm256_mul_ps(e, inv), inv, _mm256_cmp_ps(x, zero, _CMP_GE_OQ));
    return _mm256_mul_ps(_mm256_sub_ps(sigma, y), scale);
  });
  if (_mm256_movemask_ps(valid) != 0xff) *bad_target = true;
  if (hsum(nonfinite) != 0.0f) return poison_row(c, grad);
  return hsum(loss);
}

float l2_row_avx2(const float* f, const float* t, std::size_t c, float grad_scale, float* grad) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 two_scale = _mm256_set1_ps(2.0f * grad_scale);
  __m256 loss = zero, nonfinite = zero;
  for_each_block<true>(f, t, c, grad, [&](std::size_t, __m256 fv, __m256 tv, __m256) {
    const __m256 d = _mm256_sub_ps(fv, tv);  // masked lanes are 0 − 0
    nonfinite = _mm256_add_ps(nonfinite, _mm256_mul_ps(d, zero));
    loss = _mm256_add_ps(loss, _mm256_mul_ps(d, d));
    return _mm256_mul_ps(d, two_scale);
  });
  if (hsum(nonfinite) != 0.0f) return poison_row(c, grad);
  return hsum(loss);
}

float l1_row_avx2(const float* f, const float* t, std::size_t c, float grad_scale, float* grad) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 scale = _mm256_set1_ps(grad_scale);
  __m256 loss = zero, nonfinite = zero;
  for_each_block<true>(f, t, c, grad, [&](std::size_t, __m256 fv, __m256 tv, __m256) {
    const __m256 d = _mm256_sub_ps(fv, tv);
    nonfinite = _mm256_add_ps(nonfinite, _mm256_mul_ps(d, zero));
    loss = _mm256_add_ps(loss, _mm256_and_ps(d, abs_mask));
    return _mm256_mul_ps(sign8(d), scale);
  });
  if (hsum(nonfinite) != 0.0f) return poison_row(c, grad);
  return hsum(loss);
}

float dot_avx2(const float* a, const float* b, std::size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  if (i + 8 <= n) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    i += 8;
  }
  float s = hsum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

void axpy_avx2(float alpha, const float* x, float* y, std::size_t n) {
  const __m256 a = _mm256_set1_ps(alpha);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += alpha * x[i];
}

const LossKernels kAvx2 = {svm_row_avx2,
                           softmax_row_avx2,
                           softmax_rows_avx2,
                           softmax_probabilities_row_avx2,
                           multilabel_hinge_row_avx2,
                           sigmoid_cross_entropy_row_avx2,
                           l2_row_avx2,
                           l1_row_avx2,
                           dot_avx2,
                           axpy_avx2};

}  // namespace

const LossKernels* loss_kernels_avx2() { return &kAvx2; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const LossKernels* loss_kernels_avx2() { return nullptr; }
}  // namespace nnkit::kernels

#endif
