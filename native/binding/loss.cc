// Losses: lossSvm, lossSoftmax, lossTargets, softmax, lossHierarchicalSoftmax,
// hierarchicalLogProbabilities. Every shape is re-checked against the typed arrays' real lengths
// and every label against [0, C) before a kernel runs; the gradient buffer must not overlap an
// input (the row kernels read scores after writing gradients).
#include <string>
#include <vector>

#include "../kernels/cpu.h"
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
  std::vector<std::uint32_t> stable;  // the validated copy the kernels read (see check_labels)
};

// Int32Array, Uint32Array, Uint16Array or Uint8Array; anything else (Float32Array included) is
// an ERR_NNKIT_TYPE TypeError.
Labels labels_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  const char* expected = "an Int32Array, Uint32Array, Uint16Array or Uint8Array";
  const Napi::Value value = index < info.Length() ? info[index] : info.Env().Undefined();
  if (!value.IsTypedArray()) throw_argument_error(info.Env(), ErrorKind::type, kErrType, name, expected, describe(value));
  const auto typed = value.As<Napi::TypedArray>();
  Labels labels{};
  switch (typed.TypedArrayType()) {
    case napi_int32_array: labels.view.type = kernels::LabelType::int32; break;
    case napi_uint32_array: labels.view.type = kernels::LabelType::uint32; break;
    case napi_uint16_array: labels.view.type = kernels::LabelType::uint16; break;
    case napi_uint8_array: labels.view.type = kernels::LabelType::uint8; break;
    default: throw_argument_error(info.Env(), ErrorKind::type, kErrType, name, expected, describe(value));
  }
  if (typed.ArrayBuffer().IsDetached())
    throw_argument_error(info.Env(), ErrorKind::type, kErrDetached, name, std::string("a live ") + expected,
                         "a view of a detached ArrayBuffer");
  labels.view.data = static_cast<const std::uint8_t*>(typed_array_data(typed));  // SharedArrayBuffer too
  labels.length = typed.ElementLength();
  labels.bytes = labels.view.data;
  labels.byte_length = typed.ByteLength();
  labels.object = value.As<Napi::Object>();
  return labels;
}

// Copies the labels and checks the copy against [0, classes); afterwards labels.view reads the copy.
void check_labels(Napi::Env env, Labels& labels, std::size_t rows, std::size_t classes, const char* name) {
  if (labels.length != rows)
    throw_argument_error(env, ErrorKind::range, kErrShape, name, "one label per row (" + std::to_string(rows) + ")",
                         "length " + std::to_string(labels.length));
  labels.stable.resize(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const std::int64_t y = labels.view.at(i);
    if (y < 0 || static_cast<std::uint64_t>(y) >= classes)
      throw_argument_error(env, ErrorKind::range, kErrRange, name, "labels in [0, " + std::to_string(classes) + ")",
                           std::to_string(y) + " at row " + std::to_string(i));
    labels.stable[i] = static_cast<std::uint32_t>(y);
  }
  labels.view = {labels.stable.data(), kernels::LabelType::uint32};
}

void check_labels_disjoint(Napi::Env env, const FloatArray& out, const Labels& labels, const char* out_name,
                           const char* labels_name) {
  check_no_overlap_bytes(env, out.data, out.length * sizeof(float), labels.bytes, labels.byte_length, out_name,
                         labels_name);
}

// A Float32Array or null (no gradient).
FloatArray optional_float32_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  if (index < info.Length() && info[index].IsNull()) return FloatArray{};
  return float32_arg(info, index, name);
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

// lossSvm(scores, rows, cols, labels, margin, squared, gradScale, grad | null) -> Σ L_i
Napi::Value loss_svm(const Napi::CallbackInfo& info) {
  const ScoreCall call = parse_scores(info, 7, "scores");
  Labels labels = labels_arg(info, 3, "labels");
  const float margin = finite_float_arg(info, 4, "margin");
  const bool squared = bool_arg(info, 5, "squared");
  const float scale = grad_scale_arg(info, 6);
  check_labels_disjoint(info.Env(), call.grad, labels, "grad", "labels");
  check_labels(info.Env(), labels, call.rows, call.cols, "labels");
  const double loss = kernels::loss_svm(active_simd_path(), call.scores.data, call.rows, call.cols, labels.view,
                                        margin, squared, scale, call.grad.data);
  return Napi::Number::New(info.Env(), loss);
}

