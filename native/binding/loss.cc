// Losses: lossSvm, lossSoftmax, lossTargets, softmax, lossHierarchicalSoftmax,
// hierarchicalLogProbabilities. Every shape is re-checked against the typed arrays' real lengths
// and every label against [0, C) before a kernel runs; the gradient buffer must not overlap an
// input (the row kernels read scores after writing gradients).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "../kernels/loss.h"
#include "common.h"

namespace nnkit::binding {
namespace {

struct Labels {
  kernels::LabelView view;
  std::size_t length;
  Napi::Object object;
  const void* bytes;  // the caller's memory, for overlap checks
  std::size_t byte_length;
  // The validated copy the kernels read (see check_labels); shared so that a call object copied
  // into an async worker keeps it alive.
  std::shared_ptr<std::vector<std::uint32_t>> stable;
};

// Int32Array, Uint32Array, Uint16Array or Uint8Array; anything else (Float32Array included) is
// an ERR_NNKIT_TYPE TypeError.
Labels labels_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  const char* expected = "an Int32Array, Uint32Array, Uint16Array or Uint8Array";
  const TypedArrayArg typed = typed_array_arg(info, index, name, expected);
  Labels labels{};
  switch (typed.type) {
    case napi_int32_array: labels.view.type = kernels::LabelType::int32; break;
    case napi_uint32_array: labels.view.type = kernels::LabelType::uint32; break;
    case napi_uint16_array: labels.view.type = kernels::LabelType::uint16; break;
    case napi_uint8_array: labels.view.type = kernels::LabelType::uint8; break;
    default: throw_argument_error(info.Env(), ErrorKind::type, kErrType, name, expected, describe(info[index]));
  }
  check_live(info, typed, name, expected);
  labels.view.data = typed.data;  // SharedArrayBuffer too
  labels.length = typed.length;
  labels.bytes = typed.data;
  std::size_t width = 4;
  if (labels.view.type == kernels::LabelType::uint16) width = 2;
  if (labels.view.type == kernels::LabelType::uint8) width = 1;
  labels.byte_length = typed.length * width;
  labels.object = info[index].As<Napi::Object>();
  return labels;
}

// Copies the labels and checks the copy against [0, classes); afterwards labels.view reads the
// copy. Labels on a SharedArrayBuffer may be rewritten by another thread at any time: checking
// the caller's memory and then indexing with it would let a bad label through (it crashed).
void check_labels(Napi::Env env, Labels& labels, std::size_t rows, std::size_t classes, const char* name) {
  if (labels.length != rows)
    throw_argument_error(env, ErrorKind::range, kErrShape, name, "one label per row (" + std::to_string(rows) + ")",
                         "length " + std::to_string(labels.length));
  auto stable = std::make_shared<std::vector<std::uint32_t>>(rows);
  std::uint32_t* copy = stable->data();
  // Copy and test in one branch-free pass per label type (a negative int32 label converts to a
  // value >= 2^31 > classes), in 32 bits so that the compiler vectorizes it (a bool or 64-bit
  // test kept it scalar: 0.17 µs of a 256 x 10 softmax call); the offending row is looked up in
  // the copy only when one is bad. (With more than 2^32 - 1 classes only the label 2^32 - 1
  // can be flagged here, and the exact lookup then finds nothing wrong.)
  const std::uint32_t limit = static_cast<std::uint32_t>(std::min<std::size_t>(classes, 0xFFFFFFFFu));
  const bool any_bad = labels.view.visit([&](const auto* src) {
    std::uint32_t bad = 0;
    for (std::size_t i = 0; i < rows; ++i) {
      const auto y = static_cast<std::uint32_t>(src[i]);
      copy[i] = y;
      bad |= static_cast<std::uint32_t>(y >= limit);
    }
    return bad != 0;
  });
  if (any_bad)
    for (std::size_t i = 0; i < rows; ++i)
      if (copy[i] >= classes) {
        const std::int64_t y = labels.view.type == kernels::LabelType::int32 ? static_cast<std::int32_t>(copy[i])
                                                                              : static_cast<std::int64_t>(copy[i]);
        throw_argument_error(env, ErrorKind::range, kErrRange, name, "labels in [0, " + std::to_string(classes) + ")",
                             std::to_string(y) + " at row " + std::to_string(i));
      }
  labels.stable = std::move(stable);
  labels.view = {labels.stable->data(), kernels::LabelType::uint32};
}

// An output over the labels' bytes is an ERR_NNKIT_ALIAS (checked before the labels are copied).
void check_labels_disjoint(Napi::Env env, const FloatArray& out, const Labels& labels, const char* out_name,
                           const char* labels_name) {
  if (out.data)
    check_no_overlap_bytes(env, out.data, out.length * sizeof(float), labels.bytes, labels.byte_length, out_name,
                           labels_name);
}

float grad_scale_arg(const Napi::CallbackInfo& info, std::size_t index) {
  return finite_float_arg(info, index, "gradScale");
}

struct ScoreCall {
  FloatArray scores;
  std::size_t rows, cols;
  FloatArray grad;
};

ScoreCall parse_scores(const Napi::CallbackInfo& info, std::size_t grad_index, const char* scores_name) {
  ScoreCall call{};
  call.scores = float32_arg(info, 0, scores_name);
  call.rows = size_arg(info, 1, "rows");
  call.cols = size_arg(info, 2, "cols");
  check_matrix_length(info.Env(), call.scores, call.rows, call.cols, scores_name);
  call.grad = optional_float32_arg(info, grad_index, "grad");
  if (call.grad.data) {
    check_matrix_length(info.Env(), call.grad, call.rows, call.cols, "grad");
    check_no_overlap(info.Env(), call.grad, call.scores, "grad", scores_name);
  }
  return call;
}

struct SvmCall {
  static SvmCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(s.scores); b.write_only(s.grad); }
  ScoreCall s;
  Labels labels;
  float margin = 1.0f;
  bool squared = false;
  float scale = 1.0f;
  double run() const {
    return kernels::loss_svm(s.scores.data, s.rows, s.cols, labels.view, margin, squared, scale, s.grad.data);
  }
};

