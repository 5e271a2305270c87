// The loss row kernels over the vector layer (vec.h), built once per SIMD target: kLanes scores
// per register, the exponential and logarithm of vec_math.h with the same operation sequence as
// the scalar twins in loss.cc (so element values agree; sums are taken in kLanes-wide partial
// sums). Full blocks use plain loads and stores; the last partial block uses masked ones, so
// nothing outside the row is read or written.
#include "loss.h"
#include "loss_lanes.h"
#include "vec.h"
#include "vec_math.h"

#if NNKIT_VEC_AVAILABLE
#include <cmath>
#include <limits>

namespace nnkit::kernels {
namespace {

using namespace vec;

using loss_math::poison_row;
constexpr float kInf = std::numeric_limits<float>::infinity();

inline Vf sign(Vf x) {  // +1, −1, or 0 at ±0 (NaN gives 0: the row is poisoned anyway)
  const Vf one = set1(1.0f);
  return keep(gt(x, zero()), one) - keep(lt(x, zero()), one);
}

// Runs body(j, f, t, lanes) over a row in blocks of kLanes; `lanes` holds for every lane of a
// full block and for the valid lanes of the tail (whose other lanes read as 0). body returns
// the gradient block, stored when grad is non-null.
template <bool HasTargets, typename Body>
inline void for_each_block(const float* f, const float* t, std::size_t c, float* grad, Body&& body) {
  const Mask all = lanes_first(kLanes);
  std::size_t j = 0;
  for (; j + kLanes <= c; j += kLanes) {
    const Vf g = body(j, load(f + j), HasTargets ? load(t + j) : zero(), all);
    if (grad) store(grad + j, g);
  }
  if (j < c) {
    const std::size_t r = c - j;
    const Vf g = body(j, load_first(f + j, r), HasTargets ? load_first(t + j, r) : zero(), lanes_first(r));
    if (grad) store_first(grad + j, g, r);
  }
}

float svm_row(const float* f, std::size_t c, std::uint32_t y, float margin, bool squared, float grad_scale,
              float* grad) {
  const Vf fy = set1(f[y]), delta = set1(margin), scale = set1(grad_scale), one = set1(1.0f);
  const Vi label = set1_i(y);
  Vf loss = zero(), count = zero(), nonfinite = zero();
  for_each_block<false>(f, nullptr, c, grad, [&](std::size_t j, Vf fv, Vf, Mask lanes) {
    nonfinite = nonfinite + fv * zero();
    const Vf m = (fv - fy) + delta;
    const Mask not_label = ~eq_i(set1_i(static_cast<std::uint32_t>(j)) + iota_i(), label);
    const Mask active = gt(m, zero()) & not_label & lanes;
    const Vf term = keep(active, squared ? m * m : m);
    const Vf slope = keep(active, squared ? m + m : one);
    loss = loss + term;
    count = count + slope;
    return slope * scale;
  });
  if (hsum(nonfinite) != 0.0f) return poison_row(c, grad);
  if (grad) grad[y] = -hsum(count) * grad_scale;
  return hsum(loss);
}

// Max and min over the row (a masked-off tail lane counts as −inf for the max, +inf for the
// min). Non-finite scores need no test per score: NaN or +inf anywhere makes the sum of
// e^{f − max} NaN (+inf − max is NaN), and −inf shows as the minimum (see row_is_poisoned).
inline float row_max_min(const float* f, std::size_t c, float& min_out) {
  const Vf inf = set1(kInf), neg_inf = set1(-kInf);
  Vf mx = neg_inf, mn = inf;
  std::size_t j = 0;
  for (; j + kLanes <= c; j += kLanes) {
    const Vf fv = load(f + j);
    mx = max(mx, fv);
    mn = min(mn, fv);
  }
  if (j < c) {
    const Vf fv = load_first(f + j, c - j);
    const Mask lanes = lanes_first(c - j);
    mx = max(mx, select(lanes, fv, neg_inf));
    mn = min(mn, select(lanes, fv, inf));
  }
  min_out = hmin(mn);
  return hmax(mx);
}

// A row with NaN or ±inf: its sum of e^{f − max} is NaN (NaN, or +inf − max), or −inf is its
// minimum. (max may drop a NaN from the max, never from the exponentials.)
inline bool row_is_poisoned(float sum, float min) { return sum != sum || min == -kInf; }

// Writes e^{f − max} into out (when non-null) and returns their sum, prefetching the same span
// of the row at `ahead` (may be null) as it goes. Four blocks per step with their own partial
// sums: each exponential is a long dependency chain, and the loop-carried sum would otherwise
// let only a few of them overlap.
inline float exp_row(const float* f, std::size_t c, float row_max, float* out, const float* ahead = nullptr) {
  const Vf vmax = set1(row_max);
  Vf s0 = zero(), s1 = s0, s2 = s0, s3 = s0;
  std::size_t j0 = 0;
  for (; j0 + 4 * kLanes <= c; j0 += 4 * kLanes) {
    if (ahead)
      for (std::size_t line = 0; line < 4 * kLanes; line += 16) __builtin_prefetch(ahead + j0 + line, 0, 3);
    const Vf e0 = exp_neg(load(f + j0) - vmax);
    const Vf e1 = exp_neg(load(f + j0 + kLanes) - vmax);
    const Vf e2 = exp_neg(load(f + j0 + 2 * kLanes) - vmax);
    const Vf e3 = exp_neg(load(f + j0 + 3 * kLanes) - vmax);
    s0 = s0 + e0;
    s1 = s1 + e1;
    s2 = s2 + e2;
    s3 = s3 + e3;
    if (out) {
      store(out + j0, e0);
      store(out + j0 + kLanes, e1);
      store(out + j0 + 2 * kLanes, e2);
      store(out + j0 + 3 * kLanes, e3);
    }
  }
  Vf sum = (s0 + s1) + (s2 + s3);
  for_each_block<false>(f + j0, nullptr, c - j0, out ? out + j0 : nullptr, [&](std::size_t, Vf fv, Vf, Mask lanes) {
    const Vf e = keep(lanes, exp_neg(fv - vmax));
    sum = sum + e;
    return e;
  });
  return hsum(sum);
}

inline void scale_row(float* x, std::size_t c, float s) {
  const Vf vs = set1(s);
  std::size_t j = 0;
  for (; j + kLanes <= c; j += kLanes) store(x + j, load(x + j) * vs);
  if (j < c) store_first(x + j, load_first(x + j, c - j) * vs, c - j);
}

// `ahead`: the next row, prefetched while this row's exponentials run (the hardware prefetcher
// alone leaves the compute-bound exponential pass and the memory-bound loads taking turns;
// 9% faster at 8192 × 1000 with AVX2), or null.
float softmax_row_ahead(const float* f, std::size_t c, std::uint32_t y, float grad_scale, float* grad,
                        const float* ahead) {
  float min;
  const float max = row_max_min(f, c, min);
  const float sum = exp_row(f, c, max, grad, ahead);
  if (row_is_poisoned(sum, min)) return poison_row(c, grad);
  if (grad) {
    scale_row(grad, c, grad_scale / sum);
    grad[y] -= grad_scale;
  }
  // (max − f_y) first: adding log(sum) to a large max and subtracting f_y again would lose
  // log(sum) to rounding (all-equal logits of 1e30 would give 0 instead of log C).
  return (max - f[y]) + std::log(sum);
}

double softmax_rows(const float* f, std::size_t rows, std::size_t c, const std::uint32_t* y, float grad_scale,
                    float* grad) {
  double total = 0.0;
  std::size_t i = 0;
#if NNKIT_LOSS_LANES_AVX2
  // Short rows, 8 at a time with one row per lane (loss_lanes_avx2.cc).
  i = softmax_lane_rows_avx2(f, rows, c, y, grad_scale, grad, &total);
#endif
  for (; i < rows; ++i)
    total += softmax_row_ahead(f + i * c, c, y[i], grad_scale, grad ? grad + i * c : nullptr,
                               i + 1 < rows ? f + (i + 1) * c : nullptr);
  return total;
}

void softmax_probabilities_row(const float* f, std::size_t c, float* out) {
  float min;
  const float max = row_max_min(f, c, min);
  const float sum = exp_row(f, c, max, out);
  if (row_is_poisoned(sum, min)) {
    poison_row(c, out);
    return;
  }
  scale_row(out, c, 1.0f / sum);
}

float multilabel_hinge_row(const float* f, const float* t, std::size_t c, float grad_scale, float* grad,
                           bool* bad_target) {
  const Vf one = set1(1.0f), minus_one = set1(-1.0f), scale = set1(grad_scale);
  Vf loss = zero(), nonfinite = zero();
  Mask valid = lanes_first(kLanes);
  for_each_block<true>(f, t, c, grad, [&](std::size_t, Vf fv, Vf tv, Mask lanes) {
    // Masked-off tail lanes read t = 0, a valid target.
    nonfinite = nonfinite + fv * zero();
    valid = valid & (eq(tv, one) | eq(tv, zero()) | eq(tv, minus_one));
    const Vf s = select(gt(tv, zero()), one, minus_one);
    const Vf m = one - s * fv;
    const Mask active = gt(m, zero()) & lanes;
    loss = loss + keep(active, m);
    return keep(active, (zero() - s) * scale);
  });
  if (!all_of(valid)) *bad_target = true;
  if (hsum(nonfinite) != 0.0f) return poison_row(c, grad);
  return hsum(loss);
}

float sigmoid_cross_entropy_row(const float* f, const float* t, std::size_t c, float grad_scale, float* grad,
                                bool* bad_target) {
  using loss_math::kAtanhP;
  const Vf one = set1(1.0f), scale = set1(grad_scale);
  Vf loss = zero(), nonfinite = zero();
  Mask valid = lanes_first(kLanes);
  for_each_block<true>(f, t, c, grad, [&](std::size_t, Vf x, Vf y, Mask lanes) {
    nonfinite = nonfinite + x * zero();
    valid = valid & ge(y, zero()) & le(y, one);
    const Vf e = exp_neg(zero() - abs(x));
    // log(1 + e) = 2·atanh(e/(2 + e)) and σ(|x|) = 1/(1 + e) from one division (loss_math.h)
    const Vf w1 = one + e, w2 = set1(2.0f) + e;
    const Vf d = one / (w1 * w2);
    const Vf s = (e * w1) * d;
    const Vf z = s * s;
    Vf p = set1(kAtanhP[0]);
    for (int i = 1; i < 7; ++i) p = fma(p, z, set1(kAtanhP[i]));
    const Vf log1p = p * s;
    const Vf inv = w2 * d;
    const Vf positive = keep(gt(x, zero()), x);
    const Vf term = (positive - x * y) + log1p;
    loss = loss + keep(lanes, term);
    const Vf sigma = select(ge(x, zero()), inv, e * inv);
    return (sigma - y) * scale;
  });
  if (!all_of(valid)) *bad_target = true;
  if (hsum(nonfinite) != 0.0f) return poison_row(c, grad);
  return hsum(loss);
}

float l2_row(const float* f, const float* t, std::size_t c, float grad_scale, float* grad) {
  const Vf two_scale = set1(2.0f * grad_scale);
  Vf loss = zero(), nonfinite = zero();
  for_each_block<true>(f, t, c, grad, [&](std::size_t, Vf fv, Vf tv, Mask) {
    const Vf d = fv - tv;  // masked-off lanes are 0 − 0
    nonfinite = nonfinite + d * zero();
    loss = loss + d * d;
    return d * two_scale;
  });
  if (hsum(nonfinite) != 0.0f) return poison_row(c, grad);
  return hsum(loss);
}

float l1_row(const float* f, const float* t, std::size_t c, float grad_scale, float* grad) {
  const Vf scale = set1(grad_scale);
  Vf loss = zero(), nonfinite = zero();
  for_each_block<true>(f, t, c, grad, [&](std::size_t, Vf fv, Vf tv, Mask) {
    const Vf d = fv - tv;
    nonfinite = nonfinite + d * zero();
    loss = loss + abs(d);
    return sign(d) * scale;
  });
  if (hsum(nonfinite) != 0.0f) return poison_row(c, grad);
  return hsum(loss);
}

float dot(const float* a, const float* b, std::size_t n) {
  Vf s0 = zero(), s1 = zero();
  std::size_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    s0 = fma(load(a + i), load(b + i), s0);
    s1 = fma(load(a + i + kLanes), load(b + i + kLanes), s1);
  }
  for (; i < n; i += kLanes) s0 = fma(load_first(a + i, n - i), load_first(b + i, n - i), s0);
  return hsum(s0 + s1);
}

// y += alpha·x, rounded once per element (the scalar twin multiplies, then adds).
void axpy(float alpha, const float* x, float* y, std::size_t n) {
  const Vf a = set1(alpha);
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) store(y + i, fma(a, load(x + i), load(y + i)));
  if (i < n) store_first(y + i, fma(a, load_first(x + i, n - i), load_first(y + i, n - i)), n - i);
}

const LossKernels kTable = {svm_row,
                            softmax_rows,
                            softmax_probabilities_row,
                            multilabel_hinge_row,
                            sigmoid_cross_entropy_row,
                            l2_row,
                            l1_row,
                            dot,
                            axpy};

// AVX-512 8192×1000 on Zen 5: sigmoid cross-entropy 1.76× AVX2, softmax 1.25×, SVM 1.16×.
constexpr SimdPath kPaying[] = {SimdPath::avx2, SimdPath::avx512, SimdPath::neon};

}  // namespace

const LossKernels* NNKIT_VEC_ACCESSOR(loss_kernels)() { return vec::keeps_table(kTable, kPaying); }

}  // namespace nnkit::kernels
#else
namespace nnkit::kernels {
const LossKernels* NNKIT_VEC_ACCESSOR(loss_kernels)() { return nullptr; }
}  // namespace nnkit::kernels
#endif
