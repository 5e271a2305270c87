// Scalar twins of the loss row kernels, and the parallel drivers shared by every path.
#include "loss.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "error.h"
#include "loss_math.h"
#include "parallel.h"

namespace nnkit::kernels {
namespace {

using namespace loss_math;

// The NaN policy: a row with a non-finite input has NaN loss and an all-NaN gradient row.
float svm_row_scalar(const float* f, std::size_t c, std::uint32_t y, float margin, bool squared, float grad_scale,
                     float* grad) {
  const float fy = f[y];
  float loss = 0.0f, count = 0.0f, nonfinite = 0.0f;
  for (std::size_t j = 0; j < c; ++j) {
    nonfinite += f[j] * 0.0f;
    const float m = (f[j] - fy) + margin;
    const bool active = j != y && m > 0.0f;
    const float term = active ? (squared ? m * m : m) : 0.0f;
    const float slope = active ? (squared ? 2.0f * m : 1.0f) : 0.0f;
    loss += term;
    count += slope;
    if (grad) grad[j] = slope * grad_scale;
  }
  if (nonfinite != 0.0f) return poison_row(c, grad);
  if (grad) grad[y] = -count * grad_scale;
  return loss;
}

// Three short passes over a row that stays in L1: max, exponentials and their sum, scaling.
float softmax_row_scalar(const float* f, std::size_t c, std::uint32_t y, float grad_scale, float* grad) {
  float max = f[0], nonfinite = 0.0f;
  for (std::size_t j = 0; j < c; ++j) {
    nonfinite += f[j] * 0.0f;
    max = f[j] > max ? f[j] : max;
  }
  if (nonfinite != 0.0f) return poison_row(c, grad);
  float sum = 0.0f;
  for (std::size_t j = 0; j < c; ++j) {
    const float e = exp_neg(f[j] - max);
    sum += e;
    if (grad) grad[j] = e;
  }
  if (grad) {
    const float s = grad_scale / sum;
    for (std::size_t j = 0; j < c; ++j) grad[j] *= s;
    grad[y] -= grad_scale;
  }
  // (max − f_y) first: adding log(sum) to a large max and subtracting f_y again would lose
  // log(sum) to rounding (all-equal logits of 1e30 would give 0 instead of log C).
  return (max - f[y]) + std::log(sum);
}

double softmax_rows_scalar(const float* f, std::size_t rows, std::size_t c, const std::uint32_t* y, float grad_scale,
                           float* grad) {
  double s = 0.0;
  for (std::size_t i = 0; i < rows; ++i)
    s += softmax_row_scalar(f + i * c, c, y[i], grad_scale, grad ? grad + i * c : nullptr);
  return s;
}

void softmax_probabilities_row_scalar(const float* f, std::size_t c, float* out) {
  float max = f[0], nonfinite = 0.0f;
  for (std::size_t j = 0; j < c; ++j) {
    nonfinite += f[j] * 0.0f;
    max = f[j] > max ? f[j] : max;
  }
  if (nonfinite != 0.0f) {
    poison_row(c, out);
    return;
  }
  float sum = 0.0f;
  for (std::size_t j = 0; j < c; ++j) {
    const float e = exp_neg(f[j] - max);
    sum += e;
    out[j] = e;
  }
  const float s = 1.0f / sum;
  for (std::size_t j = 0; j < c; ++j) out[j] *= s;
}

float multilabel_hinge_row_scalar(const float* f, const float* t, std::size_t c, float grad_scale, float* grad,
                                  bool* bad_target) {
  float loss = 0.0f, nonfinite = 0.0f;
  bool valid = true;
  for (std::size_t j = 0; j < c; ++j) {
    nonfinite += f[j] * 0.0f;
    valid = valid && (t[j] == 1.0f || t[j] == 0.0f || t[j] == -1.0f);
    const float sign = t[j] > 0.0f ? 1.0f : -1.0f;
    const float m = 1.0f - sign * f[j];
    const bool active = m > 0.0f;
    loss += active ? m : 0.0f;
    if (grad) grad[j] = active ? -sign * grad_scale : 0.0f;
  }
  if (!valid) *bad_target = true;
  if (nonfinite != 0.0f) return poison_row(c, grad);
  return loss;
}

float sigmoid_cross_entropy_row_scalar(const float* f, const float* t, std::size_t c, float grad_scale, float* grad,
                                       bool* bad_target) {
  float loss = 0.0f, nonfinite = 0.0f;
  bool valid = true;
  for (std::size_t j = 0; j < c; ++j) {
    const float x = f[j], y = t[j];
    nonfinite += x * 0.0f;
    valid = valid && y >= 0.0f && y <= 1.0f;
    const float e = exp_neg(-std::fabs(x));
    float log1p_e, inv;
    softplus_sigmoid(e, &log1p_e, &inv);
    const float term = ((x > 0.0f ? x : 0.0f) - x * y) + log1p_e;
    loss += term;
    if (grad) {
      const float sigma = x >= 0.0f ? inv : e * inv;
      grad[j] = (sigma - y) * grad_scale;
    }
  }
  if (!valid) *bad_target = true;
  if (nonfinite != 0.0f) return poison_row(c, grad);
  return loss;
}

float l2_row_scalar(const float* f, const float* t, std::size_t c, float grad_scale, float* grad) {
  float loss = 0.0f, nonfinite = 0.0f;
  const float two_scale = 2.0f * grad_scale;
  for (std::size_t j = 0; j < c; ++j) {
    const float d = f[j] - t[j];
    nonfinite += d * 0.0f;
    loss += d * d;
    if (grad) grad[j] = d * two_scale;
  }
  if (nonfinite != 0.0f) return poison_row(c, grad);
  return loss;
}

float l1_row_scalar(const float* f, const float* t, std::size_t c, float grad_scale, float* grad) {
  float loss = 0.0f, nonfinite = 0.0f;
  for (std::size_t j = 0; j < c; ++j) {
    const float d = f[j] - t[j];
    nonfinite += d * 0.0f;
    loss += std::fabs(d);
    if (grad) grad[j] = d > 0.0f ? grad_scale : (d < 0.0f ? -grad_scale : 0.0f);
  }
  if (nonfinite != 0.0f) return poison_row(c, grad);
  return loss;
}

float dot_scalar(const float* a, const float* b, std::size_t n) {
  float s = 0.0f;
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

void axpy_scalar(float alpha, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

const LossKernels kScalar = {svm_row_scalar,
                             softmax_rows_scalar,
                             softmax_probabilities_row_scalar,
                             multilabel_hinge_row_scalar,
                             sigmoid_cross_entropy_row_scalar,
                             l2_row_scalar,
                             l1_row_scalar,
                             dot_scalar,
                             axpy_scalar};

// Rows per task: about 32 Ki scores, enough to amortize scheduling and few enough that a small
// batch (256 × 10) is one task run inline on the caller. Depends on C only, never on threads.
std::size_t rows_per_task(std::size_t c) { return std::max<std::size_t>(1, 32768 / std::max<std::size_t>(c, 1)); }

// Per-task partial sums, on the stack for the usual few tasks (a heap block per call is a
// measurable share of a microsecond-scale loss call).
class TaskSums {
 public:
  explicit TaskSums(std::size_t tasks) : tasks_(tasks) {
    if (tasks > kInline) heap_.assign(tasks, 0.0);
    else std::fill(inline_, inline_ + tasks, 0.0);
    data_ = tasks > kInline ? heap_.data() : inline_;
  }
  TaskSums(const TaskSums&) = delete;
  TaskSums& operator=(const TaskSums&) = delete;
  double& operator[](std::size_t task) { return data_[task]; }
  double total() const {
    double total = 0.0;
    for (std::size_t t = 0; t < tasks_; ++t) total += data_[t];
    return total;
  }

 private:
  static constexpr std::size_t kInline = 64;
  double inline_[kInline];
  std::vector<double> heap_;
  std::size_t tasks_;
  double* data_;
};

// Splits [0, n) into the fixed tasks of rows_per_task(c), sums task_fn(begin, end) of each in
// double, then the task sums in order.
template <typename TaskFn>
double sum_tasks(std::size_t n, std::size_t c, TaskFn&& task_fn) {
  const std::size_t per_task = rows_per_task(c);
  const std::size_t tasks = (n + per_task - 1) / per_task;
  TaskSums sums(tasks);
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t begin = task * per_task;
    sums[task] = task_fn(begin, std::min(n, begin + per_task));
  });
  return sums.total();
}

// Sums row_fn(i) over [0, n), in row order within each task.
template <typename RowFn>
double sum_rows(std::size_t n, std::size_t c, RowFn&& row_fn) {
  return sum_tasks(n, c, [&](std::size_t begin, std::size_t end) {
    double s = 0.0;
    for (std::size_t i = begin; i < end; ++i) s += static_cast<double>(row_fn(i));
    return s;
  });
}

inline float log_sigmoid_neg(float s) {  // −log σ(s) = max(−s, 0) + log(1 + e^{−|s|})
  return (s < 0.0f ? -s : 0.0f) + log1p_unit(exp_neg(-std::fabs(s)));
}

}  // namespace

const LossKernels& loss_kernels(SimdPath path) {
  return select_kernels<LossKernels>(path, {&kScalar, loss_kernels_avx2(), loss_kernels_avx512(), loss_kernels_neon()});
}

double loss_svm(SimdPath path, const float* scores, std::size_t n, std::size_t c, LabelView labels, float margin,
                bool squared, float grad_scale, float* grad) {
  const LossKernels& k = loss_kernels(path);
  return sum_rows(n, c, [&](std::size_t i) {
    return k.svm_row(scores + i * c, c, static_cast<std::uint32_t>(labels.at(i)), margin, squared, grad_scale,
                     grad ? grad + i * c : nullptr);
  });
}

double loss_softmax(SimdPath path, const float* scores, std::size_t n, std::size_t c, LabelView labels,
                    float grad_scale, float* grad) {
  const LossKernels& k = loss_kernels(path);
  return sum_tasks(n, c, [&](std::size_t begin, std::size_t end) {
    // Labels of any integer type, converted a chunk at a time for the block kernel (uint32
    // labels, the binding's validated copy among them, are read in place).
    constexpr std::size_t kChunk = 256;
    std::uint32_t chunk[kChunk];
    double s = 0.0;
    for (std::size_t i = begin; i < end; i += kChunk) {
      const std::size_t count = std::min(kChunk, end - i);
      const std::uint32_t* y = chunk;
      if (labels.type == LabelType::uint32) {
        y = static_cast<const std::uint32_t*>(labels.data) + i;
      } else {
        labels.visit([&](const auto* src) {
          for (std::size_t r = 0; r < count; ++r) chunk[r] = static_cast<std::uint32_t>(src[i + r]);
        });
      }
      s += k.softmax_rows(scores + i * c, count, c, y, grad_scale, grad ? grad + i * c : nullptr);
    }
    return s;
  });
}

void softmax_probabilities(SimdPath path, const float* scores, std::size_t n, std::size_t c, float* out) {
  if (c == 0) return;
  const LossKernels& k = loss_kernels(path);
  sum_rows(n, c, [&](std::size_t i) {
    k.softmax_probabilities_row(scores + i * c, c, out + i * c);
    return 0.0f;
  });
}

double loss_with_targets(SimdPath path, TargetLoss kind, const float* scores, const float* targets, std::size_t n,
                         std::size_t c, float grad_scale, float* grad, std::size_t* first_bad_row) {
  const LossKernels& k = loss_kernels(path);
  // First row with an invalid target per task (n when none), reduced after the parallel pass:
  // nothing throws inside a task.
  const std::size_t per_task = rows_per_task(c);
  std::vector<std::size_t> bad_rows((n + per_task - 1) / per_task, n);
  const double total = sum_rows(n, c, [&](std::size_t i) {
    const float* f = scores + i * c;
    const float* t = targets + i * c;
    float* g = grad ? grad + i * c : nullptr;
    bool bad = false;
    float loss = 0.0f;
    switch (kind) {
      case TargetLoss::multilabel_hinge: loss = k.multilabel_hinge_row(f, t, c, grad_scale, g, &bad); break;
      case TargetLoss::sigmoid_cross_entropy: loss = k.sigmoid_cross_entropy_row(f, t, c, grad_scale, g, &bad); break;
      case TargetLoss::l2: loss = k.l2_row(f, t, c, grad_scale, g); break;
      case TargetLoss::l1: loss = k.l1_row(f, t, c, grad_scale, g); break;
    }
    if (bad) {
      std::size_t& first = bad_rows[i / per_task];
      first = std::min(first, i);
    }
    return loss;
  });
  *first_bad_row = n;
  for (std::size_t row : bad_rows)
    if (row < n) {
      *first_bad_row = row;
      break;
    }
  return total;
}

double loss_hierarchical_softmax(SimdPath path, const float* h, std::size_t n, std::size_t d, LabelView labels,
                                 const LabelPaths& tree, const float* v, float grad_scale, float* dh, float* dv) {
  const LossKernels& k = loss_kernels(path);
  // Each sample's path coefficients g = grad_scale · ∂L_i/∂(v_node·h_i), kept so that dV, which
  // every sample scatters into, is accumulated afterwards in sample order (deterministic).
  // size_t: n rows of deep paths (a chain tree from LabelTree.fromParents) can exceed 2^32 entries.
  std::vector<std::size_t> first(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto y = static_cast<std::size_t>(labels.at(i));
    first[i + 1] = first[i] + (tree.offsets[y + 1] - tree.offsets[y]);
  }
  std::vector<float> coefficients(dv ? first[n] : 0);
  const std::size_t per_task = std::max<std::size_t>(1, 4096 / std::max<std::size_t>(d, 1));
  const std::size_t tasks = (n + per_task - 1) / per_task;
  std::vector<double> sums(tasks, 0.0);
  parallel_for(tasks, [&](std::size_t task) {
    const std::size_t begin = task * per_task, end = std::min(n, begin + per_task);
    double s = 0.0;
    for (std::size_t i = begin; i < end; ++i) {
      const float* hi = h + i * d;
      float* dhi = dh ? dh + i * d : nullptr;
      if (dhi) std::fill(dhi, dhi + d, 0.0f);
      const auto y = static_cast<std::size_t>(labels.at(i));
      float row = 0.0f;
      for (std::size_t p = tree.offsets[y], q = first[i]; p < tree.offsets[y + 1]; ++p, ++q) {
        const float* vn = v + static_cast<std::size_t>(tree.nodes[p]) * d;
        const float sign = tree.bits[p] ? 1.0f : -1.0f;
        const float z = sign * k.dot(vn, hi, d);
        row += log_sigmoid_neg(z);
        // ∂(−log σ(z))/∂(v·h) = −sign · σ(−z)
        const float e = exp_neg(-std::fabs(z));
        const float sigma_neg = z >= 0.0f ? e / (1.0f + e) : 1.0f / (1.0f + e);
        const float g = -sign * sigma_neg * grad_scale;
        if (dhi) k.axpy(g, vn, dhi, d);
        if (dv) coefficients[q] = g;
      }
      s += row;
    }
    sums[task] = s;
  });
  if (dv) {
    std::fill(dv, dv + tree.internal_nodes * d, 0.0f);
    for (std::size_t i = 0; i < n; ++i) {
      const auto y = static_cast<std::size_t>(labels.at(i));
      for (std::size_t p = tree.offsets[y], q = first[i]; p < tree.offsets[y + 1]; ++p, ++q)
        k.axpy(coefficients[q], h + i * d, dv + static_cast<std::size_t>(tree.nodes[p]) * d, d);
    }
  }
  double total = 0.0;
  for (double s : sums) total += s;
  return total;
}

void hierarchical_log_probabilities(SimdPath path, const float* h, std::size_t n, std::size_t d,
                                    const LabelPaths& tree, const float* v, float* out) {
  const LossKernels& k = loss_kernels(path);
  const std::size_t m = tree.internal_nodes;
  const std::size_t per_task = std::max<std::size_t>(1, 4096 / std::max<std::size_t>(m * d, 1));
  const std::size_t tasks = (n + per_task - 1) / per_task;
  parallel_for(tasks, [&](std::size_t task) {
    std::vector<float> node_scores(m);
    const std::size_t begin = task * per_task, end = std::min(n, begin + per_task);
    for (std::size_t i = begin; i < end; ++i) {
      for (std::size_t node = 0; node < m; ++node) node_scores[node] = k.dot(v + node * d, h + i * d, d);
      float* row = out + i * tree.classes;
      for (std::size_t cls = 0; cls < tree.classes; ++cls) {
        float lp = 0.0f;
        for (std::uint32_t p = tree.offsets[cls]; p < tree.offsets[cls + 1]; ++p) {
          const float sign = tree.bits[p] ? 1.0f : -1.0f;
          lp -= log_sigmoid_neg(sign * node_scores[tree.nodes[p]]);
        }
        row[cls] = lp;
      }
    }
  });
}

}  // namespace nnkit::kernels