// lossSvm(scores, rows, cols, labels, margin, squared, gradScale, grad | null) -> Σ L_i
SvmCall SvmCall::parse(const Napi::CallbackInfo& info) {
  SvmCall c;
  c.s = parse_scores(info, 7, "scores");
  c.labels = labels_arg(info, 3, "labels");
  c.margin = finite_float_arg(info, 4, "margin");
  c.squared = bool_arg(info, 5, "squared");
  c.scale = grad_scale_arg(info, 6);
  check_labels_disjoint(info.Env(), c.s.grad, c.labels, "grad", "labels");
  check_labels(info.Env(), c.labels, c.s.rows, c.s.cols, "labels");
  return c;
}

struct SoftmaxLossCall {
  static SoftmaxLossCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(s.scores); b.write_only(s.grad); }
  ScoreCall s;
  Labels labels;
  float scale = 1.0f;
  double run() const {
    return kernels::loss_softmax(s.scores.data, s.rows, s.cols, labels.view, scale, s.grad.data);
  }
};

// lossSoftmax(scores, rows, cols, labels, gradScale, grad | null) -> Σ L_i
SoftmaxLossCall SoftmaxLossCall::parse(const Napi::CallbackInfo& info) {
  SoftmaxLossCall c;
  c.s = parse_scores(info, 5, "scores");
  c.labels = labels_arg(info, 3, "labels");
  c.scale = grad_scale_arg(info, 4);
  check_labels_disjoint(info.Env(), c.s.grad, c.labels, "grad", "labels");
  check_labels(info.Env(), c.labels, c.s.rows, c.s.cols, "labels");
  return c;
}

struct TargetsCall {
  static TargetsCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(s.scores); b.input(targets); b.write_only(s.grad); }
  ScoreCall s;
  FloatArray targets;
  kernels::TargetLoss kind = kernels::TargetLoss::l2;
  float scale = 1.0f;
  double run() const {
    std::size_t bad = 0;
    const double sum = kernels::loss_with_targets(kind, s.scores.data, targets.data, s.rows, s.cols, scale, s.grad.data, &bad);
    if (bad < s.rows) {
      const char* expected = kind == kernels::TargetLoss::multilabel_hinge ? "targets of -1, 0 or 1" : "targets in [0, 1]";
      throw nnkit::Error(ErrorKind::range, kErrRange,
                         std::string("Expected ") + expected + " for targets but received an invalid value in row " + std::to_string(bad),
                         "targets");
    }
    return sum;
  }
};