// lossSoftmax(scores, rows, cols, labels, gradScale, grad | null) -> Σ L_i
Napi::Value loss_softmax(const Napi::CallbackInfo& info) {
  const ScoreCall call = parse_scores(info, 5, "scores");
  Labels labels = labels_arg(info, 3, "labels");
  const float scale = grad_scale_arg(info, 4);
  check_labels_disjoint(info.Env(), call.grad, labels, "grad", "labels");
  check_labels(info.Env(), labels, call.rows, call.cols, "labels");
  const double loss = kernels::loss_softmax(active_simd_path(), call.scores.data, call.rows, call.cols, labels.view,
                                            scale, call.grad.data);
  return Napi::Number::New(info.Env(), loss);
}

// lossTargets(scores, rows, cols, targets, kind, gradScale, grad | null) -> Σ L_i
Napi::Value loss_targets(const Napi::CallbackInfo& info) {
  const ScoreCall call = parse_scores(info, 6, "scores");
  const FloatArray targets = float32_arg(info, 3, "targets");
  check_matrix_length(info.Env(), targets, call.rows, call.cols, "targets");
  if (call.grad.data) check_no_overlap(info.Env(), call.grad, targets, "grad", "targets");
  const std::string kind = string_arg(info, 4, "kind");
  kernels::TargetLoss which;
  if (kind == "multiLabelHinge")
    which = kernels::TargetLoss::multilabel_hinge;
  else if (kind == "sigmoidCrossEntropy")
    which = kernels::TargetLoss::sigmoid_cross_entropy;
  else if (kind == "l2")
    which = kernels::TargetLoss::l2;
  else if (kind == "l1")
    which = kernels::TargetLoss::l1;
  else
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, "kind",
                         "'multiLabelHinge', 'sigmoidCrossEntropy', 'l2' or 'l1'", kind);
  const float scale = grad_scale_arg(info, 5);
  const double loss = kernels::loss_with_targets(active_simd_path(), which, call.scores.data, targets.data, call.rows,
                                                 call.cols, scale, call.grad.data);
  return Napi::Number::New(info.Env(), loss);
}

// softmax(scores, rows, cols, out): out may be the scores themselves (in place), not a partial overlap.
Napi::Value softmax(const Napi::CallbackInfo& info) {
  const FloatArray scores = float32_arg(info, 0, "scores");
  const std::size_t rows = size_arg(info, 1, "rows");
  const std::size_t cols = size_arg(info, 2, "cols");
  check_matrix_length(info.Env(), scores, rows, cols, "scores");
  const FloatArray out = float32_arg(info, 3, "out");
  check_matrix_length(info.Env(), out, rows, cols, "out");
  if (out.data != scores.data) check_no_overlap(info.Env(), out, scores, "out", "scores");
  kernels::softmax_probabilities(active_simd_path(), scores.data, rows, cols, out.data);
  return info.Env().Undefined();
}

struct TreeArgs {
  Uint32Array offsets, nodes, bits;  // the caller's arrays, for overlap checks
  std::vector<std::uint32_t> stable_offsets, stable_nodes, stable_bits;  // the validated copies the kernels read
  kernels::LabelPaths paths;
};

// (offsets, nodes, bits, internalNodes) at `index`: offsets non-decreasing from 0 to
// nodes.length, every node below internalNodes. Checked on private copies (see the top).
void tree_args(const Napi::CallbackInfo& info, std::size_t index, TreeArgs& t) {
  Napi::Env env = info.Env();
  t.offsets = uint32_arg(info, index, "tree.offsets");
  t.nodes = uint32_arg(info, index + 1, "tree.nodes");
  t.bits = uint32_arg(info, index + 2, "tree.bits");
  const std::size_t internal = size_arg(info, index + 3, "tree.internalNodes");
  t.stable_offsets.assign(t.offsets.data, t.offsets.data + t.offsets.length);
  t.stable_nodes.assign(t.nodes.data, t.nodes.data + t.nodes.length);
  t.stable_bits.assign(t.bits.data, t.bits.data + t.bits.length);
  const std::vector<std::uint32_t>& offsets = t.stable_offsets;
  if (offsets.empty() || offsets.front() != 0 || offsets.back() != t.stable_nodes.size() ||
      t.stable_bits.size() != t.stable_nodes.size())
    throw_argument_error(env, ErrorKind::range, kErrShape, "tree", "consistent path arrays", "inconsistent lengths");
  for (std::size_t k = 0; k + 1 < offsets.size(); ++k)
    if (offsets[k + 1] < offsets[k])
      throw_argument_error(env, ErrorKind::range, kErrRange, "tree.offsets", "non-decreasing offsets",
                           "a decrease at class " + std::to_string(k));
  for (const std::uint32_t node : t.stable_nodes)
    if (node >= internal)
      throw_argument_error(env, ErrorKind::range, kErrRange, "tree.nodes",
                           "node indices below " + std::to_string(internal), std::to_string(node));
  t.paths = {t.stable_offsets.data(), t.stable_nodes.data(), t.stable_bits.data(), offsets.size() - 1, internal};
}

