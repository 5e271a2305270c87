// Data losses of CS231n "Setting up the Data and the Loss" (spec §5), forward and backward in one
// pass over each row of scores.
//
// Every row kernel reads one row of C scores (and targets), returns that row's loss L_i and, when
// `grad` is not null, writes grad_scale · ∂L_i/∂f into the row of the gradient (grad_scale is 1/N
// for a mean, 1 for a sum). Rows whose scores or targets hold NaN or ±Infinity get a NaN loss and
// an all-NaN gradient row: the documented policy, identical on every path.
//
// Drivers split the rows into tasks of a fixed number of rows (a function of C only), sum the row
// losses of a task in double, then the task sums in task order: the result does not depend on
// the thread count. Inputs need only 4-byte alignment; every kernel handles its tail explicitly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu.h"

namespace nnkit::kernels {

enum class LabelType { int32, uint32, uint16, uint8 };

// One class index per row, in the caller's integer type (no copy).
struct LabelView {
  const void* data;
  LabelType type;
  std::int64_t at(std::size_t i) const {
    switch (type) {
      case LabelType::int32: return static_cast<const std::int32_t*>(data)[i];
      case LabelType::uint32: return static_cast<const std::uint32_t*>(data)[i];
      case LabelType::uint16: return static_cast<const std::uint16_t*>(data)[i];
      default: return static_cast<const std::uint8_t*>(data)[i];
    }
  }
  // Calls fn(pointer) with the array typed: loops inside fn dispatch once, not per label.
  template <typename Fn>
  decltype(auto) visit(Fn&& fn) const {
    switch (type) {
      case LabelType::int32: return fn(static_cast<const std::int32_t*>(data));
      case LabelType::uint32: return fn(static_cast<const std::uint32_t*>(data));
      case LabelType::uint16: return fn(static_cast<const std::uint16_t*>(data));
      default: return fn(static_cast<const std::uint8_t*>(data));
    }
  }
};

struct LossKernels {
  // Weston–Watkins SVM: Σ_{j≠y} max(0, f_j − f_y + margin), or its square.
  float (*svm_row)(const float* f, std::size_t c, std::uint32_t y, float margin, bool squared, float grad_scale,
                   float* grad);
  // −log softmax(f)_y by log-sum-exp (gradient softmax(f) − onehot(y)) over `rows` consecutive
  // rows with labels y[0, rows); returns Σ L_i summed in row order in double. The x86 vector paths compute 8 short rows at once (one row per lane,
  // loss_lanes.h) so small batches with few classes do not pay per-row horizontal reductions.
  double (*softmax_rows)(const float* f, std::size_t rows, std::size_t c, const std::uint32_t* y, float grad_scale,
                         float* grad);
  // out = softmax(f) (out may equal f).
  void (*softmax_probabilities_row)(const float* f, std::size_t c, float* out);
  // Σ_j max(0, 1 − y_j f_j) with y_j = +1 for t_j = 1 and −1 for t_j ∈ {0, −1}. Sets *bad_target
  // when a target is none of −1, 0, 1.
  float (*multilabel_hinge_row)(const float* f, const float* t, std::size_t c, float grad_scale, float* grad,
                                bool* bad_target);
  // Σ_j max(f,0) − f·t + log(1 + e^{−|f|}); t must lie in [0, 1] (else *bad_target).
  float (*sigmoid_cross_entropy_row)(const float* f, const float* t, std::size_t c, float grad_scale, float* grad,
                                     bool* bad_target);
  // ‖f − t‖² (gradient 2(f − t)) and ‖f − t‖₁ (gradient sign(f − t), 0 at 0).
  float (*l2_row)(const float* f, const float* t, std::size_t c, float grad_scale, float* grad);
  float (*l1_row)(const float* f, const float* t, std::size_t c, float grad_scale, float* grad);
  // Helpers of the hierarchical softmax.
  float (*dot)(const float* a, const float* b, std::size_t n);
  void (*axpy)(float alpha, const float* x, float* y, std::size_t n);
};

// Built from loss_simd.cc once per vector target; nullptr where the build or compiler lacks it.
const LossKernels* loss_kernels_avx2();
const LossKernels* loss_kernels_avx512();
const LossKernels* loss_kernels_neon();
const LossKernels& loss_kernels(SimdPath path);

// Drivers over an [n × c] score matrix. They return the sum of the row losses; `grad` (nullable)
// receives grad_scale · ∂L_i/∂f. Labels must lie in [0, c) (the binding checks a private copy).
// The target-based losses throw ERR_NNKIT_RANGE naming the first row with an invalid target.
double loss_svm(SimdPath path, const float* scores, std::size_t n, std::size_t c, LabelView labels, float margin,
                bool squared, float grad_scale, float* grad);
double loss_softmax(SimdPath path, const float* scores, std::size_t n, std::size_t c, LabelView labels,
                    float grad_scale, float* grad);
void softmax_probabilities(SimdPath path, const float* scores, std::size_t n, std::size_t c, float* out);

enum class TargetLoss { multilabel_hinge, sigmoid_cross_entropy, l2, l1 };
// Σ L_i. Targets outside the loss's domain (multi-label hinge: -1, 0, 1; sigmoid cross-entropy:
// [0, 1]) are reported, not thrown: *first_bad_row is the first such row, n when there is none
// (the sum is then meaningless). The binding words the error.
double loss_with_targets(SimdPath path, TargetLoss kind, const float* scores, const float* targets, std::size_t n,
                         std::size_t c, float grad_scale, float* grad, std::size_t* first_bad_row);

// A label tree flattened for the kernels: the path of class k is nodes[offsets[k] .. offsets[k+1])
// with branch bits (1: the sign of v_n·h is +, 0: −). Node indices are rows of V.
struct LabelPaths {
  const std::uint32_t* offsets;  // classes + 1
  const std::uint32_t* nodes;
  const std::uint32_t* bits;
  std::size_t classes;
  std::size_t internal_nodes;
};

// Hierarchical softmax over H [n × d] and V [internal_nodes × d]:
// L_i = −Σ_{node on path(y_i)} log σ(±v_node·h_i). Returns Σ L_i; dH (nullable) is overwritten
// with grad_scale · ∂L/∂H, dV (nullable) with grad_scale · ∂L/∂V.
double loss_hierarchical_softmax(SimdPath path, const float* h, std::size_t n, std::size_t d, LabelView labels,
                                 const LabelPaths& tree, const float* v, float grad_scale, float* dh, float* dv);

// log P(class | h_i) for every class into out [n × classes].
void hierarchical_log_probabilities(SimdPath path, const float* h, std::size_t n, std::size_t d,
                                    const LabelPaths& tree, const float* v, float* out);

// The same on the process-wide SIMD path (active_simd_path() when the kernel runs): what the
// binding calls, so that the path is picked in one place.
inline double loss_svm(const float* scores, std::size_t n, std::size_t c, LabelView labels, float margin, bool squared,
                       float grad_scale, float* grad) {
  return loss_svm(active_simd_path(), scores, n, c, labels, margin, squared, grad_scale, grad);
}
inline double loss_softmax(const float* scores, std::size_t n, std::size_t c, LabelView labels, float grad_scale,
                           float* grad) {
  return loss_softmax(active_simd_path(), scores, n, c, labels, grad_scale, grad);
}
inline void softmax_probabilities(const float* scores, std::size_t n, std::size_t c, float* out) {
  softmax_probabilities(active_simd_path(), scores, n, c, out);
}
inline double loss_with_targets(TargetLoss kind, const float* scores, const float* targets, std::size_t n,
                                std::size_t c, float grad_scale, float* grad, std::size_t* first_bad_row) {
  return loss_with_targets(active_simd_path(), kind, scores, targets, n, c, grad_scale, grad, first_bad_row);
}
inline double loss_hierarchical_softmax(const float* h, std::size_t n, std::size_t d, LabelView labels,
                                        const LabelPaths& tree, const float* v, float grad_scale, float* dh,
                                        float* dv) {
  return loss_hierarchical_softmax(active_simd_path(), h, n, d, labels, tree, v, grad_scale, dh, dv);
}
inline void hierarchical_log_probabilities(const float* h, std::size_t n, std::size_t d, const LabelPaths& tree,
                                           const float* v, float* out) {
  hierarchical_log_probabilities(active_simd_path(), h, n, d, tree, v, out);
}

}  // namespace nnkit::kernels