// lossTargets(scores, rows, cols, targets, kind, gradScale, grad | null) -> Σ L_i
TargetsCall TargetsCall::parse(const Napi::CallbackInfo& info) {
  TargetsCall c;
  c.s = parse_scores(info, 6, "scores");
  c.targets = float32_arg(info, 3, "targets");
  check_matrix_length(info.Env(), c.targets, c.s.rows, c.s.cols, "targets");
  if (c.s.grad.data) check_no_overlap(info.Env(), c.s.grad, c.targets, "grad", "targets");
  const std::string kind = string_arg(info, 4, "kind");
  if (kind == "multiLabelHinge")
    c.kind = kernels::TargetLoss::multilabel_hinge;
  else if (kind == "sigmoidCrossEntropy")
    c.kind = kernels::TargetLoss::sigmoid_cross_entropy;
  else if (kind == "l2")
    c.kind = kernels::TargetLoss::l2;
  else if (kind == "l1")
    c.kind = kernels::TargetLoss::l1;
  else
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, "kind",
                         "'multiLabelHinge', 'sigmoidCrossEntropy', 'l2' or 'l1'", kind);
  c.scale = grad_scale_arg(info, 5);
  return c;
}

struct SoftmaxCall {
  static SoftmaxCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(scores); b.write_only(out); }
  FloatArray scores, out;
  std::size_t rows = 0, cols = 0;
  void run() const { kernels::softmax_probabilities(scores.data, rows, cols, out.data); }
};

// softmax(scores, rows, cols, out): out may be the scores themselves (in place), not a partial overlap.
SoftmaxCall SoftmaxCall::parse(const Napi::CallbackInfo& info) {
  SoftmaxCall c;
  c.scores = float32_arg(info, 0, "scores");
  c.rows = size_arg(info, 1, "rows");
  c.cols = size_arg(info, 2, "cols");
  check_matrix_length(info.Env(), c.scores, c.rows, c.cols, "scores");
  c.out = float32_arg(info, 3, "out");
  check_matrix_length(info.Env(), c.out, c.rows, c.cols, "out");
  if (c.out.data != c.scores.data) check_no_overlap(info.Env(), c.out, c.scores, "out", "scores");
  return c;
}

struct TreeArgs {
  Uint32Array offsets, nodes, bits;  // the caller's arrays, for overlap checks
  std::size_t internal = 0;
  // offsets | nodes | bits, copied and validated (see check_labels); the kernels read only this.
  std::shared_ptr<std::vector<std::uint32_t>> stable;
  kernels::LabelPaths paths;
};

// (offsets, nodes, bits, internalNodes) at `index`: offsets non-decreasing from 0 to
// nodes.length, every node below internalNodes, checked on the private copy.
TreeArgs tree_args(const Napi::CallbackInfo& info, std::size_t index) {
  const Napi::Env env = info.Env();
  TreeArgs t{};
  t.offsets = uint32_arg(info, index, "tree.offsets");
  t.nodes = uint32_arg(info, index + 1, "tree.nodes");
  t.bits = uint32_arg(info, index + 2, "tree.bits");
  t.internal = size_arg(info, index + 3, "tree.internalNodes");
  t.stable = std::make_shared<std::vector<std::uint32_t>>();
  std::vector<std::uint32_t>& all = *t.stable;
  all.reserve(t.offsets.length + 2 * t.nodes.length);
  for (const Uint32Array* a : {&t.offsets, &t.nodes, &t.bits}) all.insert(all.end(), a->data, a->data + a->length);
  const std::uint32_t* offsets = all.data();
  const std::uint32_t* nodes = offsets + t.offsets.length;
  const std::uint32_t* bits = nodes + t.nodes.length;
  const std::size_t n_offsets = t.offsets.length, n_nodes = t.nodes.length;
  if (n_offsets < 1 || offsets[0] != 0 || offsets[n_offsets - 1] != n_nodes || t.bits.length != n_nodes)
    throw_argument_error(env, ErrorKind::range, kErrShape, "tree", "consistent path arrays", "inconsistent lengths");
  for (std::size_t k = 0; k + 1 < n_offsets; ++k)
    if (offsets[k + 1] < offsets[k])
      throw_argument_error(env, ErrorKind::range, kErrRange, "tree.offsets", "non-decreasing offsets",
                           "a decrease at class " + std::to_string(k));
  for (std::size_t p = 0; p < n_nodes; ++p)
    if (nodes[p] >= t.internal)
      throw_argument_error(env, ErrorKind::range, kErrRange, "tree.nodes",
                           "node indices below " + std::to_string(t.internal), std::to_string(nodes[p]));
  t.paths = {offsets, nodes, bits, n_offsets - 1, t.internal};
  return t;
}

// An output must not overlap the tree's path arrays (ERR_NNKIT_ALIAS).
void check_tree_disjoint(Napi::Env env, const FloatArray& out, const TreeArgs& t, const char* out_name) {
  if (!out.data) return;
  for (const Uint32Array* a : {&t.offsets, &t.nodes, &t.bits})
    check_no_overlap_bytes(env, out.data, out.length * sizeof(float), a->data, a->length * sizeof(std::uint32_t),
                           out_name, "the tree's path arrays");
}