// An output must not overlap the tree's path arrays or the labels (ERR_NNKIT_ALIAS).
void check_tree_disjoint(Napi::Env env, const FloatArray& out, const TreeArgs& t, const char* out_name) {
  for (const auto* a : {&t.offsets, &t.nodes, &t.bits})
    check_no_overlap_bytes(env, out.data, out.length * sizeof(float), a->data, a->length * sizeof(std::uint32_t),
                           out_name, "the tree's path arrays");
}

// lossHierarchicalSoftmax(H, rows, dim, labels, offsets, nodes, bits, internalNodes, V, gradScale,
//                         dH | null, dV | null) -> Σ L_i
Napi::Value loss_hierarchical_softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const FloatArray h = float32_arg(info, 0, "H");
  const std::size_t rows = size_arg(info, 1, "rows");
  const std::size_t dim = size_arg(info, 2, "dim");
  check_matrix_length(env, h, rows, dim, "H");
  Labels labels = labels_arg(info, 3, "labels");
  TreeArgs tree;
  tree_args(info, 4, tree);
  const FloatArray v = float32_arg(info, 8, "V");
  check_matrix_length(env, v, tree.paths.internal_nodes, dim, "V");
  const float scale = grad_scale_arg(info, 9);
  const FloatArray dh = optional_float32_arg(info, 10, "dH");
  const FloatArray dv = optional_float32_arg(info, 11, "dV");
  check_labels(env, labels, rows, tree.paths.classes, "labels");
  if (dh.data) {
    check_matrix_length(env, dh, rows, dim, "dH");
    check_no_overlap(env, dh, h, "dH", "H");
    check_no_overlap(env, dh, v, "dH", "V");
    check_labels_disjoint(env, dh, labels, "dH", "labels");
    check_tree_disjoint(env, dh, tree, "dH");
  }
  if (dv.data) {
    check_matrix_length(env, dv, tree.paths.internal_nodes, dim, "dV");
    check_no_overlap(env, dv, h, "dV", "H");
    check_no_overlap(env, dv, v, "dV", "V");
    if (dh.data) check_no_overlap(env, dv, dh, "dV", "dH");
    check_labels_disjoint(env, dv, labels, "dV", "labels");
    check_tree_disjoint(env, dv, tree, "dV");
  }
  const double loss = kernels::loss_hierarchical_softmax(active_simd_path(), h.data, rows, dim, labels.view,
                                                         tree.paths, v.data, scale, dh.data, dv.data);
  return Napi::Number::New(env, loss);
}

// hierarchicalLogProbabilities(H, rows, dim, offsets, nodes, bits, internalNodes, V, out)
Napi::Value hierarchical_log_probabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const FloatArray h = float32_arg(info, 0, "H");
  const std::size_t rows = size_arg(info, 1, "rows");
  const std::size_t dim = size_arg(info, 2, "dim");
  check_matrix_length(env, h, rows, dim, "H");
  TreeArgs tree;
  tree_args(info, 3, tree);
  const FloatArray v = float32_arg(info, 7, "V");
  check_matrix_length(env, v, tree.paths.internal_nodes, dim, "V");
  const FloatArray out = float32_arg(info, 8, "out");
  check_matrix_length(env, out, rows, tree.paths.classes, "out");
  check_no_overlap(env, out, h, "out", "H");
  check_no_overlap(env, out, v, "out", "V");
  check_tree_disjoint(env, out, tree, "out");
  kernels::hierarchical_log_probabilities(active_simd_path(), h.data, rows, dim, tree.paths, v.data, out.data);
  return env.Undefined();
}

}  // namespace

void register_loss(Napi::Env env, Napi::Object exports) {
  exports.Set("lossSvm", Napi::Function::New<guarded<loss_svm>>(env, "lossSvm"));
  exports.Set("lossSoftmax", Napi::Function::New<guarded<loss_softmax>>(env, "lossSoftmax"));
  exports.Set("lossTargets", Napi::Function::New<guarded<loss_targets>>(env, "lossTargets"));
  exports.Set("softmax", Napi::Function::New<guarded<softmax>>(env, "softmax"));
  exports.Set("lossHierarchicalSoftmax",
              Napi::Function::New<guarded<loss_hierarchical_softmax>>(env, "lossHierarchicalSoftmax"));
  exports.Set("hierarchicalLogProbabilities",
              Napi::Function::New<guarded<hierarchical_log_probabilities>>(env, "hierarchicalLogProbabilities"));
}

}  // namespace nnkit::binding