struct HierarchicalCall {
  static HierarchicalCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(h); b.input(v); b.write_only(dh); b.write_only(dv); }
  FloatArray h, v, dh, dv;
  std::size_t rows = 0, dim = 0;
  Labels labels;
  TreeArgs tree;
  float scale = 1.0f;
  double run() const {
    return kernels::loss_hierarchical_softmax(h.data, rows, dim, labels.view, tree.paths, v.data, scale, dh.data,
                                              dv.data);
  }
};

// lossHierarchicalSoftmax(H, rows, dim, labels, offsets, nodes, bits, internalNodes, V, gradScale,
//                         dH | null, dV | null) -> Σ L_i
HierarchicalCall HierarchicalCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HierarchicalCall c;
  c.h = float32_arg(info, 0, "H");
  c.rows = size_arg(info, 1, "rows");
  c.dim = size_arg(info, 2, "dim");
  check_matrix_length(env, c.h, c.rows, c.dim, "H");
  c.labels = labels_arg(info, 3, "labels");
  c.tree = tree_args(info, 4);
  c.v = float32_arg(info, 8, "V");
  check_matrix_length(env, c.v, c.tree.paths.internal_nodes, c.dim, "V");
  c.scale = grad_scale_arg(info, 9);
  c.dh = optional_float32_arg(info, 10, "dH");
  c.dv = optional_float32_arg(info, 11, "dV");
  check_labels_disjoint(env, c.dh, c.labels, "dH", "labels");
  check_labels_disjoint(env, c.dv, c.labels, "dV", "labels");
  check_tree_disjoint(env, c.dh, c.tree, "dH");
  check_tree_disjoint(env, c.dv, c.tree, "dV");
  check_labels(env, c.labels, c.rows, c.tree.paths.classes, "labels");
  if (c.dh.data) {
    check_matrix_length(env, c.dh, c.rows, c.dim, "dH");
    check_no_overlap(env, c.dh, c.h, "dH", "H");
    check_no_overlap(env, c.dh, c.v, "dH", "V");
  }
  if (c.dv.data) {
    check_matrix_length(env, c.dv, c.tree.paths.internal_nodes, c.dim, "dV");
    check_no_overlap(env, c.dv, c.h, "dV", "H");
    check_no_overlap(env, c.dv, c.v, "dV", "V");
    if (c.dh.data) check_no_overlap(env, c.dv, c.dh, "dV", "dH");
  }
  return c;
}

struct LogProbabilitiesCall {
  static LogProbabilitiesCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(h); b.input(v); b.write_only(out); }
  FloatArray h, v, out;
  std::size_t rows = 0, dim = 0;
  TreeArgs tree;
  void run() const { kernels::hierarchical_log_probabilities(h.data, rows, dim, tree.paths, v.data, out.data); }
};

// hierarchicalLogProbabilities(H, rows, dim, offsets, nodes, bits, internalNodes, V, out)
LogProbabilitiesCall LogProbabilitiesCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LogProbabilitiesCall c;
  c.h = float32_arg(info, 0, "H");
  c.rows = size_arg(info, 1, "rows");
  c.dim = size_arg(info, 2, "dim");
  check_matrix_length(env, c.h, c.rows, c.dim, "H");
  c.tree = tree_args(info, 3);
  c.v = float32_arg(info, 7, "V");
  check_matrix_length(env, c.v, c.tree.paths.internal_nodes, c.dim, "V");
  c.out = float32_arg(info, 8, "out");
  check_matrix_length(env, c.out, c.rows, c.tree.paths.classes, "out");
  check_no_overlap(env, c.out, c.h, "out", "H");
  check_no_overlap(env, c.out, c.v, "out", "V");
  check_tree_disjoint(env, c.out, c.tree, "out");
  return c;
}

}  // namespace

void register_loss(Napi::Env env, Napi::Object exports) {
  define_call<SvmCall>(env, exports, "lossSvm");
  define_call<SoftmaxLossCall>(env, exports, "lossSoftmax");
  define_call<TargetsCall>(env, exports, "lossTargets");
  define_call<SoftmaxCall>(env, exports, "softmax");
  define_call<HierarchicalCall>(env, exports, "lossHierarchicalSoftmax");
  define_call<LogProbabilitiesCall>(env, exports, "hierarchicalLogProbabilities");
}

}  // namespace nnkit::binding
